// Package simnet is a simulated card network with its issuers: a real TCP
// server speaking the upstream link profile (network.Spec87), so that the
// demo, the tests and the benchmarks exercise the real wire.
//
// Issuers are the cards' BIN prefixes (first 6 digits). Each card account
// has a balance, a status and an expiry, and keeps the list of its
// postings. simnet verifies PINs under the zone PIN key it shares with the
// host, debits sales and completions, holds pre-authorizations, credits
// voids and refunds, undoes reversals (idempotently) and answers an
// identical retransmission with the answer it gave the first time, without
// moving money twice.
//
// Money model: for every account, at all times,
//
//	balance = initial − Σ posted sales − Σ posted completions
//	                  + Σ posted voids of sales and completions + Σ posted refunds
//
// where a posting that was reversed no longer counts. A pre-authorization
// does not change the balance: it holds funds (they are not available to
// later authorizations) until it is completed, cancelled or reversed.
// Network.Taken gives initial − balance, the money the issuer took from the
// cardholder, which must equal what the host's journal says was approved
// and not reversed, voided or refunded.
//
// Faults (latency, timeouts with or without the debit, lost approvals,
// BIN outages and decline bursts, disconnects, garbage answers) are
// injected on request, drawn from a seeded random source so that a run can
// be reproduced; see ParseFaults. An admin HTTP API (Network.Handler)
// shows the accounts, the statistics and the fault mix, and changes the
// fault mix at run time.
package simnet

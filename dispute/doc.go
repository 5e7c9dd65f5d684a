// Package dispute works the card network's retrieval requests (调单) and
// chargebacks (拒付) to an outcome (docs/disputes.md).
//
// The network (simnet here) publishes disputes as a file (file.go: CSV
// with UnionPay-style reason codes, reason.go); Service.Import turns each
// line into a dispute linked to its transaction, with a deadline from its
// reason code, a case (casework's store) and evidence gathered at once:
// the electronic receipt, the journal trace and the terminal's sign-on
// data. A chargeback debits the merchant in the ledger at once (a
// settlement item, held from its unsettled balance or taken from its next
// settlement). Staff ask the merchant for more, merchants attach evidence
// (text, or JPEG/PNG/PDF files sniffed and sized like onboarding
// documents), and Service.Respond sends the response to the network,
// which decides: a won representment credits the merchant back. Expire
// loses every dispute left unanswered past its deadline. Every step is
// audited and noted in the transaction's history.
package dispute

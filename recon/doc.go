// Package recon reconciles posguard's journal against the other side's
// view of the money. Today it holds the issuer-side check that the tests,
// the demo and the chaos run use: for every card, the money the issuers
// took must equal what the journal says was approved and not voided,
// reversed or refunded.
package recon

// Package verify checks posguard's books after the fact, from the store
// alone: the ledger's hash chain and balances, and the journal's
// invariants. It never writes.
//
// The ledger: every posting balances, links to the hash of the one before
// and carries the hash of its own content, the chain ends at the store's
// head (ledger.Verify), and the balances the store reports are the sums of
// the postings' entries, which add up to zero.
//
// The journal: every failure is explained by a reason the knowledge base
// knows (and a rejection or decline answered the code of its reason);
// nothing is left forwarded (or received) longer than a grace period, which
// would mean a request without an outcome and no reversal queued; and the
// reversal queue agrees with the transactions (a transaction awaiting its
// reversal has a pending one, a pending reversal's transaction awaits it,
// an acknowledged one's is reversed, and a terminal reversal that queued or
// found a reversal points at an original that is being or has been
// reversed).
//
// A break is named: its area, the record and what is wrong with it.
package verify

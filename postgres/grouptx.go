package postgres

import "github.com/posguard/posguard/sqlstore"

// groupTx is the store's committer as the core sees it (Store.Group): it
// also runs the core's writes (the QR engine's) in the shared transactions
// beside the journal's, sends the one-statement ones pipelined with the
// batch's other statements (pipeline.go), appends the requests' audit
// records of a batch at its end (a batch's savepointTx is a
// sqlstore.AuditDeferrer), and takes the batches' turn (TurnSQL). pgx
// caches each statement prepared on the connection.
type groupTx struct{ *sqlstore.Group }

// TurnSQL implements sqlstore.TurnTaker.
func (groupTx) TurnSQL() string { return batchTurnSQL }

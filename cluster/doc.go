// Package cluster lets several posguard host instances share one database:
// each singleton job (the ledger poster, incident detection, the case loop,
// payouts, credit adjustments, the clearing-file watcher) runs on one
// instance at a time, the leader of its lease, and moves to another
// instance when the leader stops renewing (it died, or lost the database).
//
// A lease is a row in the shared database (posguard.LeaseStore) with a
// holder and an expiry. The leader renews it every TTL/3; an instance that
// cannot renew stops the job before the lease it last renewed expires, so
// two instances never run one job at the same time as long as their clocks
// agree to well within the TTL. Another instance takes the lease once it has
// expired: a failover takes at most TTL plus one retry interval.
//
//	e := &cluster.Elector{Store: st, Holder: "host-a", TTL: 15 * time.Second}
//	go e.Run(ctx, "ledger-poster", poster.Run) // runs poster.Run while leader
package cluster

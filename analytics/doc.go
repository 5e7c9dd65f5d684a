// Package analytics keeps failure analytics, detects incidents and reports
// terminal health.
//
// An Aggregator is the switch's Observer: it counts each answered request
// by terminal, merchant, issuer BIN, terminal model, firmware, cause
// category and response code, batches the increments in memory and flushes
// them to the rollup tables (minute, hour and day buckets) every second, so
// queries read rollups only and stay fast however large the journal grows.
// It also records the refusals the journal does not keep (97, A0, 77) as
// terminal events, and feeds a Detector, which compares each key's recent
// failure rate with its own baseline and opens and closes incidents.
package analytics

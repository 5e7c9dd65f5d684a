// Package metrics exposes posguard's Prometheus metrics: terminal answers by
// type and response code, answer latency, terminal and upstream connections,
// the reversal queue and framing errors.
//
// Every series is named posguard_* and lives in the Metrics value's own
// registry, never in the process-wide default one, so several hosts (or
// tests) in one process do not collide. Metrics implements the switch's
// Observer (Answered) and offers small methods for the other components to
// report their state; cmd/ wires them.
package metrics

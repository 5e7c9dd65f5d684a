// Package bench measures posguard's speed: a load generator that drives
// many terminals over real TCP against a host (in-process, with the
// simulated network at zero latency, or an external one), in closed loop
// (each terminal sends as soon as it has its answer) or open loop (send
// times fixed in advance at a rate, latency counted from the scheduled
// time so that slow answers are not hidden by coordinated omission). Every
// request does the terminal's full work: a PIN block encrypted under the
// terminal's PIN key, a MAC over the message, framing; the answer is
// unpacked and its MAC verified.
//
// The same client loop and the same frames also run against a bare TCP
// echo server that uses the host's framing code, which gives the physical
// limit of the machine for that traffic; the report states posguard's
// throughput as a ratio of it.
//
// The report holds throughput, latency percentiles from an HDR histogram,
// answers by field 39 code and the process CPU time per transaction.
package bench

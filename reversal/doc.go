// Package reversal is posguard's store-and-forward queue of upstream
// reversals. A reversal is queued in the same store transaction that records
// why it is needed (switching does that); the Worker sends it as 0420 (0421
// on repeats) until the network acknowledges it with a 0430, with jittered
// exponential backoff and no limit on attempts. After MaxAttempts the
// transaction is flagged reversal_failed, and the retries go on.
//
// The Worker also sweeps transactions left forwarded without an outcome (a
// crash between forwarding and recording the answer) and queues their
// reversal, so nothing approved at the issuer stays unknown to the host.
package reversal

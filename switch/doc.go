// Package switching is posguard's authorization pipeline (directory
// switch/; "switch" is a Go keyword, so the package is named switching).
//
// A Switch takes decoded terminal requests (posguard.TerminalRequest) and
// answers them. For each financial request it runs the gates in the order of
// spec/terminal-8583.md §7, first failure wins:
//
//	terminal known and enabled (97) → MAC (A0) → signed on with the open batch (77)
//	→ merchant status (03) → transaction type allowed (58) → idempotency (stored
//	answer or 94) → transaction rules (void/refund/reversal) → limits (61, 65)
//	→ journal (write-ahead) → forward to the network
//
// Format errors (30) are answered by the terminal gateway before a request
// reaches the switch. The journal entry of a forwarded request is written
// before the request leaves the host; an answer that does not come in time,
// or cannot be trusted, leaves the transaction reversal_pending with an
// upstream reversal queued in the same store transaction.
package switching

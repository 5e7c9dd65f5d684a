// Package simterm simulates POS terminals that speak posguard's terminal
// link profile (China UnionPay style ISO 8583 over TCP, see
// spec/terminal-8583.md) the way a real terminal in the field does.
//
// A Terminal owns one TCP connection and the state a real terminal keeps:
// its STAN counter (000001–999999, one per message), its batch number, the
// working keys delivered at sign-on (field 62, each check value verified),
// the records of its approved transactions (field 48 settlement totals) and
// the reversal record of a "must reverse" transaction (sale, void).
//
// The reversal record is written before the request leaves the terminal.
// It is cleared when an answer to the original arrives that the terminal can
// trust (any code other than 98, with a good MAC when 39 = 00). It stays when
// no answer comes within the terminal timeout (reason 98), when the host
// answers 98, or when an approval's MAC fails (reason A0; the terminal then
// signs on again). A pending record is sent as a 0400 (same 11, 4, 41, 42 and
// 60 as the original, 39 = reason) before the next transaction and before
// settlement, up to three tries, and cleared on a 00 answer.
//
// A Fleet drives many terminals against a host with a transaction mix
// (sales, balance inquiries, voids, refunds, wrong PINs, bad cards), open
// loop at a fixed rate or closed loop, and reports a Summary by response
// code. docs/simterm.md lists the rules and the mix.
//
// Card data stays in memory: PANs are posguard.PAN values that mask
// themselves in logs, and PIN blocks and tracks are built per message and
// never logged.
package simterm

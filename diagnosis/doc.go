// Package diagnosis is posguard's knowledge base of failure causes.
//
// Every field 39 response code of the China UnionPay terminal table and every
// internal reason code of posguard (posguard.Reason*) has an Entry: its cause
// category, who must act, what it means and what to do, in Chinese and
// English, whether a retry makes sense, and a short text for the terminal
// screen. The data lives in codes.yaml and reasons.yaml, embedded in the
// binary and reviewed like code.
//
// Lookup and ForCode find entries; Explain turns a wire code, an internal
// reason and the evidence the host recorded (a status date, a limit and the
// amount that broke it) into one sentence a merchant can act on:
//
//	merchant pending real-name verification since 2026-11-20: upload the legal representative's ID
package diagnosis

// Package keys holds posguard's cryptography for the terminal link: DES and
// 3DES block operations, key check values, generation and delivery of
// working keys at sign-on (field 62), the field 64 MAC algorithms, ISO 9564
// format-0 PIN blocks and their translation between key zones, and the host
// key that seals secrets at rest.
//
// Keys are plain byte slices: 8 bytes for single-length DES, 16 bytes for a
// double-length 3DES key (used as K1 K2 K1), 24 bytes for a triple-length one.
// Nothing in this package logs, and no error it returns carries a PIN, a PIN
// block, a key or a clear PAN.
package keys

// Package posguard holds the domain of the posguard acquiring host: merchants,
// terminals, transactions and their states, amounts in fen, reasons for
// failure, the error type, and the interfaces that stores and links
// implement.
//
// It imports no database, wire-format or HTTP package. Subpackages implement
// or use these types (sqlite/, postgres/, iso8583/, terminal/, network/,
// switch/, http/) and cmd/posguard wires them together.
package posguard

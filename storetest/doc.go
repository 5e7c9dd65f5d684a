// Package storetest is the conformance suite every posguard.Store must pass.
// The sqlite and postgres packages run it from their tests with Run; it also
// provides Sealer, a small AES-GCM posguard.Sealer for tests.
package storetest

// Package storetest is the conformance suite every posguard.Store must pass.
// Run is its one entry point and exercises the whole store; sqlite/ runs it
// always and postgres/ when TEST_DATABASE_URL is set. A new store method gets
// its test group here, added to Run. The package also provides Sealer, a
// small AES-GCM posguard.Sealer for tests.
package storetest

// Package sqlstore holds the dialect-free Go logic shared by posguard's SQL
// stores (sqlite/ and postgres/): validation of what is about to be written
// and the encoding of values between domain types and row columns (JSON
// columns, sealed settings). The SQL text and the driver calls stay in each
// store.
package sqlstore

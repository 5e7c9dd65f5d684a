// Package http is posguard's JSON API over net/http: the transaction journal
// with filters and cursor paging, one transaction with its history, its
// response code explained and its reversal, the reversal queue, the
// diagnosis knowledge base, terminals, merchants, health and metrics.
//
// The package is named http like the standard library package it builds on;
// inside it the standard package is imported as nethttp.
//
// Every answer is JSON in UTF-8. Errors have one shape,
//
//	{"error": {"code": "not_found", "message": "transaction 42 not found"}}
//
// and their HTTP status comes from one table (statusFor) keyed by posguard
// error codes. Internal errors are logged and answered with a generic
// message. No answer ever carries a full card number, a PAN hash, keys, PIN
// blocks or track data: transactions carry the journal's masked PAN only,
// terminals carry no keys, and settlement account numbers are masked.
package http

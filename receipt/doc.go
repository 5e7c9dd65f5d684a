// Package receipt builds the electronic sales slip (电子签购单) of an
// approved card transaction and prints it as bilingual text, the way a
// paper slip reads. The console renders the same posguard.Receipt as a
// printable page; the API serves it as JSON or this text
// (GET /v1/transactions/{id}/receipt). A dispute takes the text as its
// first piece of evidence (docs/disputes.md).
package receipt

package console

import (
	"net/http"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/receipt"
)

// receiptData is the receipt page's data.
type receiptData struct {
	R *posguard.Receipt
	// TypeZH and TypeEN name the transaction as the slip prints it.
	TypeZH, TypeEN string
}

// receipts returns the receipt builder over the console's store.
func (s *Server) receipts() *receipt.Builder {
	b := &receipt.Builder{Store: s.Store}
	if m := s.money(); m != nil {
		b.Ledger = m
	}
	return b
}

// receiptPage serves GET /transactions/{id}/receipt: the electronic sales
// slip (电子签购单), laid out to print (the browser's print hides the
// navigation). Another merchant's transaction, or one that was not
// approved, is "not found".
func (s *Server) receiptPage(q *request) error {
	t, err := q.ownTxn(q.r.PathValue("id"))
	if err != nil {
		return err
	}
	r, err := s.receipts().For(q.r.Context(), t)
	if err != nil {
		return err
	}
	d := &receiptData{R: r, TypeZH: receipt.TypeName(r.Type, "zh"), TypeEN: receipt.TypeName(r.Type, "en")}
	return q.render(http.StatusOK, "receipt", "receipt.title", d)
}

// HasReceipt reports whether t has an electronic receipt (for the link on
// the transaction page).
func (q *request) HasReceipt(t *posguard.Transaction) bool { return posguard.HasReceipt(t) }

package posguard

import "time"

// Receipt is the electronic sales slip (电子签购单) of an approved card
// transaction: the fields a paper slip carries, with the card masked 6 + 4.
// It is the first evidence in a dispute (docs/disputes.md).
type Receipt struct {
	TxnID        int64
	MerchantID   string
	MerchantName string
	TerminalID   string
	CardMasked   string   // 6 + 4
	CardOrg      string   // CUP, VIS… when known
	IssuerBIN    string   // first six digits
	CardKind     CardKind // debit or credit when the fee plan knows the BIN
	EntryMode    string   // field 22
	Type         TxnType
	Batch        string
	STAN         string // trace number (凭证号)
	RRN          string // reference number (参考号)
	AuthCode     string // authorization code (授权码)
	At           time.Time
	Amount       Amount
	Currency     string
	// State is the transaction's state now (a sale voided since shows it).
	State State
	// Orig is the original of a void, refund or completion, nil otherwise.
	Orig *ReceiptRef
	// SignatureRequired is false for a small contactless sale (小额免密免签,
	// at most NoSignatureLimit); the slip then says no signature is needed.
	SignatureRequired bool
}

// ReceiptRef names the original transaction on a void's or refund's slip.
type ReceiptRef struct {
	TxnID    int64
	Batch    string
	STAN     string
	RRN      string
	AuthCode string
	Date     string // YYYY-MM-DD, UTC+8
}

// NoSignatureLimit is the largest contactless amount whose slip needs no
// signature (1,000 元).
const NoSignatureLimit Amount = 100000

// tapped reports whether field 22 entry mode m is a contactless read (07x
// chip; 91x and 98x magnetic stripe image).
func tapped(m string) bool {
	return len(m) >= 2 && (m[:2] == "07" || m[:2] == "91" || m[:2] == "98")
}

// HasReceipt reports whether t has an electronic receipt: a card
// transaction that moves money and was approved (it may be voided or
// refunded since).
func HasReceipt(t *Transaction) bool {
	if !t.Type.MovesMoney() || !ApprovedCode(t.ResponseCode) {
		return false
	}
	switch t.State {
	case StateApproved, StateVoided, StatePartRefunded, StateRefunded:
		return true
	}
	return false
}

// NewReceipt builds t's receipt from the transaction, its merchant (nil if
// unknown), its original (nil if none) and the card kind (empty if
// unknown). Returns ENOTFOUND when t has no receipt (see HasReceipt).
func NewReceipt(t *Transaction, m *Merchant, orig *Transaction, kind CardKind) (*Receipt, error) {
	if !HasReceipt(t) {
		return nil, Errorf(ENOTFOUND, "transaction %d has no receipt: it was not approved", t.ID)
	}
	r := &Receipt{
		TxnID: t.ID, MerchantID: t.MerchantID, TerminalID: t.TerminalID,
		CardMasked: MaskPAN(t.PANMasked), CardOrg: t.CardOrg, IssuerBIN: t.IssuerBIN, CardKind: kind,
		EntryMode: t.EntryMode, Type: t.Type, Batch: t.Batch, STAN: t.STAN, RRN: t.RRN, AuthCode: t.AuthCode,
		At: t.CreatedAt, Amount: t.Amount, Currency: t.Currency, State: t.State,
		SignatureRequired: !(tapped(t.EntryMode) && t.Amount <= NoSignatureLimit),
	}
	if m != nil {
		r.MerchantName = m.Name
	}
	if orig != nil {
		r.Orig = &ReceiptRef{TxnID: orig.ID, Batch: orig.Batch, STAN: orig.STAN, RRN: orig.RRN, AuthCode: orig.AuthCode,
			Date: orig.CreatedAt.In(ChinaStandardTime).Format("2006-01-02")}
	}
	return r, nil
}

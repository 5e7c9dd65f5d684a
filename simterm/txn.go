package simterm

import (
	"context"
	"fmt"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/keys"
)

// Inquiry asks for the card's balance (0200, 3 = 310000, 60.1 = 01); the
// answer's field 54 is in Result.Balance. An inquiry is not reversed.
func (t *Terminal) Inquiry(ctx context.Context, card Card, opts ...Option) (*Result, error) {
	return t.financial(ctx, request{typ: posguard.TxnInquiry, mti: "0200", proc: "310000", type60: "01", card: card}, opts)
}

// Sale makes a sale of amount fen (0200, 3 = 000000, 60.1 = 22). A sale
// must be reversed when it fails: see the package documentation.
func (t *Terminal) Sale(ctx context.Context, card Card, amount posguard.Amount, opts ...Option) (*Result, error) {
	return t.financial(ctx, request{typ: posguard.TxnSale, mti: "0200", proc: "000000", type60: "22", card: card, amount: amount, hasAmount: true}, opts)
}

// Void cancels an approved sale of the terminal's open batch (0200, 3 =
// 200000, 60.1 = 23) with the original's amount, 37 and 38, and 61 = the
// original's batch and STAN. The card is swiped again without PIN. A void
// must be reversed when it fails. EINVALID when orig is not a sale.
func (t *Terminal) Void(ctx context.Context, orig *Result, opts ...Option) (*Result, error) {
	if orig == nil || orig.Type != posguard.TxnSale {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: void: original is not a sale", t.ID)
	}
	card := orig.card
	card.PIN = ""
	card.IC = false
	return t.financial(ctx, request{typ: posguard.TxnVoid, mti: "0200", proc: "200000", type60: "23", card: card,
		amount: orig.Amount, hasAmount: true, rrn: orig.RRN, auth: orig.AuthCode, f61: orig.Batch + orig.STAN, origSTAN: orig.STAN, origBatch: orig.Batch}, opts)
}

// Refund returns amount fen of an approved sale made on an earlier
// settlement day (0220, 3 = 200000, 60.1 = 25) with the original's 37 and
// 61 = original batch, STAN and date (61.3 = the original answer's field
// 13). A refund is not reversed. EINVALID when orig is not a sale.
func (t *Terminal) Refund(ctx context.Context, orig *Result, amount posguard.Amount, opts ...Option) (*Result, error) {
	if orig == nil || orig.Type != posguard.TxnSale {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: refund: original is not a sale", t.ID)
	}
	card := orig.card
	card.PIN = ""
	card.IC = false
	date := orig.LocalDate
	if !digitsN(date, 4) {
		date = "0000"
	}
	return t.financial(ctx, request{typ: posguard.TxnRefund, mti: "0220", proc: "200000", type60: "25", card: card,
		amount: amount, hasAmount: true, rrn: orig.RRN, f61: orig.Batch + orig.STAN + date}, opts)
}

// request is what a financial transaction needs to be built.
type request struct {
	typ       posguard.TxnType
	mti       string
	proc      string
	cond      string // 25: "00" when empty; 06 for the pre-authorization family
	type60    string
	card      Card
	amount    posguard.Amount
	hasAmount bool
	rrn, auth string
	f61       string
	origSTAN  string // void: the sale to mark voided
	origBatch string
}

// financial runs one financial transaction: sign on again if asked, send
// the pending reversal, build the request, write the reversal record of a
// must-reverse type, exchange, and record the outcome.
//
// It returns a Result whenever a request was sent, with an error when no
// answer the terminal can trust came: ETIMEOUT (no answer), EUNAVAILABLE
// (connection), EINVALID (malformed answer), or ErrAnswerMAC.
func (t *Terminal) financial(ctx context.Context, r request, opts []Option) (*Result, error) {
	o := options{operator: t.cfg.Operator}
	for _, f := range opts {
		f(&o)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.prepare(ctx); err != nil {
		return nil, err
	}
	m, err := t.build(r, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Type: r.typ, STAN: m.Get(11), Batch: t.book.batch, Amount: r.amount, card: r.card}
	if r.typ.MustReverse() {
		t.pending = newPendingReversal(m, r.typ)
	}
	a, err := t.exchange(ctx, m)
	if a == nil {
		res.TimedOut = posguard.ErrorCode(err) == posguard.ETIMEOUT
		if t.pending != nil && posguard.ErrorCode(err) == posguard.EINVALID {
			t.pending.reason = ReasonOther // an answer came but could not be read
		}
		res.ReversalPending = t.pending != nil
		t.log.Debug("simterm: no usable answer", "type", r.typ, "stan", res.STAN, "err", err)
		return res, err
	}
	res.fill(a)
	t.settleRecord(r, res, a, o)
	res.ReversalPending = t.pending != nil
	t.log.Debug("simterm: answer", "type", r.typ, "stan", res.STAN, "card", r.card.PAN, "code", res.Code, "elapsed", res.Elapsed)
	if err != nil {
		return res, posguard.WrapError(posguard.EUNAUTHORIZED, err, "simterm: terminal %s: %s STAN %s", t.ID, r.typ, res.STAN)
	}
	return res, nil
}

// settleRecord applies an answer to the reversal record and the batch
// records.
func (t *Terminal) settleRecord(r request, res *Result, a *answer, o options) {
	switch {
	case t.pending == nil:
	case !a.macOK:
		t.pending.reason = ReasonBadMAC
		t.pending.authCode = res.AuthCode
		return
	case res.Code == "98":
		t.pending.reason = ReasonNoAnswer
		return
	case posguard.ApprovedCode(res.Code) && o.failAfterApprv:
		t.pending.reason = ReasonOther
		t.pending.authCode = res.AuthCode
		return
	default:
		t.pending = nil // the terminal trusts this answer
	}
	if !posguard.ApprovedCode(res.Code) || !a.macOK {
		return
	}
	switch r.typ {
	case posguard.TxnSale, posguard.TxnVoid, posguard.TxnRefund, posguard.TxnCompletion:
		t.book.add(Record{Type: r.typ, STAN: res.STAN, Amount: r.amount, Domestic: domestic(res.CardOrg)})
	}
	if r.typ == posguard.TxnVoid && r.origBatch == t.book.batch {
		t.book.markVoided(r.origSTAN)
	}
}

// build makes the request message for r with a new STAN.
func (t *Terminal) build(r request, o options) (*iso8583.Message, error) {
	m := iso8583.NewMessage(r.mti)
	stan := t.takeSTAN()
	c := r.card
	m.Set(2, c.PAN.Reveal())
	m.Set(3, r.proc)
	if r.hasAmount {
		m.Set(4, fmt.Sprintf("%012d", int64(r.amount)))
	}
	m.Set(11, stan)
	m.Set(22, c.entryMode())
	cond := r.cond
	if cond == "" {
		cond = "00"
	}
	m.Set(25, cond)
	m.Set(35, c.track2())
	if c.IC {
		m.Set(14, c.Expiry)
		m.Set(23, "001")
		txnType := byte(0x00)
		if r.typ == posguard.TxnInquiry {
			txnType = 0x31
		}
		m.SetBytes(55, icc(c.PAN, r.amount, stan, time.Now().Format("060102"), txnType))
	}
	if c.PIN != "" {
		block, err := t.pinBlock(c)
		if err != nil {
			return nil, err
		}
		m.Set(26, "12")
		m.SetBytes(52, block)
		if len(t.keys.PIK) == 8 {
			m.Set(53, "2000000000000000")
		} else {
			m.Set(53, "2600000000000000")
		}
	}
	if r.rrn != "" {
		m.Set(37, r.rrn)
	}
	if r.auth != "" {
		m.Set(38, r.auth)
	}
	m.Set(41, t.ID)
	m.Set(42, t.MerchantID)
	m.Set(49, posguard.CurrencyCNY)
	m.Set(60, r.type60+t.book.batch+"000")
	if r.f61 != "" {
		m.Set(61, r.f61)
	}
	m.Set(63, o.operator)
	return m, nil
}

// pinBlock returns the format-0 PIN block of the card's PIN, encrypted
// under the PIK (DES for a single-length key, 3DES otherwise).
func (t *Terminal) pinBlock(c Card) ([]byte, error) {
	if len(t.keys.PIK) == 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: no PIN key: sign on first", t.ID)
	}
	clearBlock, err := keys.EncodePINBlock(c.PIN, c.PAN)
	if err != nil {
		return nil, err
	}
	defer clear(clearBlock)
	return keys.EncryptPINBlock(t.keys.PIK, clearBlock)
}

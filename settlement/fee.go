package settlement

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/posguard/posguard"
)

// LoadFeePlans stores the world's fee plans (posguard seed calls it).
func LoadFeePlans(ctx context.Context, s posguard.LedgerStore, plans []posguard.FeePlan) error {
	for _, p := range plans {
		b, err := json.Marshal(p)
		if err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "fee plan %s", p.Name)
		}
		if err := s.PutFeePlan(ctx, p.Name, b); err != nil {
			return err
		}
	}
	return nil
}

// LoadCardKinds records the kind of each of the world's cards by BIN (its
// first six digits). When cards of one BIN disagree, credit wins. Only the
// BIN is stored, never the card number.
func LoadCardKinds(ctx context.Context, s posguard.LedgerStore, cards []posguard.Card) error {
	kinds := map[string]posguard.CardKind{}
	for _, c := range cards {
		bin := c.PAN.BIN()
		if c.Kind != posguard.CardDebit && c.Kind != posguard.CardCredit {
			continue
		}
		if kinds[bin] != posguard.CardCredit {
			kinds[bin] = c.Kind
		}
	}
	return s.PutCardKinds(ctx, kinds)
}

// KindQR is the fee kind of a QR-code payment (a pseudo card kind).
const KindQR posguard.CardKind = "qr"

// CardKindOf returns how a transaction is charged: QR when its POS entry mode
// starts "03" (code scanned), else the kind recorded for its issuer BIN, and
// credit for a BIN not recorded (the plan's highest card rate: an unknown
// card is never charged less than it might cost).
func CardKindOf(kinds map[string]posguard.CardKind, bin, entryMode string) posguard.CardKind {
	if strings.HasPrefix(entryMode, "03") {
		return KindQR
	}
	if k, ok := kinds[bin]; ok {
		return k
	}
	return posguard.CardCredit
}

// Fee returns the fee plan's fee on amount for a card of kind: the credit
// rate, the debit rate capped by DebitCap, or the QR rate; each rounded half
// up to the fen, per transaction.
func Fee(p posguard.FeePlan, kind posguard.CardKind, amount posguard.Amount) posguard.Amount {
	switch kind {
	case posguard.CardDebit:
		f := p.DebitRate.Fee(amount)
		if p.DebitCap > 0 && f > p.DebitCap {
			f = p.DebitCap
		}
		return f
	case KindQR:
		return p.QRRate.Fee(amount)
	}
	return p.CreditRate.Fee(amount)
}

// FeeBook prices transactions from the stored fee plans and card kinds; it
// implements ledger.Pricer. It reads both once; Reload reads them again.
type FeeBook struct {
	Store     posguard.LedgerStore
	Merchants posguard.MerchantStore

	mu        sync.Mutex
	loaded    bool
	plans     map[string]posguard.FeePlan
	kinds     map[string]posguard.CardKind
	merchants map[string]string // merchant → plan name
}

// Reload forgets the cached plans, kinds and merchants.
func (b *FeeBook) Reload() {
	b.mu.Lock()
	b.loaded = false
	b.mu.Unlock()
}

func (b *FeeBook) load(ctx context.Context) error {
	if b.loaded {
		return nil
	}
	bodies, err := b.Store.FeePlans(ctx)
	if err != nil {
		return err
	}
	b.plans = map[string]posguard.FeePlan{}
	for n, body := range bodies {
		var p posguard.FeePlan
		if err := json.Unmarshal(body, &p); err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "fee plan %s", n)
		}
		b.plans[n] = p
	}
	if b.kinds, err = b.Store.CardKinds(ctx); err != nil {
		return err
	}
	b.merchants = map[string]string{}
	b.loaded = true
	return nil
}

// Plan returns merchant mid's fee plan and whether it has one.
func (b *FeeBook) Plan(ctx context.Context, mid string) (posguard.FeePlan, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.load(ctx); err != nil {
		return posguard.FeePlan{}, false, err
	}
	name, ok := b.merchants[mid]
	if !ok {
		m, err := b.Merchants.Merchant(ctx, mid)
		switch {
		case posguard.ErrorCode(err) == posguard.ENOTFOUND:
		case err != nil:
			return posguard.FeePlan{}, false, err
		default:
			name = m.FeePlan
		}
		b.merchants[mid] = name
	}
	p, ok := b.plans[name]
	return p, ok, nil
}

// Price implements ledger.Pricer. A merchant without a known fee plan pays
// no fee (the posting is still made: the money stays accounted for).
func (b *FeeBook) Price(ctx context.Context, t *posguard.Transaction) (posguard.Amount, posguard.CardKind, error) {
	p, ok, err := b.Plan(ctx, t.MerchantID)
	if err != nil {
		return 0, "", err
	}
	b.mu.Lock()
	kind := CardKindOf(b.kinds, t.IssuerBIN, t.EntryMode)
	b.mu.Unlock()
	if !ok {
		return 0, kind, nil
	}
	return Fee(p, kind, t.Amount), kind, nil
}

// QRFee implements ledger.QRPricer: the merchant's fee plan's qr rate on
// amount (0 without a known plan).
func (b *FeeBook) QRFee(ctx context.Context, mid string, amount posguard.Amount) (posguard.Amount, error) {
	p, ok, err := b.Plan(ctx, mid)
	if err != nil || !ok {
		return 0, err
	}
	return Fee(p, KindQR, amount), nil
}

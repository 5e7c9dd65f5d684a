package seed

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	posguard "github.com/posguard/posguard"
)

// maxName bounds free-text names (merchant, bank, account holder).
const maxName = 100

func (p *parser) acquirer(f *fields) Acquirer {
	var a Acquirer
	if id, ok := f.str("id", true); ok {
		if !acquirerID.MatchString(id) {
			f.errorf("id", "want 1 to 11 digits (field 32), got %q", id)
		}
		a.ID = id
	}
	if s, ok := f.str("zone_pin_key", true); ok {
		if k, ok := key16(s); ok {
			a.ZonePINKey = k
		} else {
			f.errorf("zone_pin_key", "want 32 hex digits")
		}
	}
	return a
}

func (p *parser) rate(f *fields, key string, required bool) posguard.Rate {
	s, ok := f.str(key, required)
	if !ok {
		return 0
	}
	r, err := posguard.ParseRate(s)
	if err != nil {
		f.errorf(key, "%v", err)
	}
	return r
}

func (p *parser) feePlan(n *yaml.Node, path string) (posguard.FeePlan, bool) {
	f := p.mapping(n, path, "name", "rates", "d0")
	if f == nil {
		return posguard.FeePlan{}, false
	}
	before := p.n
	var fp posguard.FeePlan
	fp.Name, _ = f.str("name", true)
	if r := f.sub("rates", true, "credit", "debit", "debit_cap", "qr"); r != nil {
		fp.CreditRate = p.rate(r, "credit", true)
		fp.DebitRate = p.rate(r, "debit", true)
		fp.QRRate = p.rate(r, "qr", true)
		c, _ := r.amount("debit_cap", false)
		fp.DebitCap = posguard.Amount(c)
	}
	if d := f.sub("d0", false, "enabled", "min_amount", "window", "extra"); d != nil {
		fp.D0.Enabled, _ = d.boolean("enabled", true)
		m, _ := d.amount("min_amount", false)
		fp.D0.MinAmount = posguard.Amount(m)
		if w, ok := d.str("window", fp.D0.Enabled); ok {
			if !window.MatchString(w) {
				d.errorf("window", "want HH:MM-HH:MM, got %q", w)
			}
			fp.D0.Window = w
		}
		fp.D0.Extra = p.rate(d, "extra", false)
	}
	return fp, p.n == before && fp.Name != ""
}

// merchant parses one merchant; it also returns the fee_plan node for the
// cross-reference check, and whether the merchant is free of problems (a
// merchant with problems is still returned when it has an ID, so that its
// terminals do not report it missing as well).
func (p *parser) merchant(n *yaml.Node, path string) (*posguard.Merchant, *yaml.Node, bool) {
	f := p.mapping(n, path, "id", "name", "mcc", "status", "status_since", "kind",
		"fee_plan", "limits", "allowed_types", "settlement_account", "wallet")
	if f == nil {
		return nil, nil, false
	}
	before := p.n
	m := &posguard.Merchant{}
	if id, ok := f.str("id", true); ok {
		if !merchantID.MatchString(id) {
			f.errorf("id", "want 15 letters or digits (field 42), got %q", id)
		}
		m.ID = id
	}
	if mw := p.merchantWallet(f, m.ID); mw != nil && m.ID != "" {
		if p.wallets == nil {
			p.wallets = map[string]*posguard.MerchantWallet{}
		}
		p.wallets[m.ID] = mw
	}
	if name, ok := f.str("name", true); ok {
		if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > maxName {
			f.errorf("name", "want 1 to %d characters", maxName)
		}
		m.Name = name
	}
	if c, ok := f.str("mcc", true); ok {
		if !mcc.MatchString(c) {
			f.errorf("mcc", "want 4 digits, got %q", c)
		}
		m.MCC = c
	}
	if s, ok := f.str("status", true); ok {
		m.Status = posguard.MerchantStatus(s)
		if !m.Status.Valid() {
			f.errorf("status", "want active, pending_kyc, frozen or closed, got %q", s)
		}
	}
	if s, ok := f.str("status_since", false); ok {
		if t, ok := parseSince(s); ok {
			m.StatusSince = t
		} else {
			f.errorf("status_since", "want a date (2006-01-02) or an RFC 3339 time, got %q", s)
		}
	}
	if k, ok := f.str("kind", false); ok {
		if !oneOf(k, "enterprise", "individual", "small") {
			f.errorf("kind", "want enterprise, individual or small, got %q", k)
		}
		m.Kind = k
	}
	m.FeePlan, _ = f.str("fee_plan", false)
	if l := f.sub("limits", false, "per_txn", "daily", "daily_count", "card_daily", "card_daily_count", "terminal_daily", "terminal_daily_count"); l != nil {
		v, _ := l.amount("per_txn", false)
		m.Limits.PerTxn = posguard.Amount(v)
		v, _ = l.amount("daily", false)
		m.Limits.Daily = posguard.Amount(v)
		v, _ = l.amount("daily_count", false)
		m.Limits.DailyCount = int(v)
		v, _ = l.amount("card_daily", false)
		m.Limits.CardDaily = posguard.Amount(v)
		v, _ = l.amount("card_daily_count", false)
		m.Limits.CardDailyCount = int(v)
		v, _ = l.amount("terminal_daily", false)
		m.Limits.TerminalDaily = posguard.Amount(v)
		v, _ = l.amount("terminal_daily_count", false)
		m.Limits.TerminalDailyCount = int(v)
	}
	for i, item := range f.seq("allowed_types") {
		at := index(f.at("allowed_types"), i)
		item = p.deref(item)
		if item == nil || item.Kind != yaml.ScalarNode {
			p.errorf(item, at, "want a transaction type")
			continue
		}
		t := posguard.TxnType(item.Value)
		switch {
		case !slices.Contains(financialTypes, t):
			p.errorf(item, at, "want one of %s, got %q", typeNames(), item.Value)
		case slices.Contains(m.AllowedTypes, t):
			p.errorf(item, at, "%s listed twice", t)
		default:
			m.AllowedTypes = append(m.AllowedTypes, t)
		}
	}
	if a := f.sub("settlement_account", false, "bank", "number", "name", "status"); a != nil {
		m.Account.Bank, _ = a.str("bank", true)
		if num, ok := a.str("number", true); ok {
			if len(num) < 6 || len(num) > 32 || !allDigits(num) {
				a.errorf("number", "want 6 to 32 digits")
			}
			m.Account.Number = num
		}
		if name, ok := a.str("name", true); ok {
			if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > maxName {
				a.errorf("name", "want 1 to %d characters", maxName)
			}
			m.Account.Name = name
		}
		m.Account.Status = "ok"
		if s, ok := a.str("status", false); ok {
			if !oneOf(s, "ok", "frozen", "closed", "name_mismatch") {
				a.errorf("status", "want ok, frozen, closed or name_mismatch, got %q", s)
			}
			m.Account.Status = s
		}
	}
	if m.ID == "" {
		return nil, nil, false
	}
	return m, f.vals["fee_plan"], p.n == before
}

// terminal parses one terminal; it also returns the merchant node for the
// cross-reference check, and whether the terminal is free of problems (one
// with problems is still returned when it has an ID, so that its other
// problems are reported too).
func (p *parser) terminal(n *yaml.Node, path string) (*posguard.Terminal, *yaml.Node, bool) {
	f := p.mapping(n, path, "id", "merchant", "tmk", "key_scheme", "mac", "model", "firmware", "status")
	if f == nil {
		return nil, nil, false
	}
	before := p.n
	t := &posguard.Terminal{MAC: posguard.MACCupsECB}
	if id, ok := f.str("id", true); ok {
		if !terminalID.MatchString(id) {
			f.errorf("id", "want 8 letters or digits (field 41), got %q", id)
		}
		t.ID = id
	}
	t.MerchantID, _ = f.str("merchant", true)
	if s, ok := f.str("tmk", true); ok {
		if k, ok := key16(s); ok {
			t.TMK = k
		} else {
			f.errorf("tmk", "want 32 hex digits")
		}
	}
	if s, ok := f.str("key_scheme", true); ok {
		if !oneOf(s, posguard.KeyScheme001, posguard.KeyScheme003, posguard.KeyScheme004) {
			f.errorf("key_scheme", "want \"001\", \"003\" or \"004\", got %q", s)
		}
		t.KeyScheme = s
	}
	if s, ok := f.str("mac", false); ok {
		if !oneOf(s, posguard.MACCupsECB, posguard.MACX919) {
			f.errorf("mac", "want cups-ecb or x919, got %q", s)
		}
		t.MAC = s
	}
	t.Model, _ = f.str("model", false)
	t.Firmware, _ = f.str("firmware", false)
	if s, ok := f.str("status", true); ok {
		t.Status = posguard.TerminalStatus(s)
		if t.Status != posguard.TerminalActive && t.Status != posguard.TerminalDisabled {
			f.errorf("status", "want active or disabled, got %q", s)
		}
	}
	if t.ID == "" {
		return nil, nil, false
	}
	return t, f.vals["merchant"], p.n == before
}

// card parses one card account. Problems never quote the PAN or the PIN in
// clear.
func (p *parser) card(n *yaml.Node, path string) (posguard.Card, bool) {
	f := p.mapping(n, path, "pan", "expiry", "pin", "kind", "balance", "status")
	if f == nil {
		return posguard.Card{}, false
	}
	before := p.n
	var c posguard.Card
	if pan, ok := f.str("pan", true); ok {
		switch {
		case len(pan) < 12 || len(pan) > 19 || !allDigits(pan):
			f.errorf("pan", "want 12 to 19 digits, got %s", posguard.MaskPAN(pan))
		case !luhnValid(pan):
			f.errorf("pan", "%s: check digit fails the Luhn test", posguard.MaskPAN(pan))
		}
		c.PAN = posguard.PAN(pan)
	}
	if e, ok := f.str("expiry", true); ok {
		if !validExpiry(e) {
			f.errorf("expiry", "want YYMM, got %q", e)
		}
		c.Expiry = e
	}
	if pin, ok := f.str("pin", true); ok {
		if len(pin) < 4 || len(pin) > 12 || !allDigits(pin) {
			f.errorf("pin", "want 4 to 12 digits")
		}
		c.PIN = pin
	}
	if k, ok := f.str("kind", true); ok {
		c.Kind = posguard.CardKind(k)
		if c.Kind != posguard.CardDebit && c.Kind != posguard.CardCredit {
			f.errorf("kind", "want debit or credit, got %q", k)
		}
	}
	b, _ := f.amount("balance", false)
	c.Balance = posguard.Amount(b)
	if s, ok := f.str("status", true); ok {
		c.Status = posguard.CardStatus(s)
		if !oneOf(s, string(posguard.CardActive), string(posguard.CardLost), string(posguard.CardStolen),
			string(posguard.CardFrozen), string(posguard.CardExpired), string(posguard.CardDormant)) {
			f.errorf("status", "want active, lost, stolen, frozen, expired or dormant, got %q", s)
		}
	}
	return c, p.n == before && c.PAN != ""
}

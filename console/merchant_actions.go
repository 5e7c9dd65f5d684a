package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// merchantActors may freeze and unfreeze a merchant and change its limits
// from the console (as the API's freeze and unfreeze: risk and admin).
var merchantActors = []posguard.Role{posguard.RoleRisk, posguard.RoleAdmin}

// merchantData is the merchant page's data (staff).
type merchantData struct {
	M             *posguard.Merchant
	AccountMasked string
	// FreezeReason is why a frozen merchant was frozen ("" when unknown).
	FreezeReason string
	// CanAct shows the freeze, unfreeze and limits forms (risk, admin);
	// CanFreeze is false when the console has no risk service.
	CanAct, CanFreeze bool
	// Form holds the limits as typed back after a refused change, and
	// Error the localized reason (catalogue key).
	Form  limitsForm
	Error string
	// History is the merchant's history, newest first (nil without a
	// history store).
	History []*posguard.MerchantEvent
}

// limitsForm is the limits form's fields as typed (元, count).
type limitsForm struct {
	PerTxn, Daily, DailyCount string
}

// merchantPage serves GET /merchants/{id} (staff): the merchant's status
// and since when, why it is frozen, its limits and account (masked), and
// for risk and admin the freeze or unfreeze form and the limits form.
func (s *Server) merchantPage(q *request) error {
	m, err := s.Store.Merchant(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		return err
	}
	return q.renderMerchant(http.StatusOK, m, nil)
}

// renderMerchant renders merchant m's page; a refused limits change passes
// the form as typed and the reason.
func (q *request) renderMerchant(status int, m *posguard.Merchant, refused *merchantData) error {
	d := &merchantData{M: m, AccountMasked: maskAccount(m.Account.Number), CanAct: is(q.user, merchantActors...)}
	d.CanFreeze = d.CanAct && q.s.Risk != nil
	if m.Status == posguard.MerchantFrozen && q.s.Risk != nil {
		d.FreezeReason = q.s.Risk.FreezeReason(m.ID)
	}
	d.Form = limitsForm{PerTxn: yuanField(m.Limits.PerTxn), Daily: yuanField(m.Limits.Daily), DailyCount: countField(m.Limits.DailyCount)}
	if refused != nil {
		d.Form, d.Error = refused.Form, refused.Error
	}
	if h := q.s.history(); h != nil {
		var err error
		if d.History, err = h.MerchantEvents(q.r.Context(), m.ID, pageSize); err != nil {
			return err
		}
	}
	return q.render(status, "merchant", "nav.merchants", d)
}

// freezeMerchant serves POST /merchants/{id}/freeze and …/unfreeze (field
// reason, required) through the risk service, exactly as the API's
// POST /v1/merchants/{id}/freeze and …/unfreeze: the merchant's history
// and the audit log record it and the switch sees it at once.
func (s *Server) freezeMerchant(q *request) error {
	mid := q.r.PathValue("id")
	if s.Risk == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "risk is not enabled")
	}
	q.object = "merchant/" + mid
	reason := q.r.PostFormValue("reason")
	var err error
	done := "frozen"
	if strings.HasSuffix(q.r.URL.Path, "/unfreeze") {
		_, err = s.Risk.Unfreeze(q.r.Context(), actorOf(q), mid, reason)
		done = "unfrozen"
	} else {
		_, err = s.Risk.Freeze(q.r.Context(), actorOf(q), mid, reason)
	}
	if err != nil {
		return err
	}
	return q.redirect("/merchants/"+mid, done)
}

// setMerchantLimits serves POST /merchants/{id}/limits (fields per_txn and
// daily in 元 with at most two decimals, daily_count a whole number; empty
// or 0 means no limit). A refused value renders the page again with 400
// and the reason in the user's language; a change is stored through the
// store's SetMerchantLimits, audited with before and after, and the
// switch's cached merchant is dropped so the next sale is judged by it.
func (s *Server) setMerchantLimits(q *request) error {
	ctx := q.r.Context()
	m, err := s.Store.Merchant(ctx, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	q.object = "merchant/" + m.ID
	ls, ok := s.Store.(posguard.MerchantLimitStore)
	if !ok {
		return posguard.Errorf(posguard.ENOTFOUND, "limits cannot be changed on this store")
	}
	f := limitsForm{PerTxn: strings.TrimSpace(q.r.PostFormValue("per_txn")), Daily: strings.TrimSpace(q.r.PostFormValue("daily")),
		DailyCount: strings.TrimSpace(q.r.PostFormValue("daily_count"))}
	l, key := parseLimits(f)
	if key != "" {
		q.changes, q.refused = `{"refused":`+strconv.Quote(key)+`}`, posguard.EINVALID
		return q.renderMerchant(http.StatusBadRequest, m, &merchantData{Form: f, Error: key})
	}
	before := m.Limits
	// The form sets the merchant-wide limits; the per-card and
	// per-terminal ones (changed through limit-increase requests) stay.
	l.CardDaily, l.CardDailyCount, l.TerminalDaily, l.TerminalDailyCount = before.CardDaily, before.CardDailyCount, before.TerminalDaily, before.TerminalDailyCount
	q.auditFill(func(any) (string, string) {
		b, _ := json.Marshal(map[string]any{"before": limitsJSON(before), "after": limitsJSON(l)})
		return "", string(b)
	})
	if _, err := ls.SetMerchantLimits(ctx, m.ID, l); err != nil {
		return err
	}
	if s.MerchantChanged != nil {
		s.MerchantChanged(m.ID)
	}
	b, _ := json.Marshal(map[string]any{"before": limitsJSON(before), "after": limitsJSON(l)})
	q.changes = string(b)
	if h := s.history(); h != nil {
		ev := &posguard.MerchantEvent{MerchantID: m.ID, Actor: q.user.Name, Action: "limits_changed", Detail: string(b)}
		if err := h.AddMerchantEvent(ctx, ev); err != nil {
			s.logger().Error("console: merchant history", "merchant", m.ID, "err", err)
		}
	}
	return q.redirect("/merchants/"+m.ID, "limits")
}

// parseLimits reads the limits form; key names the refusal (catalogue key)
// or is "".
func parseLimits(f limitsForm) (posguard.Limits, string) {
	var l posguard.Limits
	var ok bool
	if f.PerTxn != "" {
		if l.PerTxn, ok = parseYuan(f.PerTxn); !ok {
			return l, "limits.bad_per_txn"
		}
	}
	if f.Daily != "" {
		if l.Daily, ok = parseYuan(f.Daily); !ok {
			return l, "limits.bad_daily"
		}
	}
	if f.DailyCount != "" {
		n, err := strconv.Atoi(f.DailyCount)
		if err != nil || n < 0 || n > 1_000_000 {
			return l, "limits.bad_daily_count"
		}
		l.DailyCount = n
	}
	if l.PerTxn > 0 && l.Daily > 0 && l.PerTxn > l.Daily {
		return l, "limits.per_txn_over_daily"
	}
	return l, ""
}

// limitsJSON is limits as the audit log records them (fen).
func limitsJSON(l posguard.Limits) map[string]int64 {
	out := map[string]int64{"per_txn": int64(l.PerTxn), "daily": int64(l.Daily), "daily_count": int64(l.DailyCount)}
	if l.PerCard() {
		out["card_daily"], out["card_daily_count"] = int64(l.CardDaily), int64(l.CardDailyCount)
		out["terminal_daily"], out["terminal_daily_count"] = int64(l.TerminalDaily), int64(l.TerminalDailyCount)
	}
	return out
}

// yuanField is an amount as the limits form shows it ("1234.50"; "" for
// no limit).
func yuanField(a posguard.Amount) string {
	if a <= 0 {
		return ""
	}
	return strconv.FormatInt(int64(a)/100, 10) + "." + strconv.FormatInt(int64(a)%100/10, 10) + strconv.FormatInt(int64(a)%10, 10)
}

// countField is a count as the limits form shows it ("" for no limit).
func countField(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// history is where merchants' history is kept (the risk service's, else
// onboarding's); nil when the console has neither.
func (s *Server) history() posguard.ApplicationStore {
	switch {
	case s.Risk != nil && s.Risk.History != nil:
		return s.Risk.History
	case s.Onboarding != nil:
		return s.Onboarding.Store
	}
	return nil
}

package sqlstore

import (
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// Args collects the arguments of a query being built and writes their
// placeholders in the store's dialect.
type Args struct {
	// Dollar numbers placeholders $1, $2… (PostgreSQL) instead of ?.
	Dollar bool
	// List is the arguments in placeholder order.
	List []any
}

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.List = append(a.List, v)
	if a.Dollar {
		return "$" + strconv.Itoa(len(a.List))
	}
	return "?"
}

// TxnFilterWhere returns the conditions of a transaction list for f (to be
// joined with AND), adding their arguments to a; tm converts a time to its
// column's form.
func TxnFilterWhere(f posguard.TxnFilter, a *Args, tm func(time.Time) any) []string {
	var where []string
	add := func(cond string, v any) { where = append(where, cond+" "+a.Add(v)) }
	if f.MerchantID != "" {
		add("merchant_id =", f.MerchantID)
	}
	if f.TerminalID != "" {
		add("terminal_id =", f.TerminalID)
	}
	if f.State != "" {
		add("state =", string(f.State))
		if IsOpenState(f.State) {
			where = append(where, OpenStatesCond)
		}
	}
	if f.ResponseCode != "" {
		add("response_code =", f.ResponseCode)
		if IsFailedCode(f.ResponseCode) {
			where = append(where, FailedCodeCond)
		}
	}
	if f.RRN != "" {
		where = append(where, "rrn <> ''")
		add("rrn =", f.RRN)
	}
	if f.AuthCode != "" {
		add("auth_code =", f.AuthCode)
	}
	if f.CardTail != "" {
		add(CardTailExpr+" =", f.CardTail)
	}
	if f.Amount != 0 {
		add("amount =", int64(f.Amount))
	}
	if !f.From.IsZero() {
		add("created_at >=", tm(f.From.UTC()))
	}
	if !f.To.IsZero() {
		add("created_at <", tm(f.To.UTC()))
	}
	if f.After > 0 {
		add("id <", f.After)
	}
	return where
}

// CaseFilterWhere returns the conditions of a case list for f (to be joined
// with AND), adding their arguments to a.
func CaseFilterWhere(f posguard.CaseFilter, a *Args) []string {
	var where []string
	add := func(cond string, v any) { where = append(where, cond+" "+a.Add(v)) }
	if f.Status != "" {
		add("status =", string(f.Status))
	}
	if f.Kind != "" {
		add("kind =", string(f.Kind))
	}
	if f.MerchantID != "" {
		add("merchant_id =", f.MerchantID)
	}
	if f.Priority != "" {
		add("priority =", string(f.Priority))
	}
	if f.TxnID != 0 {
		add("txn_id =", f.TxnID)
	}
	if f.After > 0 {
		add("id <", f.After)
	}
	return where
}

package sqlstore

import (
	"reflect"
	"strconv"
	"strings"
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

// Eq returns " AND col = ?" for each (col, value) of pairs whose value is
// set (not its type's zero value), adding the value to a.
func (a *Args) Eq(pairs ...any) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if v := pairs[i+1]; !reflect.ValueOf(v).IsZero() {
			b.WriteString(" AND " + pairs[i].(string) + " = " + a.Add(v))
		}
	}
	return b.String()
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

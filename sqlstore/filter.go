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
	// T encodes a time argument (Store.T); nil passes times as they are.
	T func(time.Time) any
}

// args returns the Args of a query of s.
func (s *Store) args() *Args { return &Args{T: s.T} }

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.List = append(a.List, v)
	if a.Dollar {
		return "$" + strconv.Itoa(len(a.List))
	}
	return "?"
}

// Eq returns " AND col = ?" for each (col, value) of pairs whose value is
// set (not its type's zero value), adding the value to a. A col with an
// operator ("at >=", "id <") compares with it instead of =. A value of a
// named string or integer type is passed as a plain string or int64, a
// time as T encodes it.
func (a *Args) Eq(pairs ...any) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		col, arg, v := pairs[i].(string), pairs[i+1], reflect.ValueOf(pairs[i+1])
		if t, ok := arg.(time.Time); v.IsZero() || ok && t.IsZero() {
			continue
		}
		if !strings.Contains(col, " ") {
			col += " ="
		}
		switch t, ok := arg.(time.Time); {
		case ok && a.T != nil:
			arg = a.T(t)
		case v.Kind() == reflect.String:
			arg = v.String()
		case v.CanInt():
			arg = v.Int()
		}
		b.WriteString(" AND " + col + " " + a.Add(arg))
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

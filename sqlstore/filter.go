package sqlstore

import (
	"reflect"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Args collects the arguments of a query being built (DB rewrites their ?
// placeholders for the dialect).
type Args struct {
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
	return "?"
}

// Eq returns " AND col = ?" for each (col, value) of pairs whose value is
// set (not its type's zero value), adding the value to a. A col ending in
// an operator ("at >=", "id <") compares with it instead of =. A value of a
// named string or integer type is passed as a plain string or int64, a
// time as T encodes it.
func (a *Args) Eq(pairs ...any) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		col, arg, v := pairs[i].(string), pairs[i+1], reflect.ValueOf(pairs[i+1])
		if t, ok := arg.(time.Time); v.IsZero() || ok && t.IsZero() {
			continue
		}
		if !strings.ContainsAny(col[len(col)-1:], "=<>") {
			col += " ="
		}
		if t, ok := arg.(time.Time); ok && a.T != nil {
			arg = a.T(t)
		} else {
			arg = plain(v)
		}
		b.WriteString(" AND " + col + " " + a.Add(arg))
	}
	return b.String()
}

// TxnFilterWhere returns the conditions of a transaction list for f, each
// " AND …", adding their arguments to a (a.T encodes the times).
func TxnFilterWhere(f posguard.TxnFilter, a *Args) string {
	w := a.Eq("merchant_id", f.MerchantID, "terminal_id", f.TerminalID, "state", f.State)
	if IsOpenState(f.State) {
		w += " AND " + OpenStatesCond
	}
	w += a.Eq("response_code", f.ResponseCode)
	if IsFailedCode(f.ResponseCode) {
		w += " AND " + FailedCodeCond
	}
	if f.RRN != "" {
		w += " AND rrn <> ''"
	}
	return w + a.Eq("rrn", f.RRN, "auth_code", f.AuthCode, CardTailExpr+" =", f.CardTail, "amount", f.Amount,
		"created_at >=", f.From, "created_at <", f.To, "id <", max(f.After, 0))
}

// OpenStatesCond is the predicate of the partial index transactions_open
// (migration 0005), word for word: the rows in a state that still needs
// work. A query filtering on one of these states adds it to its WHERE clause
// so that the database can prove the index applies whatever the bound value
// (SQLite matches a partial index's predicate against the query's terms;
// a PostgreSQL generic plan cannot look at the parameter's value).
const OpenStatesCond = `state IN ('received', 'forwarded', 'timed_out', 'reversal_pending', 'reversal_failed')`

// FailedCodeCond is the predicate of the partial index transactions_failed
// (migration 0005), word for word: rows answered with a code other than 00.
const FailedCodeCond = `response_code NOT IN ('', '00')`

// IsOpenState reports whether rows in state s are in transactions_open:
// OpenStatesCond names s.
func IsOpenState(s posguard.State) bool {
	return s != "" && strings.Contains(OpenStatesCond, "'"+string(s)+"'")
}

// IsFailedCode reports whether rows answered with code are in
// transactions_failed.
func IsFailedCode(code string) bool { return code != "" && code != "00" }

// CardTailExpr is the last four characters of the masked card number: the
// tail that IndexJournal copies into txn_search (migration 0105), and the
// check of a card-tail search on the journal rows themselves.
const CardTailExpr = `substr(pan_masked, length(pan_masked) - 3)`

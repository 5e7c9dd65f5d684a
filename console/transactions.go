package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// searchForm is the transaction search form (spec/backoffice.md §5): a GET
// form with these field names.
type searchForm struct {
	From, To, State, Code, RRN, CardTail, Amount, Terminal, Merchant string
}

// txnSearch is a parsed search: the store's filter.
type txnSearch struct {
	filter posguard.TxnFilter
}

// parseSearch reads the search form; EINVALID names the bad field.
func parseSearch(q map[string][]string, u *posguard.User) (searchForm, txnSearch, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := searchForm{From: get("from"), To: get("to"), State: get("state"), Code: strings.ToUpper(get("code")),
		RRN: get("rrn"), CardTail: get("card_tail"), Amount: get("amount"), Terminal: get("terminal"), Merchant: get("merchant")}
	var s txnSearch
	bad := func(field, why string) (searchForm, txnSearch, error) {
		return f, s, posguard.Errorf(posguard.EINVALID, "%s: %s", field, why)
	}
	var field, why string
	if s.filter.From, s.filter.To, field, why = dayRange(f.From, f.To); field != "" {
		return bad(field, why)
	}
	if f.State != "" {
		if !knownState(posguard.State(f.State)) {
			return bad("state", f.State)
		}
		s.filter.State = posguard.State(f.State)
	}
	if f.Code != "" {
		if len(f.Code) != 2 || !alnum(f.Code) {
			return bad("code", "two letters or digits")
		}
		s.filter.ResponseCode = f.Code
	}
	if f.RRN != "" {
		if len(f.RRN) > 12 || !alnum(f.RRN) {
			return bad("rrn", "up to 12 letters or digits")
		}
		s.filter.RRN = f.RRN
	}
	if f.CardTail != "" {
		if len(f.CardTail) != 4 || !digits(f.CardTail) {
			return bad("card_tail", "the card's last 4 digits")
		}
		s.filter.CardTail = f.CardTail
	}
	if f.Amount != "" {
		a, ok := parseYuan(f.Amount)
		if !ok || a == 0 {
			return bad("amount", "元 above 0, e.g. 12.34")
		}
		s.filter.Amount = a
	}
	if f.Terminal != "" {
		if len(f.Terminal) > 8 || !alnum(f.Terminal) {
			return bad("terminal", "up to 8 letters or digits")
		}
		s.filter.TerminalID = f.Terminal
	}
	var ok bool
	if s.filter.MerchantID, ok = searchMerchant(u, &f.Merchant); !ok {
		return bad("merchant", "up to 15 letters or digits")
	}
	if v := get("cursor"); v != "" {
		if s.filter.After, ok = parseCursor(v); !ok {
			return bad("cursor", v)
		}
	}
	return f, s, nil
}

// knownState reports whether st is a transaction state.
func knownState(st posguard.State) bool {
	for _, x := range txnStates {
		if x == st {
			return true
		}
	}
	return false
}

// txnStates lists the states the search offers.
var txnStates = []posguard.State{posguard.StateApproved, posguard.StateDeclined, posguard.StateRejected,
	posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversed, posguard.StateReversalFailed,
	posguard.StateVoided, posguard.StatePartRefunded, posguard.StateRefunded, posguard.StateForwarded,
	posguard.StateReceived, posguard.StateCompleted}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// txnRow is one line of the transaction list.
type txnRow struct {
	*posguard.Transaction
	Cause string // the failure's short name in the page's language
}

// searchResult is one page of a search.
type searchResult struct {
	Rows []txnRow
	// Next is the cursor of the next page ("" on the last).
	Next string
}

// search runs s through the store's filter (merchant isolation included:
// a merchant user's filter always names its merchant), one page newest
// first.
func (q *request) search(s txnSearch) (searchResult, error) {
	var res searchResult
	f := s.filter
	f.Limit = pageSize + 1
	list, err := q.s.Store.List(q.r.Context(), f)
	if err != nil {
		return res, err
	}
	if len(list) > pageSize {
		list = list[:pageSize]
		res.Next = strconv.FormatInt(list[pageSize-1].ID, 10)
	}
	for _, t := range list {
		res.Rows = append(res.Rows, txnRow{Transaction: t, Cause: q.causeName(t)})
	}
	return res, nil
}

// causeName is the short name of a failed transaction's cause, "" for one
// that did not fail.
func (q *request) causeName(t *posguard.Transaction) string {
	if !failed(t) {
		return ""
	}
	x := diagnosis.Explain(t.ResponseCode, t.Reason, nil)
	if !x.Known {
		return ""
	}
	return x.Entry.Name.In(q.lang)
}

// failed reports whether t has an outcome other than an approval.
func failed(t *posguard.Transaction) bool {
	if t.ResponseCode != "" {
		return !posguard.ApprovedCode(t.ResponseCode)
	}
	return t.Reason != "" && t.Reason != posguard.ReasonApproved
}

// transactionsData is the search page's data.
type transactionsData struct {
	Form   searchForm
	States []posguard.State
	Result searchResult
	// NextURL is the next page's address with the same search.
	NextURL string
}

// transactions serves GET /transactions: the search form and one page of
// results, newest first.
func (s *Server) transactions(q *request) error {
	form, search, err := parseSearch(q.r.URL.Query(), q.user)
	data := &transactionsData{Form: form, States: txnStates}
	if err != nil {
		v := &view{request: q, Title: q.T("nav.transactions"), Data: data, Problem: q.T("search.bad", posguard.ErrorMessage(err))}
		return q.renderView(http.StatusBadRequest, "transactions", v)
	}
	if data.Result, err = q.search(search); err != nil {
		return err
	}
	if data.Result.Next != "" {
		v := q.r.URL.Query()
		v.Set("cursor", data.Result.Next)
		v.Del("done")
		data.NextURL = "/transactions?" + v.Encode()
	}
	return q.render(http.StatusOK, "transactions", "nav.transactions", data)
}

// ownTxn returns transaction id if the user may see it; ENOTFOUND for a
// missing one and for another merchant's alike.
func (q *request) ownTxn(raw string) (*posguard.Transaction, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no transaction %q", raw)
	}
	t, err := q.s.Store.ByID(q.r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !q.user.Staff() && t.MerchantID != q.user.MerchantID {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no transaction %d", id)
	}
	return t, nil
}

// todayStart is the start of the current day in UTC+8.
func (s *Server) todayStart() time.Time {
	n := s.now().In(beijing)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, beijing)
}

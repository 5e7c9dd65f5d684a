package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/dispute"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/simnet"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// Merchants, terminals and cards of the fixture.
const (
	midA, midB = "898310048990001", "898310058120002"
	tidA, tidB = "10000001", "10000004"
	panA       = "6225880000000019"
	panB       = "4111111111111111"
)

// now is the fixture's clock: 2026-03-02 10:00 in UTC+8.
var t0ctx = context.Background()

var now = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// users are the fixture's users: name → role, merchant; the password is
// always "secret-" + name.
var users = map[string]posguard.User{
	"shop-a":  {Name: "shop-a", Role: posguard.RoleMerchant, MerchantID: midA},
	"shop-b":  {Name: "shop-b", Role: posguard.RoleMerchant, MerchantID: midB},
	"ops":     {Name: "ops", Role: posguard.RoleOperator},
	"admin":   {Name: "admin", Role: posguard.RoleAdmin},
	"finance": {Name: "finance", Role: posguard.RoleFinance},
	"risk":    {Name: "risk", Role: posguard.RoleRisk},
}

// addUsers creates the fixture's users in the store's user table, with
// the access package's password hashes.
func addUsers(t testing.TB, st *sqlite.Store) {
	t.Helper()
	for name, u := range users {
		h, err := access.HashPassword("secret-" + name)
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = h
		if err := st.Access().CreateUser(context.Background(), &u); err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
			t.Fatal(err)
		}
	}
}

// world is a real SQLite store with two merchants' transactions and cases,
// and the console over it.
type world struct {
	store           *sqlite.Store
	srv             *httptest.Server
	declinedA       *posguard.Transaction // merchant A, 51, card panA
	approvedB       *posguard.Transaction // merchant B
	caseA, caseB    *posguard.Case
	approvedA, amtA *posguard.Transaction
	auth            *access.Auth
	// disputeA (a chargeback of amtA) and disputeB (of approvedB).
	disputeA, disputeB string
	// console is the server srv runs (a test may enable more of it).
	console *console.Server
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := now.Add(-3 * time.Hour)
	st.Now = func() time.Time { clk = clk.Add(time.Second); return clk }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*posguard.Merchant{
		{ID: midA, Name: "鲜果铺", MCC: "5411", Status: posguard.MerchantActive, Limits: posguard.Limits{PerTxn: 5000000},
			Account: posguard.SettlementAccount{Bank: "ICBC", Number: "6222021234567890123", Name: "李雷", Status: "ok"}},
		{ID: midB, Name: "Noodle Bar", MCC: "5812", Status: posguard.MerchantFrozen},
	} {
		must(st.PutMerchant(ctx, m))
	}
	for _, tm := range []*posguard.Terminal{
		{ID: tidA, MerchantID: midA, TMK: bytes.Repeat([]byte{0xA7}, 16), KeyScheme: posguard.KeyScheme003, MAC: posguard.MACCupsECB, Model: "NEW8210", Firmware: "2.3.1", Status: posguard.TerminalActive},
		{ID: tidB, MerchantID: midB, TMK: bytes.Repeat([]byte{0xD3}, 16), KeyScheme: posguard.KeyScheme003, MAC: posguard.MACCupsECB, Status: posguard.TerminalActive},
	} {
		must(st.PutTerminal(ctx, tm))
	}
	addUsers(t, st)
	w := &world{store: st, auth: &access.Auth{Store: st.Access()}}
	stan := 0
	insert := func(tid, mid, pan string, amount posguard.Amount, state posguard.State, code, reason string) *posguard.Transaction {
		t.Helper()
		stan++
		txn := &posguard.Transaction{
			TxnKey: posguard.TxnKey{TerminalID: tid, Batch: "000001", STAN: fmt.Sprintf("%06d", stan), MTI: "0200"},
			Type:   posguard.TxnSale, MerchantID: mid, PANMasked: posguard.MaskPAN(pan), PANHash: fmt.Sprintf("%064d", stan),
			IssuerBIN: pan[:6], CardOrg: "CUP", Amount: amount, Currency: posguard.CurrencyCNY, ProcCode: "000000",
			EntryMode: "051", SettlementDate: "2026-03-02", RRN: fmt.Sprintf("%012d", 500000+stan),
			ResponseCode: code, Reason: reason, State: state,
		}
		must(st.Insert(ctx, txn))
		return txn
	}
	for i := 0; i < 120; i++ {
		insert(tidA, midA, panB, posguard.Amount(1000+i), posguard.StateApproved, "00", posguard.ReasonApproved)
	}
	w.approvedB = insert(tidB, midB, panA, 4321, posguard.StateApproved, "00", posguard.ReasonApproved)
	w.declinedA = insert(tidA, midA, panA, 123456, posguard.StateForwarded, "", "")
	must(st.Update(ctx, posguard.TxnUpdate{ID: w.declinedA.ID, State: posguard.StateDeclined, ResponseCode: "51",
		Reason: posguard.IssuerReason("51"), Note: "issuer answered 51", Detail: map[string]string{"leak": "card " + panA}}))
	w.approvedA = insert(tidA, midA, panB, 99, posguard.StateApproved, "00", posguard.ReasonApproved)
	w.amtA = insert(tidA, midA, panB, 123400, posguard.StateApproved, "00", posguard.ReasonApproved)
	for _, p := range []**posguard.Transaction{&w.declinedA, &w.approvedA, &w.approvedB, &w.amtA} {
		fresh, err := st.ByID(ctx, (*p).ID)
		must(err)
		*p = fresh
	}
	cases := &casework.Service{Store: st, Now: func() time.Time { return now }}
	w.caseA, _, err = cases.OpenComplaint(ctx, casework.Complaint{TxnID: w.declinedA.ID, Author: "shop-a", Text: "card 6225880000000019 was charged twice"})
	must(err)
	w.caseB, _, err = cases.OpenComplaint(ctx, casework.Complaint{TxnID: w.approvedB.ID, Author: "shop-b", Text: "Noodle complaint"})
	must(err)
	merchants, err := st.Merchants(ctx)
	must(err)
	bank := simbank.New(merchants)
	// Accounts the bank knows beside the merchants' own (TestAccountChange).
	bank.SetAccount(posguard.SettlementAccount{Bank: "CCB", Number: "6217000010001234567", Name: "李雷", Status: "ok"})
	bank.SetAccount(posguard.SettlementAccount{Bank: "ABC", Number: "6228480010009876543", Name: "Noodle", Status: "ok"})
	runner := &payout.Runner{Store: st.Money(), Merchants: st, Bank: bank}
	disputes := &dispute.Service{Store: st, Ledger: st.Money(), Audit: st.Access(), Now: func() time.Time { return now },
		Network: simnet.New(nil, nil, simnet.Options{Now: func() time.Time { return now }}).DisputeLink()}
	notice := func(id, code string, x *posguard.Transaction) dispute.Notice {
		return dispute.Notice{ID: id, Kind: posguard.DisputeChargeback, ReasonCode: code, RRN: x.RRN, Trace: x.STAN, Terminal: x.TerminalID,
			Merchant: x.MerchantID, Card: x.PANMasked, Amount: x.Amount, Currency: "156", TxnDate: x.SettlementDate, RaisedAt: now.Add(-time.Hour)}
	}
	w.disputeA, w.disputeB = "CB2026030200001", "CB2026030200002"
	if rep, err := disputes.Import(ctx, []dispute.Notice{notice(w.disputeA, "4515", w.amtA), notice(w.disputeB, "4512", w.approvedB)}, dispute.System); err != nil || len(rep.Created) != 2 {
		t.Fatalf("fixture disputes: %+v %v", rep, err)
	}
	// QR orders: A's reversed one (Q1), B's succeeded one (Q2).
	for i, mid := range []string{midA, midB} {
		o, _, err := st.CreateQROrder(ctx, &posguard.QROrder{MerchantID: mid, OutOrderNo: "QR-" + mid, RequestHash: "h", Mode: posguard.QRMicropay,
			Channel: "wechat", ChannelName: "wx", Amount: 1234, State: posguard.QRPaying, AuthCode: "134567********6789", NotifyURL: "http://erp.example/n"}, "PGTEST")
		must(err)
		u := posguard.QROrderUpdate{ID: o.ID, State: posguard.QRReversed, Reason: posguard.ReasonQRNotConfirmed, ReversalState: posguard.QRReversalDone, Notify: true}
		if i == 1 {
			u = posguard.QROrderUpdate{ID: o.ID, State: posguard.QRSucceeded, TransactionID: "T-B", PaidAt: now, Notify: true}
		}
		_, err = st.UpdateQROrder(ctx, u)
		must(err)
	}
	srv := &console.Server{Store: st, Auth: w.auth, Disputes: disputes, QR: st.QR(), Payouts: runner, Changes: st.Access(), Cases: cases, Reports: &analytics.Reports{Store: st, Now: func() time.Time { return now }},
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(testLog{t}, nil))}
	w.console = srv
	w.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(w.srv.Close)
	return w
}

// testLog writes the console's log lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// client is a browser: a cookie jar and no automatic redirects.
type client struct {
	t    *testing.T
	w    *world
	http *http.Client
	csrf string
}

// newClient returns a client with no session.
func (w *world) newClient(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, w: w, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// csrfField finds a form's CSRF token.
var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// login logs in as name through the login form and returns the client.
func (w *world) login(t *testing.T, name string) *client {
	t.Helper()
	c := w.newClient(t)
	st, body, _ := c.get("/login")
	if st != 200 {
		t.Fatalf("GET /login: %d", st)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("login form has no csrf_token")
	}
	st, _, h := c.post("/login", url.Values{"username": {name}, "password": {"secret-" + name}, "csrf_token": {m[1]}})
	if st != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("login %s: %d to %q", name, st, h.Get("Location"))
	}
	_, body, _ = c.get("/")
	if m = csrfField.FindStringSubmatch(body); m == nil {
		t.Fatal("dashboard has no logout form with csrf_token")
	}
	c.csrf = m[1]
	return c
}

func (c *client) get(path string) (int, string, http.Header) {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

func (c *client) post(path string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	return c.do(http.MethodPost, path, form)
}

func (c *client) do(method, path string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.w.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if strings.Contains(string(b), panA) || strings.Contains(string(b), panB) {
		c.t.Errorf("%s %s: a full card number in the page", method, path)
	}
	return res.StatusCode, string(b), res.Header
}

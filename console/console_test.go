package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// pages are the §5 paths every role may open.
var pages = []string{"/", "/transactions", "/settlements", "/statements", "/cases", "/notices", "/terminals", "/onboarding", "/disputes", "/qr", "/qr?state=reversed&out_order_no=QR-898310048990001", "/qr/Q1"}

// staffPages are the §5 paths only staff may open.
var staffPages = []string{"/merchants", "/audit", "/risk"}

// TestEveryPageEveryRole opens every page as every role: 200 where the
// role is admitted, the 404 page where it is not, each page with the
// strict Content-Security-Policy, in both languages.
func TestEveryPageEveryRole(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"shop-a", "ops", "admin", "finance", "risk"} {
		c := w.login(t, name)
		staff := name != "shop-a"
		all := append(append([]string{}, pages...), staffPages...)
		all = append(all, "/users", fmt.Sprintf("/transactions/%d", w.declinedA.ID), fmt.Sprintf("/cases/%d", w.caseA.ID))
		for _, lang := range []string{"zh", "en"} {
			for _, p := range all {
				want := 200
				switch {
				case !staff && (p == "/merchants" || p == "/audit" || p == "/users" || p == "/risk"),
					staff && name != "admin" && p == "/users":
					want = 404
				}
				sep := "?"
				if strings.Contains(p, "?") {
					sep = "&"
				}
				st, body, h := c.get(p + sep + "lang=" + lang)
				if st != want {
					t.Errorf("%s %s (%s): %d, want %d", name, p, lang, st, want)
					continue
				}
				if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
					t.Errorf("%s %s: CSP %q", name, p, csp)
				}
				if strings.Contains(body, "<script") {
					t.Errorf("%s %s: a script in the page", name, p)
				}
				if strings.Contains(body, "{{") || strings.Contains(body, "%!") {
					t.Errorf("%s %s: template residue in the page", name, p)
				}
				if want == 404 && !strings.Contains(body, map[string]string{"zh": "页面不存在", "en": "Not found"}[lang]) {
					t.Errorf("%s %s: 404 without the not-found page", name, p)
				}
			}
		}
	}
}

// TestMerchantIsolation: a merchant user gets the same 404 page for
// another merchant's transaction and case as for missing ones, and never
// sees another merchant's rows whatever it searches.
func TestMerchantIsolation(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	st404, missing, _ := a.get("/transactions/999999")
	if st404 != 404 {
		t.Fatalf("missing transaction: %d", st404)
	}
	for _, p := range []string{
		fmt.Sprintf("/transactions/%d", w.approvedB.ID), fmt.Sprintf("/cases/%d", w.caseB.ID), "/cases/999999", "/qr/Q2", "/qr/Q999",
		"/merchants", "/audit", "/users", "/no-such-page",
	} {
		st, body, _ := a.get(p)
		if st != 404 {
			t.Errorf("%s: %d, want 404", p, st)
		}
		if strings.Contains(body, midB) || strings.Contains(body, "Noodle") {
			t.Errorf("%s: the 404 page tells about merchant B", p)
		}
		if !strings.Contains(body, "页面不存在") || len(body) > len(missing)+200 || len(body) < len(missing)-200 {
			t.Errorf("%s: not the same not-found page as a missing transaction", p)
		}
	}
	for _, q := range []string{"", "?merchant=" + midB, "?terminal=" + tidB, "?card_tail=0019", "?rrn=" + w.approvedB.RRN, "?amount=43.21"} {
		_, body, _ := a.get("/transactions" + q)
		if strings.Contains(body, fmt.Sprintf("/transactions/%d\"", w.approvedB.ID)) || strings.Contains(body, tidB) && q == "" {
			t.Errorf("/transactions%s shows merchant B's transaction", q)
		}
	}
	if _, body, _ := a.get("/qr"); strings.Contains(body, "QR-"+midB) || !strings.Contains(body, "QR-"+midA) {
		t.Error("/qr shows merchant B's order, or not A's")
	}
	if _, body, _ := a.get("/qr/Q1"); !strings.Contains(body, "渠道已确认撤销") || !strings.Contains(body, "134567********6789") {
		t.Errorf("A's reversed QR order page: %s", body)
	}
	_, own, _ := a.get(fmt.Sprintf("/cases/%d", w.caseA.ID))
	cause := own[strings.Index(own, "<dt>原因</dt>"):]
	if cause = cause[:strings.Index(cause, "</dd>")]; !strings.Contains(cause, "余额") || strings.Contains(cause, " / ") {
		t.Errorf("the case's cause is not in Chinese alone: %s", cause)
	}
	_, body, _ := a.get("/cases")
	if strings.Contains(body, fmt.Sprintf("/cases/%d\"", w.caseB.ID)) {
		t.Error("/cases shows merchant B's case")
	}
	// A complaint on B's transaction is refused like a missing one.
	st, _, _ := a.post("/cases", url.Values{"txn": {fmt.Sprint(w.approvedB.ID)}, "text": {"mine?"}, "csrf_token": {a.csrf}})
	if st != 404 {
		t.Errorf("complaint on B's transaction: %d, want 404", st)
	}
	// Asking for B's statement gives A its own, whatever it asks.
	st, _, h := a.get("/statements/download?merchant=" + midB + "&format=csv")
	if cd := h.Get("Content-Disposition"); st != 200 || strings.Contains(cd, midB) || !strings.Contains(cd, midA) {
		t.Errorf("merchant A asking for B's statement: %d %q", st, cd)
	}
}

// TestSearch finds transactions by each §5 field and pages the list.
func TestSearch(t *testing.T) {
	w := newWorld(t)
	ops := w.login(t, "ops")
	link := func(id int64) string { return fmt.Sprintf(`href="/transactions/%d"`, id) }
	for _, c := range []struct {
		query string
		want  int64
		not   int64
	}{
		{"card_tail=0019", w.declinedA.ID, w.approvedA.ID},
		{"card_tail=0019&merchant=" + midB, w.approvedB.ID, w.declinedA.ID},
		{"rrn=" + w.declinedA.RRN, w.declinedA.ID, w.approvedA.ID},
		{"amount=1,234.00", w.amtA.ID, w.approvedA.ID},
		{"amount=0.99", w.approvedA.ID, w.amtA.ID},
		{"code=51", w.declinedA.ID, w.approvedA.ID},
		{"state=declined", w.declinedA.ID, w.approvedA.ID},
		{"terminal=" + tidB, w.approvedB.ID, w.declinedA.ID},
		{"from=2026-03-02&to=2026-03-02&code=51", w.declinedA.ID, w.approvedA.ID},
	} {
		st, body, _ := ops.get("/transactions?" + c.query)
		if st != 200 || !strings.Contains(body, link(c.want)) || strings.Contains(body, link(c.not)) {
			t.Errorf("search %s: %d, has %d: %v, has %d: %v", c.query, st, c.want, strings.Contains(body, link(c.want)), c.not, strings.Contains(body, link(c.not)))
		}
	}
	if _, body, _ := ops.get("/transactions?from=2026-03-03"); !strings.Contains(body, "没有符合条件的交易") {
		t.Error("an empty search does not say so")
	}
	for _, bad := range []string{"card_tail=12", "amount=1.234", "from=yesterday", "code=5", "state=lost", "from=2026-03-02&to=2026-03-01"} {
		if st, body, _ := ops.get("/transactions?" + bad); st != 400 || !strings.Contains(body, "查询条件有误") {
			t.Errorf("search %s: %d, want 400 with the form", bad, st)
		}
	}
	// Paging: 124 transactions, 50 a page, every row once.
	seen := map[string]bool{}
	next := "/transactions"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		_, body, _ := ops.get(next)
		for _, m := range txnLink.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("transaction %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != 124 {
		t.Errorf("paging showed %d transactions, want 124", len(seen))
	}
}

// TestTransactionPage shows the cause and what to do in Chinese by default
// and in English after ?lang=en (remembered), the evidence to staff only
// and masked.
func TestTransactionPage(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	p := fmt.Sprintf("/transactions/%d", w.declinedA.ID)
	_, zh, _ := a.get(p)
	for _, want := range []string{"余额不足", "怎么办", "持卡人未被扣款", "622588******0019", "1,234.56 元", "提交投诉"} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh page lacks %q", want)
		}
	}
	if strings.Contains(zh, "leak") {
		t.Error("the merchant sees the evidence")
	}
	_, en, _ := a.get(p + "?lang=en")
	if !strings.Contains(en, "Insufficient funds") || !strings.Contains(en, "¥1,234.56") || !strings.Contains(en, `lang="en"`) {
		t.Error("?lang=en does not show the page in English")
	}
	if _, again, _ := a.get(p); !strings.Contains(again, "Why it failed") {
		t.Error("the language choice is not remembered")
	}
	if _, back, _ := a.get(p + "?lang=zh"); !strings.Contains(back, "失败原因") {
		t.Error("?lang=zh does not switch back")
	}
	ops := w.login(t, "ops")
	_, staff, _ := ops.get(p)
	if !strings.Contains(staff, "leak") || !strings.Contains(staff, "622588******0019") {
		t.Error("staff do not see the masked evidence")
	}
	// Accept-Language preferring English, no cookie.
	c := w.newClient(t)
	req, _ := http.NewRequest("GET", w.srv.URL+"/login", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9,zh-CN;q=0.5")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Error("login page without CSP")
	}
}

// txnLink and nextLink find a list's transaction links and its next page.
var (
	txnLink  = regexp.MustCompile(`<td><a href="/transactions/(\d+)">`)
	nextLink = regexp.MustCompile(`<a class="button secondary" href="(/transactions\?[^"]+)">`)
)

// TestDashboardJobs: the operations page lists the scheduler's runs, with
// their result or why they wait; a merchant's dashboard has no such list.
func TestDashboardJobs(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	at := now.Add(-time.Hour)
	j, ok, err := w.store.ClaimJob(ctx, posguard.JobSettle, "2026-03-01", "", "host-1", at, at.Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim %v %v", ok, err)
	}
	if err := w.store.FinishJob(ctx, j.Key, "host-1", 1, posguard.JobDone, "settlement 2026-03-01: 2 batches", "", at, at); err != nil {
		t.Fatal(err)
	}
	r, _, _ := w.store.ClaimJob(ctx, posguard.JobRecon, "2026-03-01", "", "host-1", at, at.Add(time.Minute))
	if err := w.store.FinishJob(ctx, r.Key, "host-1", 1, posguard.JobWaiting, "", "no clearing file of 2026-03-01 yet", at, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, body, _ := w.login(t, "ops").get("/")
	for _, want := range []string{"自动任务", "T&#43;1 结算", "settlement 2026-03-01: 2 batches", "等待文件", "no clearing file of 2026-03-01 yet"} {
		if !strings.Contains(body, want) {
			t.Fatalf("operations page lacks %q", want)
		}
	}
	_, body, _ = w.login(t, "ops").get("/?lang=en")
	if !strings.Contains(body, "T&#43;1 settlement") || !strings.Contains(body, "waiting for its file") {
		t.Fatal("English operations page lacks the jobs")
	}
	if _, body, _ = w.login(t, "shop-a").get("/"); strings.Contains(body, "settlement 2026-03-01: 2 batches") {
		t.Fatal("a merchant's dashboard shows the scheduler's runs")
	}
}

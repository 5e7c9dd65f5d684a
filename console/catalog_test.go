package console

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
)

// TestCatalogComplete fails when a key is in one language only, when a
// message is empty, when the two languages' fmt verbs differ, or when a
// template or Go file names a key (or a key prefix) the catalogue lacks.
func TestCatalogComplete(t *testing.T) {
	for k, zh := range messagesZH {
		en, ok := messagesEN[k]
		if !ok {
			t.Errorf("key %q is in zh only", k)
			continue
		}
		if strings.TrimSpace(zh) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("key %q has an empty message", k)
		}
		if verbs(zh) != verbs(en) {
			t.Errorf("key %q: verbs %q in zh, %q in en", k, verbs(zh), verbs(en))
		}
	}
	for k := range messagesEN {
		if _, ok := messagesZH[k]; !ok {
			t.Errorf("key %q is in en only", k)
		}
	}
	used := map[string]bool{}
	prefixes := map[string]bool{}
	static := regexp.MustCompile(`(?:\.T|\bT\(|tr\(q\.lang,) ?\(?"([a-z0-9_]+\.[a-z0-9_.]+)"`)
	dynamic := regexp.MustCompile(`printf "([a-z]+\.)%s|T\("([a-z]+\.)" \+|"(age\.[a-z0-9]+)"|, "(error\.[a-z]+)"`)
	scan := func(name string, b []byte) {
		for _, m := range static.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		for _, m := range dynamic.FindAllStringSubmatch(string(b), -1) {
			switch {
			case m[1] != "":
				prefixes[m[1]] = true
			case m[2] != "":
				prefixes[m[2]] = true
			case m[3] != "":
				used[m[3]] = true
			case m[4] != "":
				used[m[4]] = true
				used[m[4]+".text"] = true
			}
		}
	}
	_ = fs.WalkDir(assets, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(assets, p)
			scan(p, b)
		}
		return nil
	})
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(f, "messages_") {
			continue
		}
		b, _ := os.ReadFile(f)
		scan(f, b)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for k := range used {
		if _, ok := messagesZH[k]; !ok {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
	// Every value a dynamic prefix takes must be there too.
	values := map[string][]string{
		"state.": toStrings(txnStates), "what.": toStrings(txnStates), "charged.": toStrings(txnStates),
		"type.":   {"sale", "void", "refund", "preauth", "preauth_cancel", "completion", "completion_void", "reversal", "balance_inquiry", "sign_on", "sign_off", "echo", "settlement", "batch_upload"},
		"status.": toStrings(caseStatuses),
		"kind.":   {"reversal_failed", "late_approval_reversed", "charged_but_failed", "merchant_complaint", "payout_failed", "recon_discrepancy", "risk_freeze"},
		"entry.":  {"cause", "step", "outcome", "note", "status", "assign"},
		"payout.": {"queued", "submitted", "succeeded", "failed", "returned"},
		"where.":  {"not_posted", "not_settled", "pending_review", "in_batch", "paid", "held"},
		"role.":   {"admin", "operator", "risk", "finance", "merchant"},
		"batch.":  {"t1", "d0"}, "tstatus.": {"active", "disabled"},
		"mstatus.":  {"active", "pending_kyc", "frozen", "closed"},
		"incident.": {"issuer_unavailable", "terminal_network", "firmware"},
		"notice.":   noticeKinds,
		"category.": {"card", "cardholder", "operator", "terminal", "communication", "merchant_status", "limit", "issuer_network", "risk", "settlement", "host", "success", "other"},
		"done.":     {"recon_resolved", "recon_run", "recon_same", "resettled", "resettle_requested", "complaint", "assigned", "resolved", "noted", "published", "terminal_status", "withdrawn", "change_requested", "change_approved", "change_rejected", "approved", "rejected", "frozen", "unfrozen"},
		"change.":   {"pending", "approved", "rejected"},
		"dur.":      {"minutes", "hours", "days"},
		"app.":      {"draft", "pending_review", "returned", "approved", "rejected"},
		"mkind.":    {"individual", "small", "enterprise"},
		"mevent.":   {"created", "verified", "frozen", "unfrozen", "terminal_bound", "terminal_unbound", "terminal_moved_in", "terminal_moved_out"},
		"raction.":  {"allow", "review", "decline", "freeze"},
		"onb.todo.": {"pending_kyc", "frozen", "closed"},
		"rclass.":   recon.Classes, "rhelp.": recon.Classes, "rstatus.": recon.Statuses,
		"job.":      {"close_day", "settle_t1", "payouts", "recon", "d0"},
		"jobstate.": {"running", "done", "failed", "waiting"},
	}
	for p := range prefixes {
		vs, ok := values[p]
		if !ok {
			t.Errorf("prefix %q is used but the test does not know its values", p)
		}
		for _, v := range vs {
			if _, ok := messagesZH[p+v]; !ok && p != "what." && p != "charged." {
				t.Errorf("key %q (prefix %q) is not in the catalogue", p+v, p)
			}
		}
	}
}

// verbs returns the fmt verbs of a message in order.
func verbs(s string) string {
	return strings.Join(regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`).FindAllString(s, -1), " ")
}

func toStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestYuan formats amounts in both languages.
func TestYuan(t *testing.T) {
	for _, c := range []struct {
		fen    posguard.Amount
		zh, en string
	}{
		{0, "0.00 元", "¥0.00"}, {5, "0.05 元", "¥0.05"}, {123456, "1,234.56 元", "¥1,234.56"},
		{100000000, "1,000,000.00 元", "¥1,000,000.00"}, {-12345, "-123.45 元", "-¥123.45"}, {99999, "999.99 元", "¥999.99"},
	} {
		if got := yuan(langZH, c.fen); got != c.zh {
			t.Errorf("yuan(zh, %d) = %q, want %q", c.fen, got, c.zh)
		}
		if got := yuan(langEN, c.fen); got != c.en {
			t.Errorf("yuan(en, %d) = %q, want %q", c.fen, got, c.en)
		}
	}
	for in, want := range map[string]posguard.Amount{"12.34": 1234, "12": 1200, "1,234.5": 123450, ".5": 50, "¥3.00": 300, "7元": 700} {
		if got, ok := parseYuan(in); !ok || got != want {
			t.Errorf("parseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1.234", "-1", "abc", "1e5", "1.2.3", "9999999999999"} {
		if _, ok := parseYuan(bad); ok {
			t.Errorf("parseYuan(%q) accepted", bad)
		}
	}
}

// FuzzParseYuan: no input panics, and what is accepted formats back to
// the same fen.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"12.34", "1,234.5", "", "¥0.01", "元", "1.", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseYuan(s)
		if !ok {
			return
		}
		if a < 0 {
			t.Fatalf("parseYuan(%q) = %d", s, a)
		}
		back, ok := parseYuan(strings.TrimSuffix(yuan(langEN, a)[len("¥"):], ""))
		if !ok || back != a {
			t.Fatalf("parseYuan(%q) = %d; its formatting reads back as %d, %v", s, a, back, ok)
		}
	})
}

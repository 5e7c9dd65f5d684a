package diagnosis

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// walletTables reads the copies of the spec's err_code table (§2.3) and
// reasons table (§4.6): the first cell of each row, and for the reasons
// the backticked names of the "When" cell.
func walletTables(t *testing.T) (codes []string, reasons map[string][]string) {
	t.Helper()
	data, err := os.ReadFile("testdata/wallet-channel-tables.md")
	if err != nil {
		t.Fatal(err)
	}
	tick := regexp.MustCompile("`([^`]+)`")
	reasons = map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = line
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			continue
		}
		m := tick.FindStringSubmatch(cells[1])
		if m == nil || m[1] == "err_code" {
			continue // not a row, or the header
		}
		switch {
		case strings.Contains(section, "2.3"):
			codes = append(codes, m[1])
		case strings.Contains(section, "4.6"):
			var when []string
			for _, w := range tick.FindAllStringSubmatch(cells[2], -1) {
				when = append(when, w[1])
			}
			reasons[m[1]] = when
		}
	}
	return codes, reasons
}

// TestEveryChannelCodeOfTheSpec: every err_code of the spec (and every one
// the channel client knows) has an explanation in zh and en, in the
// spec's order, whose reasons are knowledge-base entries; and every code
// the spec's reasons table names leads to that reason.
func TestEveryChannelCodeOfTheSpec(t *testing.T) {
	codes, reasons := walletTables(t)
	if len(codes) != 21 || len(reasons) != 14 {
		t.Fatalf("read %d codes and %d reasons from the spec's tables, want 21 and 14", len(codes), len(reasons))
	}
	all := ChannelCodes()
	if len(all) != len(codes) {
		t.Errorf("%d channel code entries, the spec has %d", len(all), len(codes))
	}
	for i, c := range codes {
		e, ok := ChannelCode(c)
		if !ok {
			t.Errorf("err_code %s: no entry", c)
			continue
		}
		if i < len(all) && all[i].Code != c {
			t.Errorf("entry %d is %s, the spec's row %s", i, all[i].Code, c)
		}
		for name, text := range map[string]Text{"meaning": e.Meaning, "action": e.Action} {
			if !hasHan(text.ZH) || hasHan(text.EN) || strings.TrimSpace(text.EN) == "" {
				t.Errorf("err_code %s: %s lacks zh or en, or they look swapped: %+v", c, name, text)
			}
		}
		for _, r := range e.Reasons {
			if _, ok := Lookup(r); !ok || !strings.HasPrefix(r, "qr.") {
				t.Errorf("err_code %s: reason %s has no knowledge-base entry", c, r)
			}
		}
	}
	known := map[string]bool{}
	for _, c := range codes {
		known[c] = true
	}
	for _, c := range []string{wallet.ErrSignError, wallet.ErrParamError, wallet.ErrAppIDMchIDNotMatch, wallet.ErrRequestExpired,
		wallet.ErrNonceReused, wallet.ErrUserPaying, wallet.ErrAuthCodeExpire, wallet.ErrAuthCodeInvalid, wallet.ErrNotEnough,
		wallet.ErrTradeError, wallet.ErrOrderPaid, wallet.ErrOrderClosed, wallet.ErrOrderReversed, wallet.ErrOrderNotExist,
		wallet.ErrOutTradeNoUsed, wallet.ErrRefundExceeded, wallet.ErrTradeStateError, wallet.ErrOutRefundNoUsed,
		wallet.ErrRefundNotExist, wallet.ErrBillNotReady, wallet.ErrSystemError} {
		if _, ok := ChannelCode(c); !ok || !known[c] {
			t.Errorf("the channel client's code %s: entry %v, in the spec %v", c, ok, known[c])
		}
	}
	for reason, when := range reasons {
		for _, c := range when {
			e, ok := ChannelCode(c)
			if !ok {
				continue // not an err_code (PAYERROR is a trade state, FAIL a return_code)
			}
			found := false
			for _, r := range e.Reasons {
				found = found || r == reason
			}
			if !found {
				t.Errorf("the spec says %s leads to %s; its entry lists %v", c, reason, e.Reasons)
			}
		}
	}
	// return_code FAIL (every refusal before processing) is qr.channel_rejected.
	for _, c := range codes[:5] {
		if e, _ := ChannelCode(c); len(e.Reasons) != 1 || e.Reasons[0] != posguard.ReasonQRChannelRejected {
			t.Errorf("%s: reasons %v, want qr.channel_rejected", c, e.Reasons)
		}
	}
	if e, ok := ChannelCodeIn("micropay: USERPAYING (waiting)"); !ok || e.Code != wallet.ErrUserPaying {
		t.Errorf("ChannelCodeIn found %q, %v", e.Code, ok)
	}
	if _, ok := ChannelCodeIn("refund: no trusted answer: EOF"); ok {
		t.Error("ChannelCodeIn found a code in a text without one")
	}
}

// TestEveryQRReasonOfTheSpec: every reason of the spec's §4.6 table, and
// every qr.* reason of posguard's own (the daily limits), has a complete
// entry in both languages, with the spec's actor.
func TestEveryQRReasonOfTheSpec(t *testing.T) {
	_, reasons := walletTables(t)
	data, _ := os.ReadFile("testdata/wallet-channel-tables.md")
	actors := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) == 6 && strings.HasPrefix(strings.TrimSpace(cells[1]), "`qr.") {
			key := strings.Trim(strings.TrimSpace(cells[1]), "`")
			if i := strings.Index(cells[3], "·"); i >= 0 {
				actors[key] = strings.Fields(cells[3][i+len("·"):])[0]
			}
		}
	}
	var keys []string
	for r := range reasons {
		keys = append(keys, r)
	}
	for _, r := range posguard.Reasons() {
		if strings.HasPrefix(r.Reason, "qr.") {
			keys = append(keys, r.Reason)
		}
	}
	for _, k := range keys {
		e, ok := Lookup(k)
		if !ok || e.Key != k {
			t.Errorf("%s: no knowledge-base entry", k)
			continue
		}
		for name, text := range map[string]Text{"name": e.Name, "meaning": e.Meaning, "screen": e.Screen} {
			if !hasHan(text.ZH) || strings.TrimSpace(text.EN) == "" || hasHan(text.EN) {
				t.Errorf("%s: %s lacks zh or en: %+v", k, name, text)
			}
		}
		if len(e.Remedy) == 0 || !hasHan(e.Remedy[0].ZH) || e.Remedy[0].EN == "" {
			t.Errorf("%s: no remedy in both languages", k)
		}
		if a, ok := actors[k]; ok && !strings.HasPrefix(e.Actor, a) {
			t.Errorf("%s: actor %q, the spec says %s", k, e.Actor, a)
		}
	}
	if len(keys) < 16 {
		t.Errorf("only %d QR reasons checked", len(keys))
	}
}

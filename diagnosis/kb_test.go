package diagnosis

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	posguard "github.com/posguard/posguard"
)

func TestParseEmbedded(t *testing.T) {
	k, err := parse(codesYAML, reasonsYAML)
	if err != nil {
		t.Fatalf("embedded knowledge base: %v", err)
	}
	if len(k.entries) != len(All()) {
		t.Fatalf("parse gives %d entries, All %d", len(k.entries), len(All()))
	}
}

// specRow is one code of the spec's field 39 table.
type specRow struct {
	code, class, actor string
	legacy             bool
}

// specCodes reads the table copied from spec/response-codes.md. A row may
// name several codes ("35† 36† 37†", "A2 A4 A5 A6").
func specCodes(t *testing.T) []specRow {
	t.Helper()
	data, err := os.ReadFile("testdata/response-codes-table.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []specRow
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 8 {
			continue
		}
		first := strings.TrimSpace(cells[1])
		if first == "Code" || strings.HasPrefix(first, "---") {
			continue
		}
		for _, c := range strings.Fields(first) {
			rows = append(rows, specRow{
				code:   strings.TrimSuffix(c, "†"),
				class:  strings.TrimSpace(cells[4]),
				actor:  strings.TrimSpace(cells[5]),
				legacy: strings.HasSuffix(c, "†"),
			})
		}
	}
	return rows
}

func TestEveryCodeOfTheSpec(t *testing.T) {
	rows := specCodes(t)
	if len(rows) != 58 {
		t.Fatalf("read %d codes from the spec table, want 58", len(rows))
	}
	for _, r := range rows {
		e, ok := ForCode(r.code)
		if !ok {
			t.Errorf("code %s: no entry", r.code)
			continue
		}
		if e.Key != "39:"+r.code || e.Code != r.code {
			t.Errorf("code %s: key %q code %q", r.code, e.Key, e.Code)
		}
		if e.Class != r.class {
			t.Errorf("code %s: class %s, spec says %s", r.code, e.Class, r.class)
		}
		if e.Actor != r.actor {
			t.Errorf("code %s: actor %q, spec says %q", r.code, e.Actor, r.actor)
		}
		if e.Legacy != r.legacy {
			t.Errorf("code %s: legacy %v, spec says %v", r.code, e.Legacy, r.legacy)
		}
		if (e.Class == ClassSuccess) != (e.Category == CategorySuccess) {
			t.Errorf("code %s: class %s with category %s", r.code, e.Class, e.Category)
		}
	}
}

// reasons lists every posguard.Reason* constant with the field 39 code it
// maps to (reason.go's comment, or for the reasons without one, the code the
// terminal sees; see reasons.yaml).
var reasons = []struct{ reason, code string }{
	{posguard.ReasonApproved, "00"},
	{posguard.ReasonFormat, "30"},
	{posguard.ReasonMACMissing, "A0"},
	{posguard.ReasonMACInvalid, "A0"},
	{posguard.ReasonPINBlock, "99"},
	{posguard.ReasonTerminalUnknown, "97"},
	{posguard.ReasonTerminalDisabled, "97"},
	{posguard.ReasonNotSignedOn, "77"},
	{posguard.ReasonBatchMismatch, "77"},
	{posguard.ReasonMerchantUnknown, "03"},
	{posguard.ReasonMerchantKYC, "03"},
	{posguard.ReasonMerchantFrozen, "03"},
	{posguard.ReasonMerchantClosed, "03"},
	{posguard.ReasonTypeNotAllowed, "58"},
	{posguard.ReasonDuplicate, "94"},
	{posguard.ReasonLimitPerTxn, "61"},
	{posguard.ReasonLimitDailyAmount, "61"},
	{posguard.ReasonLimitDailyCount, "65"},
	{posguard.ReasonOriginalNotFound, "25"},
	{posguard.ReasonOriginalNotApproved, "12"},
	{posguard.ReasonOriginalVoided, "12"},
	{posguard.ReasonOriginalReversed, "12"},
	{posguard.ReasonOriginalOtherDay, "12"},
	{posguard.ReasonVoidAmount, "64"},
	{posguard.ReasonVoidOtherTerminal, "58"},
	{posguard.ReasonRefundSameDay, "12"},
	{posguard.ReasonRefundOtherCard, "14"},
	{posguard.ReasonRefundOverAmount, "13"},
	{posguard.ReasonRefundManualEntry, "12"},
	{posguard.ReasonRefundMerchantBalance, "13"},
	{posguard.ReasonNetworkTimeout, "98"},
	{posguard.ReasonNetworkDown, "91"},
	{posguard.ReasonNetworkBadAnswer, "96"},
	{posguard.ReasonHostFault, "96"},
	{posguard.ReasonSignOnRate, "96"},
	{posguard.ReasonReversalQueued, "00"},
	{posguard.ReasonReversalDone, "00"},
	{posguard.ReasonReversalUnknown, "00"},
	{posguard.ReasonReversalNotNeeded, "00"},
	{posguard.ReasonReversalAlready, "00"},
	{posguard.ReasonReversalAmount, "25"},
	{posguard.ReasonReversalRetrying, "00"},
	{posguard.ReasonLateApproval, "98"},
	{posguard.ReasonSettleBalanced, "00"},
	{posguard.ReasonSettleUnbalanced, "00"},
}

func TestEveryReason(t *testing.T) {
	for _, r := range reasons {
		e, ok := Lookup(r.reason)
		if !ok {
			t.Errorf("reason %s: no entry", r.reason)
			continue
		}
		if e.Key != r.reason || e.Code != r.code {
			t.Errorf("reason %s: key %q maps to %q, want %q", r.reason, e.Key, e.Code, r.code)
		}
	}
}

var codeComment = regexp.MustCompile(`^//\s*([0-9A-Z]{2})\b`)

// TestReasonConstantsListed reads the root package's reason.go, so that a
// reason added there without an entry here (or with another code in its
// comment) fails.
func TestReasonConstantsListed(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../reason.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, r := range reasons {
		listed[r.reason] = r.code
	}
	found := 0
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
				continue
			}
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok {
				continue
			}
			value, _ := strconv.Unquote(lit.Value)
			found++
			code, ok := listed[value]
			if !ok {
				t.Errorf("%s = %q is not in this test's list", name.Name, value)
				continue
			}
			if vs.Comment != nil {
				if m := codeComment.FindStringSubmatch(vs.Comment.List[0].Text); m != nil && m[1] != code {
					t.Errorf("%s: reason.go says %s, the test lists %s", name.Name, m[1], code)
				}
			}
		}
		return true
	})
	if found != len(reasons) {
		t.Errorf("reason.go has %d Reason constants, the test lists %d", found, len(reasons))
	}
}

func TestIssuerReasons(t *testing.T) {
	for _, r := range specCodes(t) {
		e, ok := Lookup(posguard.IssuerReason(r.code))
		if !ok || e.Code != r.code {
			t.Errorf("issuer.%s: entry %q, %v", r.code, e.Key, ok)
		}
	}
}

func TestEntriesComplete(t *testing.T) {
	all := All()
	if len(all) < 58+len(reasons) {
		t.Fatalf("%d entries", len(all))
	}
	for _, e := range all {
		for name, text := range map[string]Text{"name": e.Name, "meaning": e.Meaning, "screen": e.Screen} {
			if strings.TrimSpace(text.ZH) == "" || strings.TrimSpace(text.EN) == "" {
				t.Errorf("%s: %s lacks zh or en", e.Key, name)
			}
		}
		if len(e.Remedy) == 0 {
			t.Errorf("%s: no remedy", e.Key)
		}
		for i, r := range e.Remedy {
			if strings.TrimSpace(r.ZH) == "" || strings.TrimSpace(r.EN) == "" {
				t.Errorf("%s: remedy %d lacks zh or en", e.Key, i)
			}
		}
		if !hasHan(e.Meaning.ZH) || hasHan(e.Meaning.EN) {
			t.Errorf("%s: meaning zh/en look swapped", e.Key)
		}
		if _, ok := categoryNames[e.Category]; !ok {
			t.Errorf("%s: category %q", e.Key, e.Category)
		}
		if gbkWidth(e.Screen.ZH) > 20 || len([]rune(e.Screen.EN)) > 40 {
			t.Errorf("%s: screen text too long: %q / %q", e.Key, e.Screen.ZH, e.Screen.EN)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestLookup(t *testing.T) {
	tests := []struct{ key, wantKey string }{
		{"51", "39:51"},
		{"39:51", "39:51"},
		{"issuer.51", "39:51"},
		{"a0", "39:A0"},
		{" 39:A0 ", "39:A0"},
		{"merchant.frozen", "merchant.frozen"},
		{"limit.daily_count", "limit.daily_count"},
		{"settlement.name_mismatch", "settlement.name_mismatch"},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.key)
		if !ok || e.Key != tt.wantKey {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.key, e.Key, ok, tt.wantKey)
		}
	}
	for _, bad := range []string{"", "5", "52", "39:ZZ", "issuer.", "merchant.sleepy", "FROZEN"} {
		if e, ok := Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %q, want none", bad, e.Key)
		}
	}
}

func TestReasonsFor(t *testing.T) {
	var keys []string
	for _, e := range ReasonsFor("03") {
		keys = append(keys, e.Key)
	}
	want := "merchant.unknown merchant.kyc_pending merchant.frozen merchant.closed"
	if strings.Join(keys, " ") != want {
		t.Errorf("ReasonsFor(03) = %v, want %s", keys, want)
	}
}

func TestAllReturnsCopies(t *testing.T) {
	a := All()
	a[0].Remedy[0].EN = "changed"
	if b := All(); b[0].Remedy[0].EN == "changed" {
		t.Error("All shares its slices with the knowledge base")
	}
}

func TestFormat(t *testing.T) {
	e, _ := Lookup("merchant.kyc_pending")
	en := e.Format("en")
	for _, want := range []string{"merchant.kyc_pending (39=03)", "Class: C", "merchant status", "What to do:", "  1. Upload the legal representative's ID", "Retry: retry after fixing the cause", "Screen: MERCHANT NOT VERIFIED"} {
		if !strings.Contains(en, want) {
			t.Errorf("Format(en) lacks %q:\n%s", want, en)
		}
	}
	zh := e.Format("zh-CN")
	for _, want := range []string{"商户实名认证未完成", "类别：C", "商户状态", "处理步骤：", "  1. 在商户后台上传法定代表人身份证", "终端显示：商户未实名认证"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Format(zh) lacks %q:\n%s", want, zh)
		}
	}
	legacy, _ := ForCode("77")
	if s := legacy.Format("en"); !strings.HasPrefix(s, "77 Re-sign-on required (legacy code)\n") {
		t.Errorf("Format of a legacy code:\n%s", s)
	}
}

func TestParseRejects(t *testing.T) {
	good := `- code: "00"
  class: A
  category: success
  actor: "–"
  name: {zh: "成功", en: "Approved"}
  meaning: {zh: "成功。", en: "Approved."}
  remedy:
    - {zh: "打印。", en: "Print."}
  retry: "no"
  screen: {zh: "成功", en: "APPROVED"}
`
	reason := `- key: a.b
  code: "00"
  category: success
  name: {zh: "甲", en: "A"}
  meaning: {zh: "甲。", en: "A."}
  remedy:
    - {zh: "乙。", en: "B."}
  retry: "no"
  screen: {zh: "甲", en: "A"}
`
	tests := []struct {
		name, codes, reasons, want string
	}{
		{"valid", good, reason, ""},
		{"no english meaning", strings.Replace(good, `en: "Approved."`, `en: ""`, 1), reason, "meaning lacks"},
		{"bad class", strings.Replace(good, "class: A", "class: F", 1), reason, "class"},
		{"bad category", strings.Replace(good, "category: success", "category: weather", 1), reason, "unknown category"},
		{"bad retry", strings.Replace(good, `retry: "no"`, `retry: maybe`, 1), reason, "retry advice"},
		{"no remedy", strings.Replace(good, "  remedy:\n    - {zh: \"打印。\", en: \"Print.\"}\n", "", 1), reason, "remedy"},
		{"unknown field", good + "  colour: red\n", reason, "colour"},
		{"long screen", strings.Replace(good, `screen: {zh: "成功"`, `screen: {zh: "成功成功成功成功成功成"`, 1), reason, "over 20"},
		{"duplicate code", good + strings.Replace(good, "- code", "\n- code", 1), reason, "defined twice"},
		{"reason to unknown code", good, strings.Replace(reason, `code: "00"`, `code: "51"`, 1), `code "51" has no entry`},
		{"reason without code", good, strings.Replace(reason, "  code: \"00\"\n", "", 1), "no code"},
		{"evidence slots differ", good, reason + "  evidence:\n    - {zh: \"{a}\", en: \"{b}\"}\n", "placeholders differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse([]byte(tt.codes), []byte(tt.reasons))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

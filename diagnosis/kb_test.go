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

// TestReasonTableMatchesKnowledgeBase checks the root package's reason
// table against the knowledge base both ways: every reason in the table
// has an entry here with the same field 39 code, and every reason entry
// here is in the table.
func TestReasonTableMatchesKnowledgeBase(t *testing.T) {
	table := posguard.Reasons()
	if len(table) == 0 {
		t.Fatal("empty reason table")
	}
	inTable := map[string]bool{}
	for _, r := range table {
		inTable[r.Reason] = true
		e, ok := Lookup(r.Reason)
		if !ok {
			t.Errorf("reason %s: in the table, no knowledge-base entry", r.Reason)
			continue
		}
		if e.Key != r.Reason || e.Code != r.Code {
			t.Errorf("reason %s: the table says code %q, the knowledge base %q (key %q)", r.Reason, r.Code, e.Code, e.Key)
		}
		if r.HTTPStatus < 200 || r.HTTPStatus > 599 {
			t.Errorf("reason %s: HTTP status %d", r.Reason, r.HTTPStatus)
		}
		// A success of the terminal's is no failure of the API's, and the
		// other way round.
		if e.Class == ClassSuccess && r.HTTPStatus >= 300 {
			t.Errorf("reason %s: success class with HTTP status %d", r.Reason, r.HTTPStatus)
		}
	}
	for _, e := range All() {
		if strings.HasPrefix(e.Key, "39:") {
			continue
		}
		if !inTable[e.Key] {
			t.Errorf("knowledge-base reason %s: not in posguard's reason table", e.Key)
		}
	}
}

var codeComment = regexp.MustCompile(`^//\s*([0-9A-Z]{2})\b`)

// TestReasonConstantsListed reads the root package's reason.go, so that a
// Reason constant added there without a row in the reason table (or with
// another code in its comment) fails.
func TestReasonConstantsListed(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../reason.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
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
			r, ok := posguard.ReasonOf(value)
			if !ok {
				t.Errorf("%s = %q is not in the reason table", name.Name, value)
				continue
			}
			if vs.Comment != nil {
				if m := codeComment.FindStringSubmatch(vs.Comment.List[0].Text); m != nil && m[1] != r.Code {
					t.Errorf("%s: reason.go's comment says %s, the table %s", name.Name, m[1], r.Code)
				}
			}
		}
		return true
	})
	if found != len(posguard.Reasons()) {
		t.Errorf("reason.go has %d Reason constants, the table %d rows", found, len(posguard.Reasons()))
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
	if len(all) < 58+len(posguard.Reasons()) {
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

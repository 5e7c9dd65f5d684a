package switching

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

// fieldCode looks like a field 39 response code.
var fieldCode = regexp.MustCompile(`^[0-9A-Z]{2}$`)

// TestNoResponseCodeLiterals keeps every field 39 code in the reason table
// (posguard.ReasonCode): the switch passes reasons, and a two-character
// code-like string literal in its code fails this test.
func TestNoResponseCodeLiterals(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if v, err := strconv.Unquote(lit.Value); err == nil && fieldCode.MatchString(v) {
				t.Errorf("%s: literal %s: answer with a reason (posguard.ReasonCode) instead", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
	}
	if checked < 5 {
		t.Fatalf("checked %d files: run from the switch directory", checked)
	}
}

// TestAnswersTakeTheReasonsCode checks the helper every gate answers with.
func TestAnswersTakeTheReasonsCode(t *testing.T) {
	for _, r := range posguard.Reasons() {
		if r.Code == "" {
			continue
		}
		if got := reject(nil, r.Reason); got.Answer.Code != r.Code || got.Reason != r.Reason {
			t.Errorf("reject(%s) = %s/%s, want %s", r.Reason, got.Answer.Code, got.Reason, r.Code)
		}
	}
}

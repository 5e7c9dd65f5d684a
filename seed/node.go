package seed

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	posguard "github.com/posguard/posguard"
)

// maxAliases bounds alias dereferences, so a file of nested aliases cannot
// make Parse do unbounded work.
const maxAliases = 1000

// parser walks a yaml.Node tree, collecting problems with their lines.
type parser struct {
	file    string
	errs    ParseErrors
	n       int // problems found, including those past maxErrors
	aliases int
	fatal   *ParseError                         // set when the file is too costly to walk further
	wallets map[string]*posguard.MerchantWallet // merchants' wallet sections by merchant ID
}

// errorf records a problem at node n (its line) and field path.
func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	p.n++
	if len(p.errs) >= maxErrors {
		return
	}
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &ParseError{File: p.file, Line: line, Path: maskDigits(path), Msg: maskDigits(fmt.Sprintf(format, args...))})
}

var digitRun = regexp.MustCompile(`[0-9]{12,}`)

// maskDigits masks every run of 12 or more digits as a PAN (first 6, last
// 4), so that no problem report can carry a card number, whichever field it
// was written in. Merchant IDs in reports are masked the same way.
func maskDigits(s string) string {
	return digitRun.ReplaceAllStringFunc(s, posguard.MaskPAN)
}

// deref follows aliases to the node they name.
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		p.aliases++
		if p.aliases > maxAliases {
			if p.fatal == nil {
				p.n++
				p.fatal = &ParseError{File: p.file, Line: n.Line, Msg: fmt.Sprintf("more than %d alias references", maxAliases)}
			}
			return nil
		}
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null.
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// fields is one mapping of the file with its keys checked.
type fields struct {
	p     *parser
	path  string
	node  *yaml.Node
	vals  map[string]*yaml.Node
	names map[string]*yaml.Node
}

// mapping checks that n is a mapping whose keys are all in allowed and
// unique. It returns nil (after recording the problem) when n is not a
// mapping.
func (p *parser) mapping(n *yaml.Node, path string, allowed ...string) *fields {
	n = p.deref(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, "want a mapping of %s", keyList(allowed))
		return nil
	}
	f := &fields{p: p, path: path, node: n, vals: map[string]*yaml.Node{}, names: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := p.deref(n.Content[i]), n.Content[i+1]
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, "a key must be a plain name")
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			p.errorf(k, join(path, k.Value), "unknown key (want one of %s)", keyList(allowed))
			continue
		}
		if prev, dup := f.names[k.Value]; dup {
			p.errorf(k, join(path, k.Value), "key repeated (first at line %d)", prev.Line)
			continue
		}
		f.names[k.Value] = k
		f.vals[k.Value] = v
	}
	return f
}

// value returns the value of key with aliases followed, nil when absent or
// null. When required, a missing value is recorded as a problem.
func (f *fields) value(key string, required bool) *yaml.Node {
	v := f.p.deref(f.vals[key])
	if isNull(v) {
		if required {
			at := f.node
			if k := f.names[key]; k != nil {
				at = k
			}
			f.p.errorf(at, join(f.path, key), "missing")
		}
		return nil
	}
	return v
}

// at returns the path of key.
func (f *fields) at(key string) string { return join(f.path, key) }

// errorf records a problem at key's value.
func (f *fields) errorf(key, format string, args ...any) {
	at := f.vals[key]
	if at == nil {
		at = f.node
	}
	f.p.errorf(at, f.at(key), format, args...)
}

// str returns the text of a scalar value (as written: an unquoted 001 stays
// "001") and whether one is present.
func (f *fields) str(key string, required bool) (string, bool) {
	v := f.value(key, required)
	if v == nil {
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		f.p.errorf(v, f.at(key), "want a single value")
		return "", false
	}
	return v.Value, true
}

var decimal = regexp.MustCompile(`^-?[0-9]+$`)

// integer returns a whole number written in decimal.
func (f *fields) integer(key string, required bool) (int64, bool) {
	v := f.value(key, required)
	if v == nil {
		return 0, false
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || !decimal.MatchString(v.Value) {
		f.p.errorf(v, f.at(key), "want a whole number in decimal")
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		f.p.errorf(v, f.at(key), "number out of range")
		return 0, false
	}
	return n, true
}

// amount returns a non-negative whole number (fen or a count).
func (f *fields) amount(key string, required bool) (int64, bool) {
	n, ok := f.integer(key, required)
	if ok && n < 0 {
		f.errorf(key, "must not be negative")
		return 0, false
	}
	return n, ok
}

// boolean returns true or false.
func (f *fields) boolean(key string, required bool) (bool, bool) {
	v := f.value(key, required)
	if v == nil {
		return false, false
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		if b, err := strconv.ParseBool(v.Value); err == nil {
			return b, true
		}
	}
	f.p.errorf(v, f.at(key), "want true or false")
	return false, false
}

// seq returns the items of a sequence value (aliases followed; nil items
// are skipped by the callers' mapping checks).
func (f *fields) seq(key string) []*yaml.Node {
	v := f.value(key, false)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		f.p.errorf(v, f.at(key), "want a list")
		return nil
	}
	return v.Content
}

// sub checks the mapping under key.
func (f *fields) sub(key string, required bool, allowed ...string) *fields {
	v := f.value(key, required)
	if v == nil {
		return nil
	}
	return f.p.mapping(v, f.at(key), allowed...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func keyList(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}

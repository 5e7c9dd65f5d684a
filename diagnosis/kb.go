package diagnosis

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

//go:embed codes.yaml
var codesYAML []byte

//go:embed reasons.yaml
var reasonsYAML []byte

// kb is the parsed knowledge base.
type kb struct {
	entries []Entry          // codes in table order, then reasons in file order
	byKey   map[string]int   // Key → index
	byCode  map[string]int   // field 39 code → index of its code entry
	reasons map[string][]int // field 39 code → reasons mapping to it
}

// rawEntry is an entry as written in the YAML files.
type rawEntry struct {
	Code     string `yaml:"code"`
	Key      string `yaml:"key"`
	Class    string `yaml:"class"`
	Category string `yaml:"category"`
	Actor    string `yaml:"actor"`
	Name     Text   `yaml:"name"`
	Meaning  Text   `yaml:"meaning"`
	Remedy   []Text `yaml:"remedy"`
	Retry    string `yaml:"retry"`
	Screen   Text   `yaml:"screen"`
	Legacy   bool   `yaml:"legacy"`
	Evidence []Text `yaml:"evidence"`
}

// load parses the embedded files once; the data is checked by the tests, so
// a failure here is a build defect.
var load = sync.OnceValue(func() *kb {
	k, err := parse(codesYAML, reasonsYAML)
	if err != nil {
		panic("diagnosis: embedded knowledge base: " + err.Error())
	}
	return k
})

var (
	codePattern  = regexp.MustCompile(`^[0-9A-Z]{2}$`)
	reasonKey    = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$|^approved$`)
	placeholders = regexp.MustCompile(`\{([a-z_]+)(:[a-z]+)?\}`)
)

// parse reads and checks the two files: every entry complete in both
// languages, known class, category and retry advice, screen texts within
// the display's size, unique keys, and every reason mapped to a code that
// has an entry.
func parse(codes, reasons []byte) (*kb, error) {
	var rc, rr []rawEntry
	if err := decodeStrict(codes, &rc); err != nil {
		return nil, fmt.Errorf("codes.yaml: %w", err)
	}
	if err := decodeStrict(reasons, &rr); err != nil {
		return nil, fmt.Errorf("reasons.yaml: %w", err)
	}
	k := &kb{byKey: map[string]int{}, byCode: map[string]int{}, reasons: map[string][]int{}}
	for _, r := range rc {
		if !codePattern.MatchString(r.Code) || r.Key != "" {
			return nil, fmt.Errorf("codes.yaml: code %q: want two upper-case letters or digits and no key", r.Code)
		}
		e := r.entry()
		e.Key = "39:" + r.Code
		if err := k.add(e); err != nil {
			return nil, fmt.Errorf("codes.yaml: %w", err)
		}
		k.byCode[e.Code] = len(k.entries) - 1
	}
	for _, r := range rr {
		if !reasonKey.MatchString(r.Key) {
			return nil, fmt.Errorf("reasons.yaml: key %q: want dotted lower-case words", r.Key)
		}
		e := r.entry()
		e.Key = r.Key
		if e.Code == "" && !strings.HasPrefix(e.Key, "settlement.") && !strings.HasPrefix(e.Key, "qr.") && !strings.HasPrefix(e.Key, "recon.") {
			return nil, fmt.Errorf("reasons.yaml: %s: no code", e.Key)
		}
		if e.Code != "" {
			ci, ok := k.byCode[e.Code]
			if !ok {
				return nil, fmt.Errorf("reasons.yaml: %s: code %q has no entry", e.Key, e.Code)
			}
			// Class and actor default to those of the code.
			if e.Class == "" {
				e.Class = k.entries[ci].Class
			}
			if e.Actor == "" {
				e.Actor = k.entries[ci].Actor
			}
		}
		if err := k.add(e); err != nil {
			return nil, fmt.Errorf("reasons.yaml: %w", err)
		}
		if e.Code != "" {
			k.reasons[e.Code] = append(k.reasons[e.Code], len(k.entries)-1)
		}
	}
	return k, nil
}

func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func (r rawEntry) entry() Entry {
	return Entry{Code: r.Code, Class: r.Class, Category: r.Category, Actor: r.Actor, Name: r.Name,
		Meaning: r.Meaning, Remedy: r.Remedy, Retry: r.Retry, Screen: r.Screen, Legacy: r.Legacy,
		Evidence: r.Evidence}
}

// add checks e and appends it.
func (k *kb) add(e Entry) error {
	if _, dup := k.byKey[e.Key]; dup {
		return fmt.Errorf("%s: defined twice", e.Key)
	}
	if !strings.Contains("ABCDE", e.Class) || len(e.Class) != 1 {
		return fmt.Errorf("%s: class %q: want A to E", e.Key, e.Class)
	}
	if _, ok := categoryNames[e.Category]; !ok {
		return fmt.Errorf("%s: unknown category %q", e.Key, e.Category)
	}
	if _, ok := retryNames[e.Retry]; !ok {
		return fmt.Errorf("%s: unknown retry advice %q", e.Key, e.Retry)
	}
	if e.Actor == "" {
		return fmt.Errorf("%s: no actor", e.Key)
	}
	texts := map[string]Text{"name": e.Name, "meaning": e.Meaning, "screen": e.Screen}
	for i, r := range e.Remedy {
		texts[fmt.Sprintf("remedy[%d]", i)] = r
	}
	for i, ev := range e.Evidence {
		texts[fmt.Sprintf("evidence[%d]", i)] = ev
		if err := sameSlots(ev); err != nil {
			return fmt.Errorf("%s: evidence[%d]: %w", e.Key, i, err)
		}
	}
	for field, t := range texts {
		if strings.TrimSpace(t.ZH) == "" || strings.TrimSpace(t.EN) == "" {
			return fmt.Errorf("%s: %s lacks a Chinese or English text", e.Key, field)
		}
	}
	if len(e.Remedy) == 0 {
		return fmt.Errorf("%s: no remedy", e.Key)
	}
	if n := gbkWidth(e.Screen.ZH); n > 20 {
		return fmt.Errorf("%s: Chinese screen text is %d bytes in GBK, over 20", e.Key, n)
	}
	if n := utf8.RuneCountInString(e.Screen.EN); n > 40 {
		return fmt.Errorf("%s: English screen text is %d characters, over 40", e.Key, n)
	}
	k.byKey[e.Key] = len(k.entries)
	k.entries = append(k.entries, e)
	return nil
}

// sameSlots checks that both languages of a template use the same
// placeholders, so a sentence never renders in one language only.
func sameSlots(t Text) error {
	slots := func(s string) string {
		m := placeholders.FindAllStringSubmatch(s, -1)
		names := make([]string, 0, len(m))
		for _, x := range m {
			names = append(names, x[1])
		}
		slices.Sort(names)
		return strings.Join(names, ",")
	}
	if a, b := slots(t.ZH), slots(t.EN); a != b {
		return fmt.Errorf("placeholders differ: zh {%s}, en {%s}", a, b)
	}
	return nil
}

// gbkWidth is the size of s in GBK: one byte for ASCII, two for the rest.
func gbkWidth(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x80 {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// Lookup returns the entry for key: a field 39 code ("51", "39:51", "a0"),
// an issuer reason ("issuer.51", which resolves to the code's entry), or an
// internal reason ("merchant.frozen").
func Lookup(key string) (Entry, bool) {
	key = strings.TrimSpace(key)
	if c, ok := strings.CutPrefix(key, "39:"); ok {
		return ForCode(c)
	}
	if c, ok := strings.CutPrefix(key, "issuer."); ok {
		return ForCode(c)
	}
	if len(key) == 2 {
		return ForCode(key)
	}
	k := load()
	i, ok := k.byKey[key]
	if !ok {
		return Entry{}, false
	}
	return k.entries[i].clone(), true
}

// ForCode returns the entry of a field 39 code (case-insensitive).
func ForCode(code string) (Entry, bool) {
	k := load()
	i, ok := k.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Entry{}, false
	}
	return k.entries[i].clone(), true
}

// ReasonsFor returns the internal reasons that map to a field 39 code, in
// file order.
func ReasonsFor(code string) []Entry {
	k := load()
	var out []Entry
	for _, i := range k.reasons[strings.ToUpper(code)] {
		out = append(out, k.entries[i].clone())
	}
	return out
}

// All returns every entry: the codes in the order of the UnionPay table,
// then the internal reasons.
func All() []Entry {
	k := load()
	out := make([]Entry, len(k.entries))
	for i, e := range k.entries {
		out[i] = e.clone()
	}
	return out
}

// clone copies e's slices, so that callers cannot change the base.
func (e Entry) clone() Entry {
	e.Remedy = append([]Text(nil), e.Remedy...)
	e.Evidence = append([]Text(nil), e.Evidence...)
	return e
}

package seed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"go.yaml.in/yaml/v3"

	posguard "github.com/posguard/posguard"
)

// Parse reads a world file. data is YAML, or JSON of the same shape; name is
// used in problem reports (usually the file name). Every entry is checked
// (see docs/seed-format.md): when anything is wrong, Parse returns no World
// and a ParseErrors listing the problems in line order, each naming the line
// and the field. posguard.ErrorCode of that error is EINVALID.
func Parse(data []byte, name string) (w *World, err error) {
	p := &parser{file: name}
	doc, err := p.document(data)
	if err != nil {
		return nil, err
	}
	w = p.world(doc)
	if p.fatal != nil {
		return nil, ParseErrors{p.fatal}
	}
	if p.n > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		if p.n > len(p.errs) {
			p.errs = append(p.errs, &ParseError{File: name, Msg: fmt.Sprintf("%d more problems not listed", p.n-len(p.errs))})
		}
		return nil, p.errs
	}
	return w, nil
}

// ParseFile reads and parses the world file at path; problems name path.
func ParseFile(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "seed: read world file")
	}
	return Parse(data, path)
}

// document decodes data into its single YAML document.
func (p *parser) document(data []byte) (doc *yaml.Node, err error) {
	fail := func(line int, format string, args ...any) error {
		return ParseErrors{{File: p.file, Line: line, Msg: maskDigits(fmt.Sprintf(format, args...))}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(0, "file is empty")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fail(0, "file holds a NUL byte: not a text file")
	}
	// A YAML library bug must not take the process down: report it as a
	// malformed file instead.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fail(0, "malformed YAML")
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, fail(0, "malformed YAML: %s", yamlMessage(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(extra.Line, "more than one YAML document")
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, fail(0, "file is empty")
	}
	return root.Content[0], nil
}

// yamlMessage strips the library's "yaml: " prefix; its text names the
// line ("line 3: did not find expected key").
func yamlMessage(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "yaml: " {
		return s[6:]
	}
	return s
}

// world parses the top-level mapping and checks cross references.
func (p *parser) world(n *yaml.Node) *World {
	f := p.mapping(n, "", "acquirer", "fee_plans", "merchants", "terminals", "cards", "identities", "blacklist",
		"wallet_channels", "payers")
	if f == nil {
		return nil
	}
	w := &World{}
	if a := f.sub("acquirer", false, "id", "zone_pin_key"); a != nil {
		w.Acquirer = p.acquirer(a)
	}

	plans := map[string]bool{}
	for i, item := range f.seq("fee_plans") {
		path := index("fee_plans", i)
		fp, ok := p.feePlan(item, path)
		if !ok {
			continue
		}
		if plans[fp.Name] {
			p.errorf(item, path+".name", "fee plan %q defined twice", fp.Name)
			continue
		}
		plans[fp.Name] = true
		w.FeePlans = append(w.FeePlans, fp)
	}

	p.walletSections(f, w)

	merchants := map[string]bool{}
	for i, item := range f.seq("merchants") {
		path := index("merchants", i)
		m, planAt, ok := p.merchant(item, path)
		if m == nil {
			continue
		}
		if mw := p.wallets[m.ID]; mw != nil && ok && !merchants[m.ID] {
			w.Wallets = append(w.Wallets, *mw)
		}
		if m.FeePlan != "" && !plans[m.FeePlan] {
			p.errorf(planAt, path+".fee_plan", "no fee plan %q in fee_plans", m.FeePlan)
		}
		if merchants[m.ID] {
			p.errorf(item, path+".id", "merchant %s defined twice", m.ID)
			continue
		}
		merchants[m.ID] = true
		if ok {
			w.Merchants = append(w.Merchants, m)
		}
	}

	terminals := map[string]bool{}
	for i, item := range f.seq("terminals") {
		path := index("terminals", i)
		t, merchantAt, ok := p.terminal(item, path)
		if t == nil {
			continue
		}
		if t.MerchantID != "" && !merchants[t.MerchantID] {
			p.errorf(merchantAt, path+".merchant", "no merchant %s in merchants", t.MerchantID)
		}
		if terminals[t.ID] {
			p.errorf(item, path+".id", "terminal %s defined twice", t.ID)
			continue
		}
		terminals[t.ID] = true
		if ok {
			w.Terminals = append(w.Terminals, t)
		}
	}

	pans := map[string]bool{}
	for i, item := range f.seq("cards") {
		path := index("cards", i)
		c, ok := p.card(item, path)
		if !ok {
			continue
		}
		if pans[c.PAN.Reveal()] {
			p.errorf(item, path+".pan", "card %s defined twice", c.PAN)
			continue
		}
		pans[c.PAN.Reveal()] = true
		w.Cards = append(w.Cards, c)
	}

	ids := map[string]bool{}
	for i, item := range f.seq("identities") {
		path := index("identities", i)
		id, ok := p.identity(item, path)
		if !ok {
			continue
		}
		if ids[id.IDNo] {
			p.errorf(item, path+".id_no", "identity %s defined twice", id.IDNo)
			continue
		}
		ids[id.IDNo] = true
		w.Identities = append(w.Identities, id)
	}
	for i, item := range f.seq("blacklist") {
		path := index("blacklist", i)
		g := p.mapping(item, path, "value", "reason")
		if g == nil {
			continue
		}
		v, ok1 := g.str("value", true)
		r, ok2 := g.str("reason", true)
		if ok1 && ok2 {
			w.Blacklist = append(w.Blacklist, BlacklistEntry{Value: v, Reason: r})
		}
	}
	return w
}

// identity parses one known identity {name, id_no, phone, account}.
func (p *parser) identity(n *yaml.Node, path string) (posguard.Identity, bool) {
	f := p.mapping(n, path, "name", "id_no", "phone", "account")
	if f == nil {
		return posguard.Identity{}, false
	}
	before := p.n
	var id posguard.Identity
	id.Name, _ = f.str("name", true)
	if v, ok := f.str("id_no", true); ok {
		if len(v) != 18 {
			f.errorf("id_no", "want 18 characters, got %d", len(v))
		}
		id.IDNo = v
	}
	id.Phone, _ = f.str("phone", true)
	id.Account, _ = f.str("account", true)
	return id, p.n == before
}

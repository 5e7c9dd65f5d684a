package seed

import (
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	posguard "github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// Payer is one simulated wallet payer (spec/wallet-channel.md §6): only
// the simulated channel uses them; seed validates them.
type Payer struct {
	Code     string
	Channel  string
	Balance  int64
	Behavior string
}

// walletChannel parses one entry of wallet_channels.
func (p *parser) walletChannel(n *yaml.Node, path string, pos int) (posguard.WalletChannel, bool) {
	f := p.mapping(n, path, "name", "kind", "url", "app_id", "key")
	if f == nil {
		return posguard.WalletChannel{}, false
	}
	before := p.n
	c := posguard.WalletChannel{Position: pos}
	if s, ok := f.str("name", true); ok {
		if len(s) > 16 || !wallet.ValidNumber(s) {
			f.errorf("name", "want 1 to 16 characters [0-9A-Za-z_-]")
		}
		c.Name = s
	}
	if s, ok := f.str("kind", true); ok {
		if !wallet.Kind(s).Valid() {
			f.errorf("kind", "want wechat, alipay or unionpay, got %q", s)
		}
		c.Kind = s
	}
	if s, ok := f.str("url", true); ok {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.errorf("url", "want an absolute http or https URL")
		}
		c.URL = strings.TrimRight(s, "/")
	}
	if s, ok := f.str("app_id", true); ok {
		if !wallet.ValidNumber(s) {
			f.errorf("app_id", "want 1 to 32 characters [0-9A-Za-z_-]")
		}
		c.AppID = s
	}
	if s, ok := f.str("key", true); ok {
		k, err := wallet.ParseKey(s)
		if err != nil {
			f.errorf("key", "want 32 to 128 hex digits (16 to 64 bytes)")
		}
		c.Key = k
	}
	return c, p.n == before
}

// channelPath is the path part of a channel URL (unique per world).
func channelPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimRight(u.Path, "/")
}

// merchantWallet parses a merchant's wallet: {mch_id, notify_key}.
func (p *parser) merchantWallet(f *fields, merchantID string) *posguard.MerchantWallet {
	g := f.sub("wallet", false, "mch_id", "notify_key")
	if g == nil {
		return nil
	}
	w := &posguard.MerchantWallet{MerchantID: merchantID}
	if s, ok := g.str("mch_id", true); ok {
		if !wallet.ValidNumber(s) {
			g.errorf("mch_id", "want 1 to 32 characters [0-9A-Za-z_-]")
		}
		w.MchID = s
	}
	if s, ok := g.str("notify_key", true); ok {
		k, err := wallet.ParseKey(s)
		if err != nil {
			g.errorf("notify_key", "want 32 to 128 hex digits (16 to 64 bytes)")
		}
		w.NotifyKey = k
	}
	return w
}

// payer parses one entry of payers; channels are the wallet_channels names.
func (p *parser) payer(n *yaml.Node, path string, channels map[string]bool) (Payer, bool) {
	f := p.mapping(n, path, "code", "channel", "balance", "behavior")
	if f == nil {
		return Payer{}, false
	}
	before := p.n
	var y Payer
	if s, ok := f.str("code", true); ok {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			f.errorf("code", "want digits")
		}
		y.Code = s
	}
	if s, ok := f.str("channel", true); ok {
		if !channels[s] {
			f.errorf("channel", "no wallet channel %q in wallet_channels", s)
		}
		y.Channel = s
	}
	if v, ok := f.amount("balance", false); ok {
		y.Balance = v
	}
	if s, ok := f.str("behavior", false); ok {
		if !validBehavior(s) {
			f.errorf("behavior", "want ok, userpaying:N, userpaying_forever, insufficient, expired_code or invalid_code, got %q", s)
		}
		y.Behavior = s
	}
	return y, p.n == before
}

// validBehavior reports whether s is a payer behavior of spec §6.
func validBehavior(s string) bool {
	switch s {
	case "", "ok", "userpaying_forever", "insufficient", "expired_code", "invalid_code":
		return true
	}
	n, ok := strings.CutPrefix(s, "userpaying:")
	v, err := strconv.Atoi(n)
	return ok && err == nil && v >= 0
}

// walletSections parses wallet_channels and payers into w.
func (p *parser) walletSections(f *fields, w *World) {
	names, apps, paths := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, item := range f.seq("wallet_channels") {
		path := index("wallet_channels", i)
		c, ok := p.walletChannel(item, path, i)
		if !ok {
			continue
		}
		switch {
		case names[c.Name]:
			p.errorf(item, path+".name", "wallet channel %q defined twice", c.Name)
		case apps[c.AppID]:
			p.errorf(item, path+".app_id", "app_id %q used twice", c.AppID)
		case paths[channelPath(c.URL)]:
			p.errorf(item, path+".url", "url path %q used twice", channelPath(c.URL))
		default:
			names[c.Name], apps[c.AppID], paths[channelPath(c.URL)] = true, true, true
			w.WalletChannels = append(w.WalletChannels, c)
		}
	}
	for i, item := range f.seq("payers") {
		if y, ok := p.payer(item, index("payers", i), names); ok {
			w.Payers = append(w.Payers, y)
		}
	}
}

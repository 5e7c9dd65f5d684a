package simwallet

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/posguard/posguard/wallet"
)

// World is what simwallet reads from a world file: the channels, the
// sub-merchant ids of the merchants, and the payers (spec §6).
type World struct {
	Channels  []ChannelConfig `yaml:"wallet_channels"`
	Merchants []struct {
		ID     string `yaml:"id"`
		Wallet *struct {
			MchID string `yaml:"mch_id"`
		} `yaml:"wallet"`
	} `yaml:"merchants"`
	Payers []PayerConfig `yaml:"payers"`
}

// ChannelConfig is one entry of wallet_channels.
type ChannelConfig struct {
	Name  string `yaml:"name"`
	Kind  string `yaml:"kind"`
	URL   string `yaml:"url"`
	AppID string `yaml:"app_id"`
	Key   string `yaml:"key"`
}

// PayerConfig is one entry of payers.
type PayerConfig struct {
	Code     string `yaml:"code"`
	Channel  string `yaml:"channel"`
	Balance  int64  `yaml:"balance"`
	Behavior string `yaml:"behavior"`
}

// LoadWorld reads and checks a world file.
func LoadWorld(path string) (*World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseWorld(b)
}

// ParseWorld decodes and checks the wallet sections of a world file.
func ParseWorld(b []byte) (*World, error) {
	var w World
	if err := yaml.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	names, apps, paths := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, c := range w.Channels {
		at := fmt.Sprintf("wallet_channels[%d]", i)
		if c.Name == "" || len(c.Name) > 16 || !wallet.ValidNumber(c.Name) || names[c.Name] {
			return nil, fmt.Errorf("%s.name: missing, malformed or repeated", at)
		}
		if !wallet.Kind(c.Kind).Valid() {
			return nil, fmt.Errorf("%s.kind: want wechat, alipay or unionpay", at)
		}
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s.url: want an absolute http(s) URL", at)
		}
		p := strings.TrimRight(u.Path, "/")
		if paths[p] {
			return nil, fmt.Errorf("%s.url: path %q used twice", at, p)
		}
		if !wallet.ValidNumber(c.AppID) || apps[c.AppID] {
			return nil, fmt.Errorf("%s.app_id: missing, malformed or repeated", at)
		}
		if _, err := wallet.ParseKey(c.Key); err != nil {
			return nil, fmt.Errorf("%s.%v", at, err)
		}
		names[c.Name], apps[c.AppID], paths[p] = true, true, true
	}
	for i, p := range w.Payers {
		at := fmt.Sprintf("payers[%d]", i)
		if p.Code == "" || strings.Trim(p.Code, "0123456789") != "" {
			return nil, fmt.Errorf("%s.code: want digits", at)
		}
		if !names[p.Channel] {
			return nil, fmt.Errorf("%s.channel: no wallet channel %q", at, p.Channel)
		}
		if p.Balance < 0 {
			return nil, fmt.Errorf("%s.balance: negative", at)
		}
		if _, _, err := parseBehavior(p.Behavior); err != nil {
			return nil, fmt.Errorf("%s.behavior: %v", at, err)
		}
	}
	return &w, nil
}

// parseBehavior splits a payer behavior into its name and count.
func parseBehavior(s string) (string, int, error) {
	switch s {
	case "", "ok":
		return "ok", 0, nil
	case "userpaying_forever", "insufficient", "expired_code", "invalid_code":
		return s, 0, nil
	}
	if n, ok := strings.CutPrefix(s, "userpaying:"); ok {
		v, err := strconv.Atoi(n)
		if err == nil && v >= 0 {
			return "userpaying", v, nil
		}
	}
	return "", 0, fmt.Errorf("unknown behavior %q", s)
}

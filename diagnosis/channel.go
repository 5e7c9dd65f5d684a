package diagnosis

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

//go:embed channel_codes.yaml
var channelYAML []byte

// ChannelEntry explains one wallet channel err_code (spec/wallet-channel.md
// §2.3): what it means and what posguard does with it, in zh and en, and
// the QR reasons an order or refund can end with because of it.
type ChannelEntry struct {
	Code    string   `yaml:"code"`
	Reasons []string `yaml:"reasons"`
	Meaning Text     `yaml:"meaning"`
	Action  Text     `yaml:"action"`
}

// channelKB is the parsed table, in file order.
var channelKB = sync.OnceValue(func() []ChannelEntry {
	var es []ChannelEntry
	if err := decodeStrict(channelYAML, &es); err != nil {
		panic("diagnosis: embedded channel codes: " + err.Error())
	}
	for _, e := range es {
		if e.Code == "" || e.Code != strings.ToUpper(e.Code) || e.Meaning.ZH == "" || e.Meaning.EN == "" || e.Action.ZH == "" || e.Action.EN == "" {
			panic(fmt.Sprintf("diagnosis: embedded channel codes: %q incomplete", e.Code))
		}
	}
	return es
})

// ChannelCodes returns every channel code's entry, in the spec's order.
func ChannelCodes() []ChannelEntry { return append([]ChannelEntry(nil), channelKB()...) }

// ChannelCode returns the entry of err_code code; false when unknown (the
// spec treats an unknown code as SYSTEMERROR).
func ChannelCode(code string) (ChannelEntry, bool) {
	for _, e := range channelKB() {
		if e.Code == code {
			return e, true
		}
	}
	return ChannelEntry{}, false
}

// ChannelCodeIn returns the entry of the first channel code named in text
// (a channel's last answer as the QR queues record it, e.g. "micropay:
// USERPAYING"); false when text names none.
func ChannelCodeIn(text string) (ChannelEntry, bool) {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r == '_')
	}) {
		if e, ok := ChannelCode(w); ok {
			return e, true
		}
	}
	return ChannelEntry{}, false
}

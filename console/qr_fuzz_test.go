package console

import (
	"net/url"
	"testing"

	"github.com/posguard/posguard"
)

// FuzzParseQRSearch: no query makes the QR search panic; an accepted one
// keeps a merchant user on its own merchant and its numbers within the
// spec's syntax.
func FuzzParseQRSearch(f *testing.F) {
	for _, s := range []string{"out_order_no=A-1", "id=Q12", "id=12", "id=Q", "channel_no=4200000001&state=succeeded",
		"from=2026-03-01&to=2026-03-02", "merchant=898310048990001", "cursor=5", "id=q9999999999999999999999", "state=%00", "out_order_no=%E4%B8%AD"} {
		f.Add(s)
	}
	merchant := &posguard.User{Name: "m", Role: posguard.RoleMerchant, MerchantID: "898310048990001"}
	staff := &posguard.User{Name: "o", Role: posguard.RoleOperator}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if _, s, err := parseQRSearch(v, merchant); err == nil {
			if s.filter.MerchantID != merchant.MerchantID {
				t.Fatalf("%q: a merchant user searched merchant %q", raw, s.filter.MerchantID)
			}
			if s.filter.OutOrderNo != "" && !orderNumber(s.filter.OutOrderNo, 32) || s.channelNo != "" && !orderNumber(s.channelNo, 64) || s.id < 0 {
				t.Fatalf("%q: accepted %+v", raw, s)
			}
		}
		_, _, _ = parseQRSearch(v, staff)
	})
}

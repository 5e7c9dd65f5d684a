package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/qr"
)

// cacheStore is what two API instances share in TestQRCachesFollowChanges.
type cacheStore interface {
	posguard.Store
	posguard.SettingStore
	posguard.CacheVersions
	Access() posguard.AccessStore
	QR() posguard.QRStore
}

// TestQRCachesFollowChanges runs two API instances over one database, each
// keeping tokens, merchants and wallets in memory (access.Auth.Versions):
// a merchant frozen, unfrozen or given a wallet, and a token revoked, are
// seen by the very next order on both instances.
func TestQRCachesFollowChanges(t *testing.T) { onBoth(t, testQRCaches) }

func testQRCaches(t *testing.T, st cacheStore) {
	ctx := context.Background()
	const mid = "M00000000000009"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutMerchant(ctx, &posguard.Merchant{ID: mid, Name: "Corner Shop", MCC: "5411", Status: posguard.MerchantActive}))
	shop := &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: mid, PasswordHash: "$h"}
	must(st.Access().CreateUser(ctx, shop))

	// Two instances: each its own engine, Auth and HTTP server.
	var urls []string
	var auths []*access.Auth
	for range 2 {
		e := &qr.Engine{Store: st.QR(), Merchants: st, Terminals: st, Settings: st, Wait: 50 * time.Millisecond, WalletTimeout: 200 * time.Millisecond}
		must(e.Start(ctx))
		a := &access.Auth{Store: st.Access(), Versions: st}
		srv := httptest.NewServer((&api.Server{Store: st, Access: st.Access(), Auth: a, QR: e}).Handler())
		t.Cleanup(srv.Close)
		urls, auths = append(urls, srv.URL), append(auths, a)
	}
	secret, _, err := auths[0].IssueToken(ctx, shop, posguard.TokenAPI, time.Hour, "ERP")
	must(err)

	n := 0
	// order posts a micropay order to instance i and returns the status and
	// the order's reason (no channel is configured: an order that passes
	// the merchant's checks fails with qr_channel_not_configured).
	order := func(i int) (int, string) {
		t.Helper()
		n++
		body := fmt.Sprintf(`{"out_order_no": "C%d", "amount": 100, "auth_code": "134567890123456789"}`, n)
		req, _ := nethttp.NewRequest("POST", urls[i]+"/v1/qr/orders", bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := nethttp.DefaultClient.Do(req)
		must(err)
		defer resp.Body.Close()
		var v struct {
			Reason string `json:"reason"`
		}
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v.Reason
	}
	want := func(step string, status int, reason string) {
		t.Helper()
		for i := range urls {
			for range 2 { // the second order of each instance is served from its caches
				if st, r := order(i); st != status || r != reason {
					t.Fatalf("%s, instance %d: %d %q, want %d %q", step, i+1, st, r, status, reason)
				}
			}
		}
	}

	want("no wallet", 201, posguard.ReasonQRMerchantNotEnabled)
	must(st.QR().PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: mid, MchID: "1900009", NotifyKey: bytes.Repeat([]byte{7}, 32)}))
	want("wallet added", 201, posguard.ReasonQRChannelNotConfigured)
	_, err = st.SetMerchantStatus(ctx, mid, posguard.MerchantActive, posguard.MerchantFrozen, nil)
	must(err)
	want("merchant frozen", 201, posguard.ReasonMerchantFrozen)
	_, err = st.SetMerchantStatus(ctx, mid, posguard.MerchantFrozen, posguard.MerchantActive, nil)
	must(err)
	want("merchant unfrozen", 201, posguard.ReasonQRChannelNotConfigured)

	// The merchant's system revokes its token through the first instance.
	req, _ := nethttp.NewRequest("DELETE", urls[0]+"/v1/sessions/current", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := nethttp.DefaultClient.Do(req)
	must(err)
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	want("token revoked", 401, "")
}

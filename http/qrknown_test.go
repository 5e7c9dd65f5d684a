package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/simwallet"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
	"github.com/posguard/posguard/wallet"
)

// countingVersions is a store's cache version that counts its reads.
type countingVersions struct {
	posguard.CacheVersions
	reads atomic.Int64
}

func (c *countingVersions) CacheVersion(ctx context.Context) (int64, error) {
	c.reads.Add(1)
	return c.CacheVersions.CacheVersion(ctx)
}

// knownRig is two API instances over one database, each with its own QR
// engine, Auth (caches) and HTTP server, and a simulated wechat channel
// whose one payer always pays.
type knownRig struct {
	t        *testing.T
	st       cacheStore
	urls     []string
	versions []*countingVersions
	auths    []*access.Auth
	shop     *posguard.User
	secret   string
	n        atomic.Int64
}

const knownMerchant = "898310048990077"

func newKnownRig(t *testing.T, st cacheStore) *knownRig {
	ctx := context.Background()
	const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	w, err := simwallet.ParseWorld([]byte(`
wallet_channels:
  - { name: "wx", kind: wechat, url: "http://127.0.0.1:1/wx", app_id: "wxknown", key: "` + key + `" }
merchants:
  - { id: "` + knownMerchant + `", wallet: { mch_id: "1900000177" } }
payers:
  - { code: "13", channel: "wx", balance: 1000000000000, behavior: ok }
`))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simwallet.New(w, simwallet.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	k, err := wallet.ParseKey(key)
	must(err)
	must(st.PutMerchant(ctx, &posguard.Merchant{ID: knownMerchant, Name: "Corner Shop", MCC: "5411", Status: posguard.MerchantActive}))
	must(st.QR().PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: knownMerchant, MchID: "1900000177", NotifyKey: bytes.Repeat([]byte{1}, 32)}))
	must(st.QR().PutWalletChannel(ctx, &posguard.WalletChannel{Name: "wx", Kind: "wechat", URL: simSrv.URL + "/wx", AppID: "wxknown", Key: k}))
	rig := &knownRig{t: t, st: st}
	rig.shop = &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: knownMerchant, PasswordHash: "$h"}
	must(st.Access().CreateUser(ctx, rig.shop))
	var auths []*access.Auth
	for range 2 {
		e := &qr.Engine{Store: st.QR(), Merchants: st, Terminals: st, Settings: st, Wait: 5 * time.Second, WalletTimeout: 2 * time.Second}
		must(e.Start(ctx))
		v := &countingVersions{CacheVersions: st}
		a := &access.Auth{Store: st.Access(), Versions: v}
		srv := httptest.NewServer((&api.Server{Store: st, Access: st.Access(), Auth: a, QR: e}).Handler())
		t.Cleanup(srv.Close)
		rig.urls, rig.versions, auths = append(rig.urls, srv.URL), append(rig.versions, v), append(auths, a)
	}
	rig.auths = auths
	rig.secret, _, err = auths[0].IssueToken(ctx, rig.shop, posguard.TokenAPI, time.Hour, "ERP")
	must(err)
	return rig
}

// post sends body as an order to instance i and returns the status and
// the answer's state and reason.
func (rig *knownRig) post(i int, body string) (int, string, string) {
	req, _ := nethttp.NewRequest("POST", rig.urls[i]+"/v1/qr/orders", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+rig.secret)
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		rig.t.Error(err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	var v struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v.State, v.Reason
}

// refund asks instance i for a refund of 1 fen of order id (Q<n>) and
// returns the status.
func (rig *knownRig) refund(i int, id, no string) int {
	req, _ := nethttp.NewRequest("POST", rig.urls[i]+"/v1/qr/orders/"+id+"/refunds",
		bytes.NewBufferString(fmt.Sprintf(`{"out_refund_no": %q, "amount": 1}`, no)))
	req.Header.Set("Authorization", "Bearer "+rig.secret)
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		rig.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// refunds returns how many refunds order id (Q<n>) has.
func (rig *knownRig) refunds(id string) int {
	n, ok := qr.ParseOrderID(id)
	if !ok {
		rig.t.Fatalf("order id %q", id)
	}
	list, err := rig.st.QR().QRRefunds(context.Background(), n)
	if err != nil {
		rig.t.Fatal(err)
	}
	return len(list)
}

// orderID returns the API id (Q<n>) of the merchant's order numbered no.
func (rig *knownRig) orderID(no string) string {
	list, err := rig.st.QR().QROrders(context.Background(), posguard.QROrderFilter{MerchantID: knownMerchant, OutOrderNo: no, Limit: 1})
	if err != nil || len(list) != 1 {
		rig.t.Fatalf("order %s: %v %v", no, list, err)
	}
	return qr.OrderID(list[0].ID)
}

// order sends a new valid order to instance i and returns its number too.
func (rig *knownRig) order(i int) (no string, status int, state, reason string) {
	no = fmt.Sprintf("K%d", rig.n.Add(1))
	status, state, reason = rig.post(i, fmt.Sprintf(`{"out_order_no": %q, "amount": 100, "auth_code": "134567890123456789"}`, no))
	return no, status, state, reason
}

// rows returns how many orders the merchant has numbered no.
func (rig *knownRig) rows(no string) int {
	list, err := rig.st.QR().QROrders(context.Background(), posguard.QROrderFilter{MerchantID: knownMerchant, OutOrderNo: no, Limit: 5})
	if err != nil {
		rig.t.Fatal(err)
	}
	return len(list)
}

// okRecords returns how many "ok" audit records the order route has.
func (rig *knownRig) okRecords() int {
	recs, err := rig.st.Access().AuditRecords(context.Background(), posguard.AuditFilter{Action: "POST /v1/qr/orders", Limit: 1000})
	if err != nil {
		rig.t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Outcome == "ok" {
			n++
		}
	}
	return n
}

// onBoth runs f on SQLite and PostgreSQL.
func onBoth(t *testing.T, f func(t *testing.T, st cacheStore)) {
	t.Run("SQLite", func(t *testing.T) {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.URL(t), storetest.NewSealer())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
}

// TestQROrderAtKnownVersion: an order is authenticated at the instance's
// last known cache version without reading it, and a change made by the
// other instance's store (the token revoked, the user disabled, the
// merchant frozen), though this instance holds the token, user and
// merchant in memory, still decides the very next order: refused with no
// row, or failed merchant.frozen without a payment.
func TestQROrderAtKnownVersion(t *testing.T) {
	onBoth(t, func(t *testing.T, st cacheStore) {
		ctx := context.Background()
		rig := newKnownRig(t, st)
		want := func(step string, status int, state, reason string) string {
			t.Helper()
			no, gs, gst, gr := rig.order(0)
			if gs != status || gst != state || gr != reason {
				t.Fatalf("%s: %d %s %q, want %d %s %q", step, gs, gst, gr, status, state, reason)
			}
			return no
		}
		want("first order", 201, "succeeded", "")
		rig.versions[0].reads.Store(0)
		reruns := rig.auths[0].Reruns()
		for range 3 {
			want("order at the known version", 201, "succeeded", "")
		}
		if n := rig.versions[0].reads.Load(); n != 0 {
			t.Fatalf("three orders at the known version read it %d times, want 0", n)
		}
		if n := rig.auths[0].Reruns() - reruns; n != 0 {
			t.Fatalf("three orders at an unchanged version were run again %d times", n)
		}
		audits := rig.okRecords()

		// The merchant frozen elsewhere: the next order fails, unpaid.
		if _, err := st.SetMerchantStatus(ctx, knownMerchant, posguard.MerchantActive, posguard.MerchantFrozen, nil); err != nil {
			t.Fatal(err)
		}
		want("merchant frozen", 201, "failed", posguard.ReasonMerchantFrozen)
		if n := rig.auths[0].Reruns() - reruns; n != 1 {
			t.Fatalf("the order after the merchant's change was run again %d times, want 1", n)
		}
		if _, err := st.SetMerchantStatus(ctx, knownMerchant, posguard.MerchantFrozen, posguard.MerchantActive, nil); err != nil {
			t.Fatal(err)
		}
		want("merchant unfrozen", 201, "succeeded", "")
		if got := rig.okRecords(); got != audits+2 {
			t.Fatalf("audit: %d ok records, want %d (one per order, none for a run discarded)", got, audits+2)
		}

		// The user disabled elsewhere: refused, nothing written.
		if err := st.Access().SetUserDisabled(ctx, "shop", true); err != nil {
			t.Fatal(err)
		}
		if no := want("user disabled", 401, "", ""); rig.rows(no) != 0 {
			t.Fatalf("user disabled: order %s was journaled", no)
		}
		if err := st.Access().SetUserDisabled(ctx, "shop", false); err != nil {
			t.Fatal(err)
		}
		repeat := want("user enabled again", 201, "succeeded", "")
		want("warm", 201, "succeeded", "")

		// A refund at the known version reads no version either.
		paid := rig.orderID(repeat)
		rig.versions[0].reads.Store(0)
		if s := rig.refund(0, paid, "RF1"); s != 201 {
			t.Fatalf("refund: %d", s)
		}
		if n := rig.versions[0].reads.Load(); n != 0 {
			t.Fatalf("a refund at the known version read it %d times, want 0", n)
		}

		// The token revoked elsewhere: each request that follows, on an
		// instance that holds the token and the old version in memory, is
		// refused, nothing written: a new order, an invalid one (not 400),
		// a repeated number (not 200) and a refund.
		probes := []struct {
			name string
			do   func() (status int, wrote bool)
		}{
			{"new order", func() (int, bool) { no, s, _, _ := rig.order(0); return s, rig.rows(no) != 0 }},
			{"invalid order", func() (int, bool) { s, _, _ := rig.post(0, `{"out_order_no": "bad"}`); return s, rig.rows("bad") != 0 }},
			{"repeated order", func() (int, bool) {
				s, _, _ := rig.post(0, fmt.Sprintf(`{"out_order_no": %q, "amount": 100, "auth_code": "134567890123456789"}`, repeat))
				return s, false
			}},
			{"refund", func() (int, bool) { s := rig.refund(0, paid, "RF2"); return s, rig.refunds(paid) != 1 }},
		}
		for _, p := range probes {
			var err error
			rig.secret, _, err = rig.auths[1].IssueToken(ctx, rig.shop, posguard.TokenAPI, time.Hour, p.name)
			if err != nil {
				t.Fatal(err)
			}
			want(p.name+": warm", 201, "succeeded", "") // the token kept at the current version
			toks, err := st.Access().Tokens(ctx, "shop", posguard.TokenAPI)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range toks {
				if tk.RevokedAt.IsZero() {
					if err := st.Access().RevokeToken(ctx, tk.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			if s, wrote := p.do(); s != 401 || wrote {
				t.Fatalf("%s after the revocation: %d, wrote %v; want 401, nothing written", p.name, s, wrote)
			}
		}
	})
}

// TestQROrderRevocationRace: clients keep sending orders to both
// instances while the token is revoked; no order that started after the
// revocation committed is accepted or journaled.
func TestQROrderRevocationRace(t *testing.T) {
	onBoth(t, func(t *testing.T, st cacheStore) {
		ctx := context.Background()
		rig := newKnownRig(t, st)
		const clients, after = 4, 5
		var revoked atomic.Bool
		started := make(chan struct{}, 64)
		var mu sync.Mutex
		var late []string // orders started after the revocation committed
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for n := 0; n < after; {
					was := revoked.Load()
					no, status, _, _ := rig.order(c % 2)
					if was {
						n++
						mu.Lock()
						late = append(late, no)
						mu.Unlock()
						if status != 401 {
							t.Errorf("order %s started after the revocation: %d", no, status)
						}
					} else if status != 201 && status != 401 {
						t.Errorf("order %s: %d", no, status)
					}
					select {
					case started <- struct{}{}:
					default:
					}
				}
			})
		}
		for range 3 * clients { // orders answered on both instances
			<-started
		}
		toks, err := st.Access().Tokens(ctx, "shop", posguard.TokenAPI)
		if err != nil || len(toks) != 1 {
			t.Fatalf("tokens: %v %v", toks, err)
		}
		if err := st.Access().RevokeToken(ctx, toks[0].ID); err != nil {
			t.Fatal(err)
		}
		revoked.Store(true)
		go func() {
			for range started {
			}
		}()
		wg.Wait()
		close(started)
		for _, no := range late {
			if rig.rows(no) != 0 {
				t.Fatalf("order %s, started after the revocation, was journaled", no)
			}
		}
		list, err := st.QR().QROrders(ctx, posguard.QROrderFilter{MerchantID: knownMerchant, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if got := rig.okRecords(); got != len(list) {
			t.Fatalf("%d orders journaled, %d ok audit records", len(list), got)
		}
	})
}

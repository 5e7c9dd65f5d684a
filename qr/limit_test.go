package qr_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// limitStore is what the daily-limit tests need of a store.
type limitStore interface {
	posguard.MerchantStore
	posguard.SettingStore
	QR() posguard.QRStore
	PutWalletChannel(ctx context.Context, c *posguard.WalletChannel) error
	PutMerchantWallet(ctx context.Context, w *posguard.MerchantWallet) error
	Close() error
}

// TestQRDailyLimitReservedSQLite and TestQRDailyLimitReservedPostgres send
// many orders at the same instant to a merchant at its daily limits: as
// many pass as the limit allows, not one more, the rest are failed with
// the documented reason, and the payer is charged for exactly the orders
// that passed. On PostgreSQL two engines (two instances) share the
// database and the orders are split between them.
func TestQRDailyLimitReservedSQLite(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "q.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	testDailyLimitReserved(t, []limitStore{st})
}

func TestQRDailyLimitReservedPostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	var sts []limitStore
	sealer := storetest.NewSealer()
	for range 2 {
		st, err := postgres.Open(ctx, url, sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		sts = append(sts, st)
	}
	testDailyLimitReserved(t, sts)
}

func testDailyLimitReserved(t *testing.T, sts []limitStore) {
	ctx := context.Background()
	sim, url := startSim(t, `
wallet_channels:
  - { name: "wx", kind: wechat, url: "http://127.0.0.1:1/wx", app_id: "wxlimit", key: "`+benchKey+`" }
merchants:
  - { id: "MC", wallet: { mch_id: "1900000201" } }
  - { id: "MA", wallet: { mch_id: "1900000202" } }
payers:
  - { code: "131", channel: "wx", balance: 100000000, behavior: ok }
  - { code: "132", channel: "wx", balance: 100000000, behavior: ok }
`)
	st := sts[0]
	// MC may take 7 orders a day, MA 1,000 fen (orders of 300: three pass).
	for _, m := range []struct {
		id, mch string
		limits  posguard.Limits
	}{{"MC", "1900000201", posguard.Limits{DailyCount: 7}}, {"MA", "1900000202", posguard.Limits{Daily: 1000}}} {
		putShop(ctx, t, st, &posguard.Merchant{ID: m.id, Name: "shop " + m.id, MCC: "5411", Status: posguard.MerchantActive, Limits: m.limits}, m.mch)
	}
	putWX(ctx, t, st, url, "wxlimit")
	var engines []*qr.Engine
	for _, s := range sts {
		e := &qr.Engine{Store: s.QR(), Merchants: s, Settings: s, Wait: 5 * time.Second, PublicURL: "http://127.0.0.1:9"}
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	const n = 40
	type result struct {
		o   *posguard.QROrder
		err error
	}
	for _, c := range []struct {
		merchant, payer, reason string
		amount                  int64
		allowed                 int
	}{{"MC", "131", posguard.ReasonQRDailyCount, 100, 7}, {"MA", "132", posguard.ReasonQRDailyAmount, 300, 3}} {
		results := make([]result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				e := engines[i%len(engines)]
				o, _, err := e.Create(ctx, qr.OrderInput{MerchantID: c.merchant, OutOrderNo: fmt.Sprintf("L%s%d", c.merchant, i), Amount: c.amount,
					Mode: posguard.QRMicropay, AuthCode: fmt.Sprintf("%s%015d", c.payer, i), Hash: fmt.Sprint(i)})
				results[i] = result{o, err}
			}()
		}
		close(start)
		wg.Wait()
		passed, refused := 0, 0
		for i, r := range results {
			switch {
			case r.err != nil:
				t.Fatalf("%s order %d: %v", c.merchant, i, r.err)
			case r.o.State == posguard.QRSucceeded:
				passed++
			case r.o.State == posguard.QRFailed && r.o.Reason == c.reason:
				refused++
				if r.o.OutTradeNo != "" || r.o.Task != posguard.QRTaskNone {
					t.Errorf("%s order %d refused by the limit but has out_trade_no %q, task %q", c.merchant, i, r.o.OutTradeNo, r.o.Task)
				}
			default:
				t.Errorf("%s order %d: %s %s", c.merchant, i, r.o.State, r.o.Reason)
			}
		}
		if passed != c.allowed || refused != n-c.allowed {
			t.Errorf("%s: %d passed, %d refused (%s); want %d and %d", c.merchant, passed, refused, c.reason, c.allowed, n-c.allowed)
		}
		// The payer was charged for the orders that passed, no more.
		var charged int64
		charges := 0
		for _, a := range sim.Accounts() {
			if a.Code != c.payer {
				continue
			}
			for _, ch := range a.Charges {
				charged += ch.Amount
				charges++
			}
		}
		if charges != c.allowed || charged != int64(c.allowed)*c.amount {
			t.Errorf("%s: payer %s charged %d times, %d fen; want %d times, %d fen", c.merchant, c.payer, charges, charged, c.allowed, int64(c.allowed)*c.amount)
		}
		used, count, err := st.QR().QRDailyUsage(ctx, c.merchant, qr.DayStart(time.Now()), qr.DayStart(time.Now()).AddDate(0, 0, 1))
		if err != nil || count != c.allowed || int64(used) != int64(c.allowed)*c.amount {
			t.Errorf("%s: daily usage %d fen in %d orders (%v)", c.merchant, used, count, err)
		}
	}
}

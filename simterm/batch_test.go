package simterm

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

func TestVoidAndRefundCarryTheOriginal(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	h.batch = "000005"
	term := dialTest(t, h, nil)
	ctx := context.Background()
	sale, err := term.Sale(ctx, testCard, 8800)
	if err != nil {
		t.Fatal(err)
	}
	void, err := term.Void(ctx, sale)
	if err != nil || !void.Approved() {
		t.Fatalf("void: %v %+v", err, void)
	}
	refund, err := term.Refund(ctx, sale, 3000)
	if err != nil || !refund.Approved() {
		t.Fatalf("refund: %v %+v", err, refund)
	}
	reqs := h.requests()
	v, r := reqs[2].msg, reqs[3].msg
	for _, c := range []struct {
		name string
		m    *iso8583.Message
		want map[int]string
	}{
		{"void", v, map[int]string{3: "200000", 4: "000000008800", 11: "000003", 22: "022", 37: sale.RRN, 38: sale.AuthCode,
			60: "23000005000", 61: "000005" + sale.STAN}},
		{"refund", r, map[int]string{3: "200000", 4: "000000003000", 11: "000004", 22: "022", 37: sale.RRN,
			60: "25000005000", 61: "000005" + sale.STAN + "0615"}},
	} {
		for n, want := range c.want {
			if got := c.m.Get(n); got != want {
				t.Errorf("%s field %d = %q, want %q", c.name, n, got, want)
			}
		}
		if c.m.Has(52) {
			t.Errorf("%s carries a PIN block", c.name)
		}
	}
	if r.MTI != "0220" || v.MTI != "0200" {
		t.Errorf("MTIs void %s refund %s", v.MTI, r.MTI)
	}
	recs := term.Records()
	if len(recs) != 3 || !recs[0].Voided {
		t.Errorf("records %+v: want the sale (voided), the void and the refund", recs)
	}
	want := posguard.BatchTotals{DomesticDebitAmount: 8800, DomesticDebitCount: 1, DomesticCreditAmount: 11800, DomesticCreditCount: 2}
	if got := term.Totals(); got != want {
		t.Errorf("totals %+v, want %+v", got, want)
	}
	if _, err := term.Void(ctx, void); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("void of a void: %v, want EINVALID", err)
	}
}

func TestRefundIsNotReversed(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	term := dialTest(t, h, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	sale, err := term.Sale(context.Background(), testCard, 100)
	if err != nil {
		t.Fatal(err)
	}
	h.setScript(func(m *iso8583.Message) reply { return reply{silent: m.MTI == "0220"} })
	res, err := term.Refund(context.Background(), sale, 100)
	if posguard.ErrorCode(err) != posguard.ETIMEOUT || !res.TimedOut {
		t.Fatalf("refund without answer: %v %+v", err, res)
	}
	if _, ok := term.PendingReversal(); ok {
		t.Error("a refund left a reversal record")
	}
}

func TestSettleSendsTotalsAndRollsBatch(t *testing.T) {
	for _, tc := range []struct {
		name, hostBatch, next string
		unbalanced            bool
	}{
		{"balanced", "000005", "000006", false},
		{"wrap", "999999", "000001", false},
		{"unbalanced closes too", "000100", "000101", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
			h.batch = tc.hostBatch
			term := dialTest(t, h, nil)
			ctx := context.Background()
			s1, _ := term.Sale(ctx, testCard, 1000)
			term.Sale(ctx, testCard, 2500)
			h.setScript(func(m *iso8583.Message) reply {
				if m.MTI == "0200" {
					return reply{code: "51"}
				}
				return reply{unbal: tc.unbalanced}
			})
			term.Sale(ctx, testCard, 99999) // declined: counts nowhere
			h.setScript(func(m *iso8583.Message) reply { return reply{unbal: tc.unbalanced} })
			term.Void(ctx, s1)
			res, err := term.Settle(ctx)
			if err != nil || res.Code != "00" {
				t.Fatalf("settle: %v %+v", err, res)
			}
			reqs := h.requests()
			m := reqs[len(reqs)-1].msg
			want := "000000003500002000000001000001" + "0" + "000000000000000000000000000000" + "0"
			if m.MTI != "0500" || m.Get(48) != want || m.Get(60) != "00"+tc.hostBatch+"201" {
				t.Errorf("0500: mti %s 48 %s 60 %s", m.MTI, m.Get(48), m.Get(60))
			}
			if res.Balanced == tc.unbalanced {
				t.Errorf("balanced %v", res.Balanced)
			}
			if got := term.Batch(); got != tc.next {
				t.Errorf("batch after settlement %s, want %s", got, tc.next)
			}
			if n := len(term.Records()); n != 0 {
				t.Errorf("%d records left in the new batch", n)
			}
			// The next sale is in the new batch.
			h.setScript(nil)
			if _, err := term.Sale(ctx, testCard, 10); err != nil {
				t.Fatal(err)
			}
			reqs = h.requests()
			if got := reqs[len(reqs)-1].msg.Get(60); got != "22"+tc.next+"000" {
				t.Errorf("sale after settlement: 60 %s", got)
			}
		})
	}
}

func TestSTANIncrementsAndWraps(t *testing.T) {
	h := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	term := dialTest(t, h, func(c *Config) { c.STAN = 999998 })
	ctx := context.Background()
	if err := term.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	term.Sale(ctx, testCard, 1)
	term.Echo(ctx)
	h.setScript(func(m *iso8583.Message) reply {
		if m.MTI == "0200" {
			return reply{code: "98"}
		}
		return reply{}
	})
	term.Sale(ctx, testCard, 2)
	h.setScript(nil)
	term.Inquiry(ctx, testCard)
	var got []string
	for _, s := range h.requests() {
		got = append(got, s.msg.MTI+":"+s.msg.Get(11))
	}
	// The reversal reuses its original's STAN and takes none of its own.
	want := []string{"0800:999999", "0200:000001", "0820:000002", "0200:000003", "0400:000003", "0200:000004"}
	if len(got) != len(want) {
		t.Fatalf("host saw %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: %s, want %s", i, got[i], want[i])
		}
	}
}

func TestNextSTAN(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, 1}, {1, 2}, {999998, 999999}, {999999, 1}, {-5, 1}} {
		if got := nextSTAN(tc.in); got != tc.want {
			t.Errorf("nextSTAN(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestBookTotals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		records []Record
		want    posguard.BatchTotals
	}{
		{"empty", nil, posguard.BatchTotals{}},
		{"sales and a voided sale", []Record{
			{Type: posguard.TxnSale, Amount: 100, Domestic: true},
			{Type: posguard.TxnSale, Amount: 250, Domestic: true, Voided: true},
			{Type: posguard.TxnVoid, Amount: 250, Domestic: true},
		}, posguard.BatchTotals{DomesticDebitAmount: 350, DomesticDebitCount: 2, DomesticCreditAmount: 250, DomesticCreditCount: 1}},
		{"refund and foreign", []Record{
			{Type: posguard.TxnSale, Amount: 1000, Domestic: false},
			{Type: posguard.TxnRefund, Amount: 400, Domestic: true},
			{Type: posguard.TxnCompletion, Amount: 70, Domestic: true},
			{Type: posguard.TxnCompletionVoid, Amount: 70, Domestic: false},
		}, posguard.BatchTotals{DomesticDebitAmount: 70, DomesticDebitCount: 1, DomesticCreditAmount: 400, DomesticCreditCount: 1,
			ForeignDebitAmount: 1000, ForeignDebitCount: 1, ForeignCreditAmount: 70, ForeignCreditCount: 1}},
		{"inquiries count nowhere", []Record{{Type: posguard.TxnInquiry, Amount: 5, Domestic: true}}, posguard.BatchTotals{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := book{batch: "000001", records: tc.records}
			if got := b.totals(); got != tc.want {
				t.Errorf("totals %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestBookAdoptAndRoll(t *testing.T) {
	b := book{batch: "000009", records: []Record{{Type: posguard.TxnSale, Amount: 1, Domestic: true}}}
	b.adopt("000009")
	if len(b.records) != 1 {
		t.Error("adopting the same batch dropped records")
	}
	b.adopt("000011")
	if b.batch != "000011" || len(b.records) != 0 {
		t.Errorf("adopt another batch: %+v", b)
	}
	b.batch = "999999"
	b.add(Record{Type: posguard.TxnSale})
	b.roll()
	if b.batch != "000001" || len(b.records) != 0 {
		t.Errorf("roll: %+v", b)
	}
}

func TestBalanced(t *testing.T) {
	zero := "000000000000000000000000000000"
	for _, tc := range []struct {
		f48  string
		want bool
	}{
		{zero + "1" + zero + "1", true},
		{zero + "2" + zero + "1", false},
		{zero + "1" + zero + "2", false},
		{zero + "1", true},
		{zero, false},
		{"", false},
	} {
		if got := balanced(tc.f48); got != tc.want {
			t.Errorf("balanced(%q) = %v", tc.f48, got)
		}
	}
}

package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

func openBench(b *testing.B, group bool) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	s.SetGroupCommit(group)
	b.Cleanup(func() { s.Close() })
	return s
}

func journalTxn(i int) *posguard.Transaction {
	return &posguard.Transaction{
		TxnKey:         posguard.TxnKey{TerminalID: fmt.Sprintf("9%07d", i%1000), Batch: "000001", STAN: fmt.Sprintf("%06d", i/1000+1), MTI: "0200"},
		Type:           posguard.TxnSale,
		ContentHash:    "4f2d1c",
		MerchantID:     "898310048990001",
		PANMasked:      "622202*********0018",
		CardOrg:        "CUP",
		Amount:         1000,
		Currency:       posguard.CurrencyCNY,
		SettlementDate: "2026-11-22",
		State:          posguard.StateForwarded,
		Detail:         map[string]string{"route": "cups"},
	}
}

// BenchmarkByKey100k measures the idempotency lookup (Journal.ByKey) on a
// journal of 100,000 transactions: hit finds the transaction, miss finds
// nothing (the usual case on the sale path: a new request).
func BenchmarkByKey100k(b *testing.B) {
	b.Run("hit", func(b *testing.B) { benchByKey(b, true) })
	b.Run("miss", func(b *testing.B) { benchByKey(b, false) })
}

func benchByKey(b *testing.B, hit bool) {
	s := openBench(b, true)
	ctx := context.Background()
	const rows = 100_000
	err := s.group.Do(ctx, "fill", func(ctx context.Context, tx sqlstore.Querier) error {
		const ins = `INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash, merchant_id,
			pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode, settlement_date, rrn, auth_code,
			response_code, reason, state, orig_id, refunded_amount, upstream_stan, upstream_time, answer, detail, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		for i := range rows {
			t := journalTxn(i)
			if _, err := tx.Exec(ctx, ins, t.TerminalID, t.Batch, t.STAN, t.MTI, string(t.Type), t.ContentHash, t.MerchantID,
				t.PANMasked, t.PANHash, t.IssuerBIN, t.CardOrg, int64(t.Amount), t.Currency, t.ProcCode, t.EntryMode,
				t.SettlementDate, t.RRN, t.AuthCode, t.ResponseCode, t.Reason, string(t.State), t.OrigID, int64(t.RefundedAmount),
				t.UpstreamSTAN, t.UpstreamTime, nil, `{"route":"cups"}`, 1, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := journalTxn((i * 7919) % rows).TxnKey
		if !hit {
			k.MTI = "0220"
		}
		if _, err := s.ByKey(ctx, k); (err == nil) != hit {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkJournalAppend measures the switch's journal writes for one sale:
// Insert (forwarded) then Update (approved, answer, detail), each durable,
// from one goroutine and from many, with group commit on and off.
func BenchmarkJournalAppend(b *testing.B) {
	storetest.BenchJournalAppend(b, func(b *testing.B, group bool) posguard.Journal { return openBench(b, group) }, journalTxn)
}

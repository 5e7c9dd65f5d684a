package http_test

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
	"github.com/posguard/posguard/simnet"
)

// fixtureDisputes are the disputes of the full server's fixture: two of
// M1 (a chargeback and a retrieval request on its approved sale) and one
// of M2, imported through the dispute service. Its network is an empty
// simnet in process: fetching imports nothing, and it refuses responses to
// disputes it never raised (409; won and lost responses are tested with
// simnet over TCP and HTTP in dispute_test.go and dispute/).
type fixtureDisputes struct {
	cbM1, rrM1, cbM2 string
	evM1, evM2       int64 // a piece of evidence of cbM1 and cbM2
}

// addDisputes wires a dispute service into f's API and imports the
// fixture's disputes.
func addDisputes(t *testing.T, f *fullServer, now func() time.Time) {
	t.Helper()
	ctx := context.Background()
	svc := &dispute.Service{Store: f.store, Ledger: f.store.Money(), Audit: f.store.Access(), Now: now,
		Network: simnet.New(nil, nil, simnet.Options{Now: now}).DisputeLink()}
	f.apiServer.Disputes = svc
	var m2sale *posguard.Transaction
	for _, x := range f.txns {
		if x.MerchantID == m2 && x.State == posguard.StateApproved {
			m2sale = x
			break
		}
	}
	notice := func(id string, kind posguard.DisputeKind, code string, x *posguard.Transaction) dispute.Notice {
		return dispute.Notice{ID: id, Kind: kind, ReasonCode: code, RRN: x.RRN, Trace: x.STAN, Terminal: x.TerminalID,
			Merchant: x.MerchantID, Card: x.PANMasked, Amount: x.Amount, Currency: "156", TxnDate: x.SettlementDate, RaisedAt: t0.Add(20 * time.Hour)}
	}
	f.disputes = fixtureDisputes{cbM1: "CB2026030200001", rrM1: "RR2026030200002", cbM2: "CB2026030200003"}
	rep, err := svc.Import(ctx, []dispute.Notice{
		notice(f.disputes.cbM1, posguard.DisputeChargeback, "4515", f.approved),
		notice(f.disputes.rrM1, posguard.DisputeRetrieval, "6301", f.approved),
		notice(f.disputes.cbM2, posguard.DisputeChargeback, "4512", m2sale),
	}, dispute.System)
	if err != nil || len(rep.Created) != 3 {
		t.Fatalf("fixture disputes: %+v %v", rep, err)
	}
	for _, x := range []struct {
		id string
		ev *int64
	}{{f.disputes.cbM1, &f.disputes.evM1}, {f.disputes.cbM2, &f.disputes.evM2}} {
		es, err := f.store.DisputeEvidence(ctx, x.id)
		if err != nil || len(es) == 0 {
			t.Fatalf("fixture evidence of %s: %v", x.id, err)
		}
		*x.ev = es[0].ID
	}
}

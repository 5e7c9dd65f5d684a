package settlement

import (
	"context"
	"encoding/csv"
	"io"
	"sort"
	"strconv"

	"github.com/posguard/posguard"
)

// StatementRow is one day's or month's money of a merchant, from the ledger.
type StatementRow struct {
	Period     string // YYYY-MM-DD or YYYY-MM
	Sales      int
	SalesGross posguard.Amount
	Voids      posguard.Amount // gross taken back by voids
	Refunds    posguard.Amount
	Reversals  posguard.Amount // net undone by reversals
	Fees       posguard.Amount // fees kept (item fees net of returns, D0 fees)
	Earned     posguard.Amount // net sales minus fees
	Settled    posguard.Amount // moved into batches
	Paid       posguard.Amount // credited by the bank, less returns
	Held       posguard.Amount // moved to held by failures and returns
	Resettled  posguard.Amount // moved from held to new payouts
	// The QR part of the columns above (wallet channel payments): paid
	// orders, their gross, the gross refunded, and the fees kept on them.
	QRSales   int
	QRGross   posguard.Amount
	QRRefunds posguard.Amount
	QRFees    posguard.Amount
}

// Statement folds merchant mid's postings dated in [from, to] into one row
// per day, or per month when monthly is set, oldest first.
func Statement(ctx context.Context, s posguard.LedgerStore, mid, from, to string, monthly bool) ([]StatementRow, error) {
	ps, err := s.MerchantPostings(ctx, mid, from, to)
	if err != nil {
		return nil, err
	}
	return fold(ps, monthly), nil
}

// fold folds postings into one row per day or month, oldest first.
func fold(ps []*posguard.Posting, monthly bool) []StatementRow {
	by := map[string]*StatementRow{}
	for _, p := range ps {
		key := p.Date
		if monthly && len(key) >= 7 {
			key = key[:7]
		}
		r := by[key]
		if r == nil {
			r = &StatementRow{Period: key}
			by[key] = r
		}
		if p.Kind.Item() {
			r.Earned += p.Net
			r.Fees += p.Fee
		}
		switch p.Kind {
		case posguard.PostApproval:
			r.Sales++
			r.SalesGross += p.Gross
		case posguard.PostVoid:
			r.Voids += p.Gross
		case posguard.PostRefund:
			r.Refunds += p.Gross
		case posguard.PostReversal:
			r.Reversals -= p.Net
		case posguard.PostD0Fee:
			r.Fees += p.Gross
			r.Earned -= p.Gross
		case posguard.PostSettlement:
			r.Settled += p.Gross
		case posguard.PostPayout:
			r.Paid += p.Gross
		case posguard.PostReturn:
			r.Paid -= p.Gross
			r.Held += p.Gross
		case posguard.PostPayoutFailed:
			r.Held += p.Gross
		case posguard.PostResettlement:
			r.Resettled += p.Gross
		}
		if p.CardKind == KindQR {
			switch p.Kind {
			case posguard.PostApproval:
				r.QRSales++
				r.QRGross += p.Gross
				r.QRFees += p.Fee
			case posguard.PostRefund:
				r.QRRefunds += p.Gross
				r.QRFees += p.Fee
			}
		}
	}
	out := make([]StatementRow, 0, len(by))
	for _, r := range by {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Period < out[j].Period })
	return out
}

// statementHeader names the columns of the exports (zh / en).
var statementHeader = []string{"期间 period", "笔数 sales", "交易金额 sales", "撤销 voids", "退货 refunds",
	"冲正 reversals", "手续费 fees", "应结金额 earned", "已结算 settled", "已到账 paid", "挂账 held", "重新结算 resettled",
	"扫码笔数 qr sales", "扫码金额 qr sales", "扫码退款 qr refunds", "扫码手续费 qr fees"}

// cells renders a row; amounts as yuan with two decimals.
func (r StatementRow) cells() []string {
	return []string{r.Period, strconv.Itoa(r.Sales), r.SalesGross.String(), r.Voids.String(), r.Refunds.String(),
		r.Reversals.String(), r.Fees.String(), r.Earned.String(), r.Settled.String(), r.Paid.String(),
		r.Held.String(), r.Resettled.String(), strconv.Itoa(r.QRSales), r.QRGross.String(), r.QRRefunds.String(), r.QRFees.String()}
}

// WriteCSV writes rows as CSV with a header line.
func WriteCSV(w io.Writer, rows []StatementRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(statementHeader); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

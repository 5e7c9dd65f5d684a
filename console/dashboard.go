package console

import (
	"html/template"
	"net/http"
	"sort"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/settlement"
)

// causeScan is how many of a merchant's latest transactions of the day
// its dashboard groups by cause.
const causeScan = 500

// causeRow is one failure cause with its count and what to do.
type causeRow struct {
	Code, Name, Todo string
	Count            int
	// QR marks a cause of QR orders (QRState: their state, for the link).
	QR      bool
	QRState string
}

// merchantDash is a merchant user's dashboard.
type merchantDash struct {
	Merchant     *posguard.Merchant
	SalesAmount  posguard.Amount
	SalesCount   int
	Total        int64
	Failed       int64
	ApprovalRate float64
	Causes       []causeRow
	Scanned      int
	Payable      posguard.Amount // owed, not yet settled
	InFlight     posguard.Amount // settled, payout at the bank
	Held         posguard.Amount // payout failed or returned
	Chart        template.HTML   // paid and held by day
	RatioChart   template.HTML   // approval ratio by hour, 24 h
}

// staffDash is the operations dashboard.
type staffDash struct {
	PerMinute     float64
	Total, Failed int64
	ApprovalRate  float64
	Chart         template.HTML // failures by cause, by hour
	RatioChart    template.HTML // approval ratio, by hour
	Incidents     []*posguard.Incident
	Reversals     int
	OldestRev     time.Duration
	RevChart      template.HTML // reversal queue by age
	HeldCount     int
	HeldAmount    posguard.Amount
	// Jobs are the scheduler's latest runs (close of day, T+1, payouts,
	// reconciliation, D0), when the store keeps them.
	Jobs []*posguard.Job
}

// dashboard serves GET /: the merchant's or the operations dashboard.
func (s *Server) dashboard(q *request) error {
	if q.user.Staff() {
		d, err := s.staffDashboard(q)
		if err != nil {
			return err
		}
		return q.render(http.StatusOK, "dashboard_staff", "nav.dashboard", d)
	}
	d, err := s.merchantDashboard(q)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "dashboard_merchant", "nav.dashboard", d)
}

// merchantDashboard gathers today's sales (UTC+8 day), approvals and
// failures, the causes of today's failures among its latest transactions
// with what to do, and where its money is.
func (s *Server) merchantDashboard(q *request) (*merchantDash, error) {
	ctx := q.r.Context()
	mid := q.user.MerchantID
	d := &merchantDash{}
	m, err := s.Store.Merchant(ctx, mid)
	if err != nil {
		return nil, err
	}
	d.Merchant = m
	start := s.todayStart()
	if d.SalesAmount, d.SalesCount, err = s.Store.DailyUsage(ctx, mid, day(start)); err != nil {
		return nil, err
	}
	// The merchant's latest transactions, newest first through its
	// (merchant_id, id) index; today's are the leading ones. (A time range
	// in the filter would make the database walk today's rows of every
	// merchant instead.)
	list, err := s.Store.List(ctx, posguard.TxnFilter{MerchantID: mid, Limit: causeScan})
	if err != nil {
		return nil, err
	}
	by := map[string]*causeRow{}
	for _, t := range list {
		if t.CreatedAt.Before(start) {
			break
		}
		d.Scanned++
		if !t.Type.MovesMoney() && t.Type != posguard.TxnInquiry {
			continue
		}
		d.Total++
		if !failed(t) {
			continue
		}
		d.Failed++
		x := diagnosis.Explain(t.ResponseCode, t.Reason, nil)
		key := x.Entry.Key
		if !x.Known {
			key = "39:" + t.ResponseCode
		}
		c := by[key]
		if c == nil {
			c = &causeRow{Code: t.ResponseCode, Name: x.Entry.Name.In(q.lang)}
			if c.Name == "" {
				c.Name = t.ResponseCode
			}
			if len(x.Entry.Remedy) > 0 {
				c.Todo = x.Entry.Remedy[0].In(q.lang)
			}
			by[key] = c
		}
		c.Count++
	}
	if err := s.qrCauses(q, mid, start, d, by); err != nil {
		return nil, err
	}
	for _, c := range by {
		d.Causes = append(d.Causes, *c)
	}
	sort.Slice(d.Causes, func(i, j int) bool {
		if d.Causes[i].Count != d.Causes[j].Count {
			return d.Causes[i].Count > d.Causes[j].Count
		}
		return d.Causes[i].Name < d.Causes[j].Name
	})
	if d.Total > 0 {
		d.ApprovalRate = 1 - float64(d.Failed)/float64(d.Total)
	}
	if s.Reports != nil {
		now := s.now().UTC()
		_, series, err := s.Reports.Failures(ctx, posguard.DimMerchant, posguard.WindowHour, mid, now.Add(-24*time.Hour), now)
		if err != nil {
			return nil, err
		}
		d.RatioChart = ratioChart(q, now, series)
	}
	if money := s.money(); money != nil {
		bals, err := money.Balances(ctx, posguard.BalanceFilter{MerchantID: mid})
		if err != nil {
			return nil, err
		}
		// Balances are the acquirer's liabilities: credit balances, negative.
		for _, b := range bals {
			switch b.Account.Kind() {
			case posguard.AccountMerchantPayable:
				d.Payable -= b.Amount
			case posguard.AccountPayoutClearing:
				d.InFlight -= b.Amount
			case posguard.AccountHeld:
				d.Held -= b.Amount
			}
		}
		rows, err := settlement.Statement(ctx, money, mid, day(start.AddDate(0, 0, -13)), day(start), false)
		if err != nil {
			return nil, err
		}
		d.Chart = s.moneyChart(q, start, rows)
	}
	return d, nil
}

// moneyChart draws what was paid and held per day over the 14 days to
// start.
func (s *Server) moneyChart(q *request, start time.Time, rows []settlement.StatementRow) template.HTML {
	byDay := map[string]settlement.StatementRow{}
	for _, r := range rows {
		byDay[r.Period] = r
	}
	var labels []string
	paid := chartSeries{Name: q.T("dash.paid"), Color: "#27ae60"}
	held := chartSeries{Name: q.T("dash.held"), Color: "#c0392b"}
	for i := 13; i >= 0; i-- {
		d := day(start.AddDate(0, 0, -i))
		labels = append(labels, d[5:])
		paid.Values = append(paid.Values, float64(byDay[d].Paid)/100)
		held.Values = append(held.Values, float64(byDay[d].Held)/100)
	}
	return barChart(q.T("dash.money_chart"), labels, []chartSeries{paid, held}, countFmt)
}

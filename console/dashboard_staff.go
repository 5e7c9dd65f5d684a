package console

import (
	"html/template"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/diagnosis"
)

// staffDashboard gathers the last 24 hours from the rollups by cause
// category (rate, approval ratio, failures by cause per hour), the open
// incidents, the reversal queue and the held payouts.
func (s *Server) staffDashboard(q *request) (*staffDash, error) {
	ctx := q.r.Context()
	d := &staffDash{}
	now := s.now().UTC()
	if s.Reports != nil {
		from := now.Add(-24 * time.Hour)
		totals, series, err := s.Reports.Failures(ctx, posguard.DimCategory, posguard.WindowHour, "", from, now)
		if err != nil {
			return nil, err
		}
		for _, t := range totals {
			d.Total += t.Total
			d.Failed += t.Failed
		}
		if d.Total > 0 {
			d.ApprovalRate = 1 - float64(d.Failed)/float64(d.Total)
		}
		var lastHour int64
		for _, r := range series {
			if !r.Bucket.Before(now.Add(-time.Hour).Truncate(time.Hour)) {
				lastHour += r.Total
			}
		}
		d.PerMinute = float64(lastHour) / 60
		d.Chart = causeChart(q, from, now, totals, series)
		d.RatioChart = ratioChart(q, now, series)
		if d.Incidents, err = s.Reports.Store.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen, Limit: 20}); err != nil {
			return nil, err
		}
	}
	if js, ok := s.Store.(posguard.JobStore); ok {
		jobs, err := js.Jobs(ctx, posguard.JobFilter{Limit: 8})
		if err != nil {
			return nil, err
		}
		d.Jobs = jobs
	}
	revs, err := s.Store.Reversals(ctx, posguard.ReversalPending, 1000)
	if err != nil {
		return nil, err
	}
	d.Reversals = len(revs)
	ages := []struct {
		key string
		max time.Duration
	}{{"age.1m", time.Minute}, {"age.10m", 10 * time.Minute}, {"age.1h", time.Hour}, {"age.1d", 24 * time.Hour}, {"age.more", 1 << 62}}
	byAge := make([]float64, len(ages))
	for _, r := range revs {
		age := max(now.Sub(r.CreatedAt), 0)
		d.OldestRev = max(d.OldestRev, age)
		for i, a := range ages {
			if age < a.max {
				byAge[i]++
				break
			}
		}
	}
	labels := make([]string, len(ages))
	for i, a := range ages {
		labels[i] = q.T(a.key)
	}
	d.RevChart = barChart(q.T("dash.rev_chart"), labels, []chartSeries{{Name: q.T("dash.reversals"), Color: "#8e44ad", Values: byAge}}, countFmt)
	if m := s.money(); m != nil {
		ps, err := m.Payouts(ctx, posguard.PayoutFilter{States: heldStates, Limit: 10000})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.ResettledBy == "" {
				d.HeldCount++
				d.HeldAmount += p.Amount
			}
		}
	}
	return d, nil
}

// causeChart draws failures by cause category per hour, the five biggest
// categories apart and the rest together.
func causeChart(q *request, from, to time.Time, totals, series []analytics.Rate) template.HTML {
	var cats []string
	for _, t := range totals {
		if t.Key != diagnosis.CategorySuccess && t.Failed > 0 {
			cats = append(cats, t.Key)
		}
	}
	other := ""
	if len(cats) > 5 {
		cats, other = cats[:5], "other"
	}
	idx := map[string]int{}
	out := make([]chartSeries, 0, len(cats)+1)
	for i, c := range cats {
		idx[c] = i
		out = append(out, chartSeries{Name: q.T("category." + c), Color: palette[i%len(palette)]})
	}
	if other != "" {
		out = append(out, chartSeries{Name: q.T("category.other"), Color: palette[5]})
	}
	start := from.Truncate(time.Hour)
	var labels []string
	for h := start; h.Before(to); h = h.Add(time.Hour) {
		labels = append(labels, h.In(beijing).Format("15:04"))
	}
	for i := range out {
		out[i].Values = make([]float64, len(labels))
	}
	for _, r := range series {
		if r.Key == diagnosis.CategorySuccess || r.Failed == 0 {
			continue
		}
		slot := int(r.Bucket.Sub(start) / time.Hour)
		if slot < 0 || slot >= len(labels) {
			continue
		}
		i, ok := idx[r.Key]
		if !ok {
			if other == "" {
				continue
			}
			i = len(out) - 1
		}
		out[i].Values[slot] += float64(r.Failed)
	}
	return barChart(q.T("dash.cause_chart"), labels, out, countFmt)
}

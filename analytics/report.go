package analytics

import (
	"context"
	"sort"
	"time"

	"github.com/posguard/posguard"
)

// Reports answers questions from the rollups, incidents and terminal
// records. Set Store.
type Reports struct {
	Store Store
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// MinFirmware maps a terminal model to the lowest firmware version
	// that is not flagged (dotted numbers compared numerically).
	MinFirmware map[string]string
	// Thresholds for Attention; zero takes the default shown.
	ErrorRate    float64       // 0.2
	ReversalRate float64       // 0.05
	MinVolume    int64         // 20 requests in the last day before rates count
	Silent       time.Duration // 24 h without a request
}

func (r *Reports) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Rate is one key's counts over a span, with rates.
type Rate struct {
	Key          string    `json:"key"`
	Bucket       time.Time `json:"bucket,omitzero"`
	Total        int64     `json:"total"`
	Failed       int64     `json:"failed"`
	Timeouts     int64     `json:"timeouts"`
	Unavailable  int64     `json:"unavailable"`
	Reversals    int64     `json:"reversals"`
	FailureRate  float64   `json:"failure_rate"`
	TimeoutRate  float64   `json:"timeout_rate"`
	ReversalRate float64   `json:"reversal_rate"`
}

func rateOf(key string, bucket time.Time, c posguard.Counts) Rate {
	return Rate{Key: key, Bucket: bucket, Total: c.Total, Failed: c.Failed, Timeouts: c.Timeouts, Unavailable: c.Unavailable,
		Reversals: c.Reversals, FailureRate: c.Rate(c.Failed), TimeoutRate: c.Rate(c.Timeouts), ReversalRate: c.Rate(c.Reversals)}
}

// Failures returns, for dimension by over [from, to) in window buckets, the
// totals per key (most failures first) and the series per bucket. EINVALID
// for an unknown dimension or window or an empty span.
func (r *Reports) Failures(ctx context.Context, by posguard.Dimension, w posguard.Window, key string, from, to time.Time) (totals, series []Rate, err error) {
	if !by.Valid() {
		return nil, nil, posguard.Errorf(posguard.EINVALID, "by: unknown dimension %q", by)
	}
	if w.Duration() == 0 {
		return nil, nil, posguard.Errorf(posguard.EINVALID, "window: unknown window %q (minute, hour or day)", w)
	}
	if !to.After(from) {
		return nil, nil, posguard.Errorf(posguard.EINVALID, "to: must be after from")
	}
	rows, err := r.Store.Rollups(ctx, posguard.RollupQuery{Window: w, Dimension: by, Key: key, From: w.Bucket(from), To: to})
	if err != nil {
		return nil, nil, err
	}
	sum := map[string]*posguard.Counts{}
	series = make([]Rate, 0, len(rows))
	for _, row := range rows {
		series = append(series, rateOf(row.Key, row.Bucket, row.Counts))
		c := sum[row.Key]
		if c == nil {
			c = &posguard.Counts{}
			sum[row.Key] = c
		}
		c.Add(row.Counts)
	}
	totals = make([]Rate, 0, len(sum))
	for k, c := range sum {
		totals = append(totals, rateOf(k, time.Time{}, *c))
	}
	sort.Slice(totals, func(i, j int) bool {
		if totals[i].Failed != totals[j].Failed {
			return totals[i].Failed > totals[j].Failed
		}
		return totals[i].Key < totals[j].Key
	})
	return totals, series, nil
}

// MerchantNotices returns the open incidents affecting merchant id and the
// notices in force for it (addressed to it or to everyone).
func (r *Reports) MerchantNotices(ctx context.Context, id string) ([]*posguard.Incident, []*posguard.Notice, error) {
	incs, err := r.Store.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen, Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	var mine []*posguard.Incident
	for _, i := range incs {
		if i.Affects(id) {
			mine = append(mine, i)
		}
	}
	notes, err := r.Store.Notices(ctx, r.now(), 1000)
	if err != nil {
		return nil, nil, err
	}
	var forMerchant []*posguard.Notice
	for _, n := range notes {
		if len(n.Merchants) == 0 {
			forMerchant = append(forMerchant, n)
			continue
		}
		for _, m := range n.Merchants {
			if m == id {
				forMerchant = append(forMerchant, n)
				break
			}
		}
	}
	return mine, forMerchant, nil
}

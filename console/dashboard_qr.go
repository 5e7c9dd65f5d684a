package console

import (
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// qrCauses adds merchant mid's QR orders of today (its latest causeScan
// orders created since start) to its dashboard, like its card requests: a
// paid order to today's sales, each final order to the approval rate, and
// each unpaid one under its reason among the causes of failure, with what
// to do and a link to those orders. A paying order is not counted yet.
func (s *Server) qrCauses(q *request, mid string, start time.Time, d *merchantDash, by map[string]*causeRow) error {
	if s.QR == nil {
		return nil
	}
	list, err := s.QR.QROrders(q.r.Context(), posguard.QROrderFilter{MerchantID: mid, From: start, Limit: causeScan})
	if err != nil {
		return err
	}
	for _, o := range list {
		if !o.State.Final() {
			continue
		}
		d.Total++
		if o.State == posguard.QRSucceeded {
			d.SalesAmount += o.Amount
			d.SalesCount++
			continue
		}
		d.Failed++
		key := "qr:" + o.Reason
		c := by[key]
		if c == nil {
			c = &causeRow{Name: o.Reason, QR: true, QRState: string(o.State)}
			if e, ok := diagnosis.Lookup(o.Reason); ok && o.Reason != "" {
				c.Name = e.Name.In(q.lang)
				if len(e.Remedy) > 0 {
					c.Todo = e.Remedy[0].In(q.lang)
				}
			}
			by[key] = c
		}
		c.Count++
	}
	return nil
}

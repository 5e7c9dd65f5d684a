package console

import (
	"net/http"
	"strconv"

	"github.com/posguard/posguard"
)

// merchantsData is the merchants page's data (staff).
type merchantsData struct {
	Rows    []merchantRow
	Page    int
	PrevURL string
	NextURL string
}

// merchantRow is a merchant with its account number masked.
type merchantRow struct {
	*posguard.Merchant
	AccountMasked string
	// FreezeReason is why a frozen merchant was frozen ("" when unknown).
	FreezeReason string
}

// merchants serves GET /merchants?page= (staff): every merchant with its
// status and since when (and why when frozen), its limits and settlement
// account (masked), each linked to its page.
func (s *Server) merchants(q *request) error {
	all, err := s.Store.Merchants(q.r.Context())
	if err != nil {
		return err
	}
	d := &merchantsData{}
	d.Page, _ = strconv.Atoi(q.Query("page"))
	if d.Page < 1 {
		d.Page = 1
	}
	start := min((d.Page-1)*pageSize, len(all))
	end := min(start+pageSize, len(all))
	for _, m := range all[start:end] {
		row := merchantRow{Merchant: m, AccountMasked: maskAccount(m.Account.Number)}
		if m.Status == posguard.MerchantFrozen && s.Risk != nil {
			row.FreezeReason = s.Risk.FreezeReason(m.ID)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Page > 1 {
		d.PrevURL = "/merchants?page=" + strconv.Itoa(d.Page-1)
	}
	if end < len(all) {
		d.NextURL = "/merchants?page=" + strconv.Itoa(d.Page+1)
	}
	return q.render(http.StatusOK, "merchants", "nav.merchants", d)
}

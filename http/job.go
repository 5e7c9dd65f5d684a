package http

import (
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
)

// jobItem is one scheduled run in GET /v1/jobs.
type jobItem struct {
	Key        string `json:"key"`
	Kind       string `json:"kind"`
	Day        string `json:"day"`
	Slot       string `json:"slot,omitempty"`
	State      string `json:"state"`
	Owner      string `json:"owner"`
	Attempts   int    `json:"attempts"`
	Result     string `json:"result,omitempty"`
	Error      string `json:"error,omitempty"`
	StartedAt  string `json:"started_at,omitempty"`
	FinishedAt string `json:"finished_at,omitempty"`
	// LeaseUntil: when a running claim expires, or when a failed or
	// waiting job is tried again.
	LeaseUntil string `json:"lease_until,omitempty"`
}

// jobList is the answer of GET /v1/jobs.
type jobList struct {
	Jobs []jobItem `json:"jobs"`
}

// jobKinds are the kinds GET /v1/jobs accepts as a filter.
var jobKinds = map[posguard.JobKind]bool{posguard.JobCloseDay: true, posguard.JobSettle: true, posguard.JobPayouts: true,
	posguard.JobRecon: true, posguard.JobD0: true}

// listJobs serves GET /v1/jobs: the scheduled runs (staff), the latest
// started first; filters day (YYYY-MM-DD) and kind; limit (1-1000, default
// 50).
func (s *Server) listJobs(w nethttp.ResponseWriter, r *nethttp.Request) {
	if s.Jobs == nil {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "the scheduler is not enabled on this host"))
		return
	}
	q := r.URL.Query()
	lim, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := posguard.JobFilter{Day: q.Get("day"), Kind: posguard.JobKind(q.Get("kind")), Limit: lim}
	if f.Day != "" {
		if _, err := time.Parse("2006-01-02", f.Day); err != nil {
			s.writeError(w, r, invalidParam("day", "%q is not a date YYYY-MM-DD", f.Day))
			return
		}
	}
	if f.Kind != "" && !jobKinds[f.Kind] {
		s.writeError(w, r, invalidParam("kind", "%q is not one of close_day, settle_t1, payouts, recon, d0", f.Kind))
		return
	}
	jobs, err := s.Jobs.Jobs(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := jobList{Jobs: make([]jobItem, 0, len(jobs))}
	for _, j := range jobs {
		out.Jobs = append(out.Jobs, jobItem{Key: j.Key, Kind: string(j.Kind), Day: j.Day, Slot: j.Slot, State: string(j.State),
			Owner: j.Owner, Attempts: j.Attempts, Result: j.Result, Error: j.Error, StartedAt: formatTime(j.StartedAt),
			FinishedAt: formatTime(j.FinishedAt), LeaseUntil: formatTime(j.LeaseUntil)})
	}
	writeJSON(w, nethttp.StatusOK, out)
}

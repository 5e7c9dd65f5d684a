package http

import (
	"net/url"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
)

// incidentView is an incident as the API shows it.
type incidentView struct {
	ID        int64    `json:"id"`
	Kind      string   `json:"kind"`
	Status    string   `json:"status"`
	Dimension string   `json:"dimension"`
	Key       string   `json:"key"`
	Cause     string   `json:"cause,omitempty"`
	Rate      float64  `json:"rate"`
	Baseline  float64  `json:"baseline"`
	Volume    int64    `json:"volume"`
	Merchants []string `json:"merchants"`
	OpenedAt  string   `json:"opened_at,omitempty"`
	UpdatedAt string   `json:"updated_at,omitempty"`
	ClosedAt  string   `json:"closed_at,omitempty"`
}

// newIncidentViews renders list (never nil).
func newIncidentViews(list []*posguard.Incident) []incidentView {
	out := make([]incidentView, 0, len(list))
	for _, i := range list {
		v := incidentView{ID: i.ID, Kind: string(i.Kind), Status: string(i.Status), Dimension: i.Dimension, Key: i.Key,
			Cause: i.Cause, Rate: i.Rate, Baseline: i.Baseline, Volume: i.Volume, Merchants: i.Merchants,
			OpenedAt: formatTime(i.OpenedAt), UpdatedAt: formatTime(i.UpdatedAt), ClosedAt: formatTime(i.ClosedAt)}
		if v.Merchants == nil {
			v.Merchants = []string{}
		}
		out = append(out, v)
	}
	return out
}

// noticeView is an operator's notice as the API shows it. merchants and bins
// are empty when it is for everyone; to is absent when it is open-ended.
type noticeView struct {
	ID        int64    `json:"id"`
	Kind      string   `json:"kind"`
	Title     string   `json:"title"`
	Body      string   `json:"body,omitempty"`
	Merchants []string `json:"merchants"`
	BINs      []string `json:"bins"`
	From      string   `json:"from,omitempty"`
	To        string   `json:"to,omitempty"`
	CreatedBy string   `json:"created_by,omitempty"`
	CreatedAt string   `json:"created_at,omitempty"`
}

// newNoticeView renders n.
func newNoticeView(n *posguard.Notice) noticeView {
	v := noticeView{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Merchants: n.Merchants, BINs: n.BINs,
		From: formatTime(n.From), To: formatTime(n.To), CreatedBy: n.CreatedBy, CreatedAt: formatTime(n.CreatedAt)}
	if v.Merchants == nil {
		v.Merchants = []string{}
	}
	if v.BINs == nil {
		v.BINs = []string{}
	}
	return v
}

// newNoticeViews renders list (never nil).
func newNoticeViews(list []*posguard.Notice) []noticeView {
	out := make([]noticeView, 0, len(list))
	for _, n := range list {
		out = append(out, newNoticeView(n))
	}
	return out
}

// rateView is a failure rate over one key (and bucket).
type rateView struct {
	Key          string  `json:"key"`
	Bucket       string  `json:"bucket,omitempty"`
	Total        int64   `json:"total"`
	Failed       int64   `json:"failed"`
	Timeouts     int64   `json:"timeouts"`
	Unavailable  int64   `json:"unavailable"`
	Reversals    int64   `json:"reversals"`
	FailureRate  float64 `json:"failure_rate"`
	TimeoutRate  float64 `json:"timeout_rate"`
	ReversalRate float64 `json:"reversal_rate"`
}

// newRateViews renders list (never nil).
func newRateViews(list []analytics.Rate) []rateView {
	out := make([]rateView, 0, len(list))
	for _, r := range list {
		out = append(out, newRateView(r))
	}
	return out
}

func newRateView(r analytics.Rate) rateView {
	return rateView{Key: r.Key, Bucket: formatTime(r.Bucket), Total: r.Total, Failed: r.Failed, Timeouts: r.Timeouts,
		Unavailable: r.Unavailable, Reversals: r.Reversals, FailureRate: r.FailureRate, TimeoutRate: r.TimeoutRate,
		ReversalRate: r.ReversalRate}
}

// terminalEventView is a security or status refusal of a terminal request.
type terminalEventView struct {
	ID         int64             `json:"id"`
	TerminalID string            `json:"terminal_id"`
	Code       string            `json:"code"`
	Reason     string            `json:"reason"`
	Detail     map[string]string `json:"detail,omitempty"`
	At         string            `json:"at,omitempty"`
}

// healthView is a terminal's health as the API shows it.
type healthView struct {
	TerminalID     string              `json:"terminal_id"`
	MerchantID     string              `json:"merchant_id"`
	Status         string              `json:"status"`
	Model          string              `json:"model,omitempty"`
	Firmware       string              `json:"firmware,omitempty"`
	MinFirmware    string              `json:"min_firmware,omitempty"`
	FirmwareOld    bool                `json:"firmware_outdated"`
	SignedOn       bool                `json:"signed_on"`
	SignedOnAt     string              `json:"signed_on_at,omitempty"`
	Batch          string              `json:"batch"`
	LastSeen       string              `json:"last_seen,omitempty"`
	Day            rateView            `json:"last_24h"`
	Events         []terminalEventView `json:"security_events"`
	OpenIncidents  []incidentView      `json:"open_incidents"`
	Problems       []string            `json:"problems"`
	NeedsAttention bool                `json:"needs_attention"`
}

// newHealthView renders h.
func newHealthView(h *analytics.Health) healthView {
	v := healthView{TerminalID: h.TerminalID, MerchantID: h.MerchantID, Status: h.Status, Model: h.Model,
		Firmware: h.Firmware, MinFirmware: h.MinFirmware, FirmwareOld: h.FirmwareOld, SignedOn: h.SignedOn,
		SignedOnAt: formatTime(h.SignedOnAt), Batch: h.Batch, LastSeen: formatTime(h.LastSeen), Day: newRateView(h.Day),
		Events: make([]terminalEventView, 0, len(h.Events)), OpenIncidents: newIncidentViews(h.OpenIncidents),
		Problems: h.Problems, NeedsAttention: h.NeedsAttention}
	for _, e := range h.Events {
		v.Events = append(v.Events, terminalEventView{ID: e.ID, TerminalID: e.TerminalID, Code: e.Code, Reason: e.Reason,
			Detail: maskDetail(e.Detail), At: formatTime(e.At)})
	}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	return v
}

// parseIncidentFilter reads ?status=&kind=&limit= of GET /v1/incidents.
func parseIncidentFilter(q url.Values) (posguard.IncidentFilter, error) {
	var f posguard.IncidentFilter
	switch v := posguard.IncidentStatus(q.Get("status")); v {
	case "", posguard.IncidentOpen, posguard.IncidentClosed:
		f.Status = v
	default:
		return f, invalidParam("status", "%q is not open or closed", v)
	}
	switch v := posguard.IncidentKind(q.Get("kind")); v {
	case "", posguard.IncidentIssuerUnavailable, posguard.IncidentTerminalNetwork, posguard.IncidentFirmware, posguard.IncidentWalletChannel:
		f.Kind = v
	default:
		return f, invalidParam("kind", "%q is not issuer_unavailable, terminal_network, firmware or wallet_channel_unavailable", v)
	}
	var err error
	f.Limit, err = limitParam(q, 50, maxListLimit)
	return f, err
}

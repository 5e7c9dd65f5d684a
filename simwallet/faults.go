package simwallet

import (
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard/wallet"
)

// Faults is the fault mix of spec §7 (probabilities per request).
type Faults struct {
	Latency         time.Duration `json:"latency"`
	Timeout         float64       `json:"timeout"`
	Hang            time.Duration `json:"hang"`
	DropAfterCharge float64       `json:"drop_after_charge"`
	SystemError     float64       `json:"system_error"`
	BadSignature    float64       `json:"bad_signature"`
	NotifyDrop      float64       `json:"notify_drop"`
	NotifyDup       float64       `json:"notify_dup"`
	// NotifyBadSignature (beyond the spec's table): a notification attempt
	// sent with a signature that does not verify (another key, or none);
	// posguard must refuse it, and it counts as failed (retried).
	NotifyBadSignature float64 `json:"notify_bad_signature"`
}

// DefaultHang is how long a timeout fault holds a request by default.
const DefaultHang = 40 * time.Second

// ParseFaults reads a comma list of name=value ("" is no faults).
func ParseFaults(spec string) (Faults, error) {
	f := Faults{Hang: DefaultHang}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, found := strings.Cut(item, "=")
		if !found {
			return Faults{}, fmt.Errorf("fault %q: want name=value", item)
		}
		switch name {
		case "latency", "hang":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 {
				return Faults{}, fmt.Errorf("fault %s: want a duration", name)
			}
			if name == "latency" {
				f.Latency = d
			} else {
				f.Hang = d
			}
		case "timeout", "drop_after_charge", "system_error", "bad_signature", "notify_drop", "notify_dup", "notify_bad_signature":
			p, err := strconv.ParseFloat(val, 64)
			if err != nil || p < 0 || p > 1 {
				return Faults{}, fmt.Errorf("fault %s: want a probability from 0 to 1", name)
			}
			*map[string]*float64{"timeout": &f.Timeout, "drop_after_charge": &f.DropAfterCharge,
				"system_error": &f.SystemError, "bad_signature": &f.BadSignature,
				"notify_drop": &f.NotifyDrop, "notify_dup": &f.NotifyDup, "notify_bad_signature": &f.NotifyBadSignature}[name] = p
		default:
			return Faults{}, fmt.Errorf("unknown fault %q", name)
		}
	}
	return f, nil
}

// SetFaults replaces the fault mix.
func (s *Sim) SetFaults(spec string) error {
	f, err := ParseFaults(spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Stats returns how many times each fault fired (and signature errors seen).
func (s *Sim) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

func (s *Sim) count(name string) {
	s.mu.Lock()
	s.stats[name]++
	s.mu.Unlock()
}

// draw is the faults drawn for one request.
type draw struct {
	f                             Faults
	latency                       time.Duration
	timeout, drop, syserr, badsig bool
	third                         int
	applySys                      bool
}

// roll draws the faults for one request; s.mu is held.
func (s *Sim) roll() (d draw) {
	d.f = s.faults
	if d.f.Latency > 0 {
		d.latency = time.Duration(s.rnd.Int64N(int64(d.f.Latency) + 1))
	}
	d.timeout = s.rnd.Float64() < d.f.Timeout
	d.drop = s.rnd.Float64() < d.f.DropAfterCharge
	d.syserr = s.rnd.Float64() < d.f.SystemError
	d.badsig = s.rnd.Float64() < d.f.BadSignature
	d.third = s.rnd.IntN(3)
	d.applySys = s.rnd.IntN(2) == 0
	return d
}

// wait holds the request for d or until the client goes away.
func wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// serveFaulty applies the request under the fault mix and answers.
// The faults are d, drawn when the request passed its checks.
func (s *Sim) serveFaulty(w http.ResponseWriter, r *http.Request, ch *channel, endpoint string, q *request, base answer, d draw) {
	f, latency, timeout, drop, syserr, badsig, third, applySys := d.f, d.latency, d.timeout, d.drop, d.syserr, d.badsig, d.third, d.applySys
	switch {
	case timeout:
		s.count("timeout")
		if third == 0 {
			s.apply(ch, endpoint, q, base)
		}
		wait(r, f.Hang)
		if third == 2 {
			s.apply(ch, endpoint, q, base)
		}
		panic(http.ErrAbortHandler) // close the connection without an answer
	case drop:
		s.count("drop_after_charge")
		s.apply(ch, endpoint, q, base)
		panic(http.ErrAbortHandler)
	case syserr:
		s.count("system_error")
		if applySys {
			s.apply(ch, endpoint, q, maps.Clone(base)) // the answer is the error below
		}
		a := answer{"return_code": wallet.CodeSuccess}
		for k, v := range base {
			a[k] = v
		}
		if endpoint != wallet.PathBill {
			a["out_trade_no"] = q.OutTradeNo
		}
		fail(a, wallet.ErrSystemError)
		if endpoint == wallet.PathReverse {
			a["recall"] = "Y"
		}
		wait(r, latency)
		s.write(w, ch, a, false)
		return
	}
	a := s.apply(ch, endpoint, q, base)
	wait(r, latency)
	if badsig {
		s.count("bad_signature")
	}
	s.write(w, ch, a, badsig)
}

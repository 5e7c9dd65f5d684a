package simwallet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard/wallet"
)

// DefaultNotifySchedule is the channel's retry schedule of a payment
// notification (spec §2.6): about 22 hours in all, then it gives up.
var DefaultNotifySchedule = []time.Duration{15 * time.Second, 30 * time.Second, time.Minute, 3 * time.Minute,
	10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour}

// ParseSchedule reads a comma list of durations (--notify-schedule).
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, p := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("notify schedule: %q is not a positive duration", p)
		}
		out = append(out, d)
	}
	return out, nil
}

// notifyPaid starts the notifications of a paid native order (s.mu held):
// the first attempt at once, then after each delay of the schedule until
// posguard acknowledges with HTTP 200 and return_code SUCCESS.
func (s *Sim) notifyPaid(o *order) {
	if o.notifyURL == "" {
		return
	}
	fields := map[string]any{"app_id": o.ch.cfg.AppID, "mch_id": o.mchID, "out_trade_no": o.outTradeNo,
		"transaction_id": o.txID, "trade_type": wallet.TradeNative, "trade_state": wallet.StateSuccess,
		"amount": o.amount, "paid_at": o.paidText}
	ch, url := o.ch, o.notifyURL
	s.notices.Add(1)
	go func() {
		defer s.notices.Done()
		for i := 0; i <= len(s.schedule); i++ {
			if i > 0 {
				select {
				case <-s.stop:
					return
				case <-time.After(s.schedule[i-1]):
				}
			}
			s.mu.Lock()
			drop := s.rnd.Float64() < s.faults.NotifyDrop
			dup := s.rnd.Float64() < s.faults.NotifyDup
			forged := s.rnd.Float64() < s.faults.NotifyBadSignature
			if drop {
				s.stats["notify_drop"]++
			} else if forged {
				s.stats["notify_bad_signature"]++
			}
			s.mu.Unlock()
			if drop {
				continue
			}
			if forged {
				if s.sendNotice(ch, url, fields, true) { // must be refused
					s.count("notify_bad_signature_accepted")
				}
				continue
			}
			if s.sendNotice(ch, url, fields, false) {
				if dup {
					s.mu.Lock()
					s.stats["notify_dup"]++
					s.mu.Unlock()
					s.sendNotice(ch, url, fields, false)
				}
				return
			}
		}
		s.log.Warn("simwallet: notification abandoned", "out_trade_no", fields["out_trade_no"])
	}()
}

// sendNotice posts one signed notification attempt (a new nonce each) and
// reports whether posguard acknowledged it. With badSig the signature does
// not verify: made with another key, or missing, half each.
func (s *Sim) sendNotice(ch *channel, url string, fields map[string]any, badSig bool) bool {
	body := map[string]any{"nonce": wallet.NewNonce(), "timestamp": s.now().Unix()}
	for k, v := range fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case !badSig:
		req.Header.Set(wallet.SignatureHeader, wallet.Sign(ch.key, b))
	case len(b)%2 == 0:
		req.Header.Set(wallet.SignatureHeader, wallet.Sign(append([]byte("other"), ch.key...), b))
	}
	resp, err := s.notifier.Do(req)
	if err != nil {
		s.count("notify_failed")
		return false
	}
	defer resp.Body.Close()
	var a struct {
		ReturnCode string `json:"return_code"`
	}
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	_ = json.Unmarshal(rb, &a)
	ok := resp.StatusCode == http.StatusOK && a.ReturnCode == wallet.CodeSuccess
	if ok {
		s.count("notify_delivered")
	} else {
		s.count("notify_refused_" + strconv.Itoa(resp.StatusCode))
	}
	return ok
}

// Close stops pending notification retries and waits for attempts in
// progress.
func (s *Sim) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.notices.Wait()
}

package simwallet

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard/flatjson"
	"github.com/posguard/posguard/wallet"
)

// request holds every field any endpoint reads.
type request struct {
	AppID         string      `json:"app_id"`
	MchID         string      `json:"mch_id"`
	Nonce         string      `json:"nonce"`
	Timestamp     json.Number `json:"timestamp"`
	OutTradeNo    string      `json:"out_trade_no"`
	OutRefundNo   string      `json:"out_refund_no"`
	AuthCode      string      `json:"auth_code"`
	Amount        json.Number `json:"amount"`
	RefundAmount  json.Number `json:"refund_amount"`
	Subject       string      `json:"subject"`
	ExpireSeconds json.Number `json:"expire_seconds"`
	NotifyURL     string      `json:"notify_url"`
	Reason        string      `json:"reason"`
	Date          string      `json:"date"`
}

// answer is an answer's fields; written as one JSON object.
type answer map[string]any

// validNonce reports whether n is 16 to 32 characters [0-9A-Za-z] (spec
// §2.2), as the expression ^[0-9A-Za-z]{16,32}$ matches it
// (FuzzValidNonce), without a regular expression.
func validNonce(n string) bool {
	if len(n) < 16 || len(n) > 32 {
		return false
	}
	for i := 0; i < len(n); i++ {
		switch c := n[i]; {
		case '0' <= c && c <= '9', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		default:
			return false
		}
	}
	return true
}

// ServeHTTP serves the channel protocol for every channel at its path.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ch, endpoint := s.channelFor(r.URL.Path)
	if ch == nil || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, err := wallet.ReadBody(r.Body, r.ContentLength, wallet.MaxBody)
	if err != nil || len(body) > wallet.MaxBody {
		http.Error(w, "body too large or cut", http.StatusBadRequest)
		return
	}
	req, jsonErr := decodeRequest(body)
	base := newAnswer(&req)
	if !wallet.Verify(ch.key, body, r.Header.Get(wallet.SignatureHeader)) {
		s.count("signerror")
		s.write(w, ch, reject(base, wallet.ErrSignError, "signature missing or wrong"), false)
		return
	}
	a, faults := s.check(ch, endpoint, &req, jsonErr, base)
	if a != nil {
		s.write(w, ch, a, false)
		return
	}
	s.serveFaulty(w, r, ch, endpoint, &req, base, faults)
}

// decodeRequest reads a request's body. A body that is one flat JSON
// object (every request of a client that follows the spec) is read
// without reflection (decodeFlat); anything else goes through
// json.Unmarshal, and what it refuses through the decoder, which reads the
// first value and ignores what follows (request has no interface fields,
// so the decoder's UseNumber changes nothing).
func decodeRequest(body []byte) (request, error) {
	var req request
	if req.decodeFlat(body) {
		return req, nil
	}
	if json.Unmarshal(body, &req) == nil {
		return req, nil
	}
	req = request{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return req, dec.Decode(&req)
}

// decodeFlat sets r's fields from b, one flat JSON object, exactly as
// json.Unmarshal would; false, r left as it was, for anything else.
func (r *request) decodeFlat(b []byte) bool {
	v := *r
	s := flatjson.NewScanner(b)
	for s.Next() {
		ok := true
		switch string(s.Key()) {
		case "app_id":
			v.AppID, ok = s.String()
		case "mch_id":
			v.MchID, ok = s.String()
		case "nonce":
			v.Nonce, ok = s.String()
		case "timestamp":
			v.Timestamp, ok = s.Number()
		case "out_trade_no":
			v.OutTradeNo, ok = s.String()
		case "out_refund_no":
			v.OutRefundNo, ok = s.String()
		case "auth_code":
			v.AuthCode, ok = s.String()
		case "amount":
			v.Amount, ok = s.Number()
		case "refund_amount":
			v.RefundAmount, ok = s.Number()
		case "subject":
			v.Subject, ok = s.String()
		case "expire_seconds":
			v.ExpireSeconds, ok = s.Number()
		case "notify_url":
			v.NotifyURL, ok = s.String()
		case "reason":
			v.Reason, ok = s.String()
		case "date":
			v.Date, ok = s.String()
		} // other keys are skipped, as encoding/json skips them
		if !ok {
			return false
		}
	}
	if !s.Done() {
		return false
	}
	*r = v
	return true
}

// reject builds a return_code FAIL answer.
func reject(base answer, code, msg string) answer {
	base["return_code"], base["err_code"], base["err_msg"] = wallet.CodeFail, code, msg
	return base
}

// check applies the checks every channel makes before doing anything:
// the refusal, or nil and the faults drawn for the request (under the same
// lock, one fewer to take).
func (s *Sim) check(ch *channel, endpoint string, q *request, jsonErr error, base answer) (answer, draw) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.refusal(ch, endpoint, q, jsonErr, base); a != nil {
		return a, draw{}
	}
	return nil, s.roll()
}

// refusal is check's refusal, or nil; s.mu is held.
func (s *Sim) refusal(ch *channel, endpoint string, q *request, jsonErr error, base answer) answer {
	if jsonErr != nil {
		return reject(base, wallet.ErrParamError, "body is not a JSON object")
	}
	if q.AppID != ch.cfg.AppID || !s.mchIDs[q.MchID] {
		return reject(base, wallet.ErrAppIDMchIDNotMatch, "unknown app_id or mch_id")
	}
	ts, err := q.Timestamp.Int64()
	if err != nil || !validNonce(q.Nonce) {
		return reject(base, wallet.ErrParamError, "nonce or timestamp malformed")
	}
	now := s.now()
	if d := now.Unix() - ts; d > 300 || d < -300 {
		return reject(base, wallet.ErrRequestExpired, "timestamp more than 300 s off")
	}
	if now.Sub(s.swept) > 10*time.Second {
		// Old nonces are dropped every 10 s, not on every request: a
		// sweep walks them all, which at a high rate would cost more
		// than the request. A nonce is refused for at least 600 s.
		s.swept = now
		for n, at := range s.nonces {
			if now.Sub(at) > 600*time.Second {
				delete(s.nonces, n)
			}
		}
	}
	nk := ch.cfg.AppID + "/" + q.Nonce
	if _, seen := s.nonces[nk]; seen {
		return reject(base, wallet.ErrNonceReused, "nonce already seen")
	}
	s.nonces[nk] = now
	if msg := params(endpoint, q); msg != "" {
		return reject(base, wallet.ErrParamError, msg)
	}
	return nil
}

// amount reads a fen amount written as a plain JSON integer in range.
func amount(n json.Number) (int64, bool) {
	if strings.ContainsAny(string(n), ".eE+-") {
		return 0, false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil && wallet.ValidAmount(v)
}

// params checks an endpoint's own fields; "" when they are well formed.
func params(endpoint string, q *request) string {
	needTrade := endpoint != wallet.PathBill
	if needTrade && !wallet.ValidNumber(q.OutTradeNo) {
		return "out_trade_no missing or malformed"
	}
	switch endpoint {
	case wallet.PathMicropay, wallet.PathNative:
		if _, ok := amount(q.Amount); !ok {
			return "amount missing or malformed"
		}
		if n := len([]rune(q.Subject)); n < 1 || n > 128 {
			return "subject must be 1 to 128 characters"
		}
		if endpoint == wallet.PathMicropay && (q.AuthCode == "" || strings.Trim(q.AuthCode, "0123456789") != "") {
			return "auth_code missing or malformed"
		}
		if endpoint == wallet.PathNative {
			e, err := q.ExpireSeconds.Int64()
			if err != nil || e < 10 || e > 86400 {
				return "expire_seconds must be 10 to 86400"
			}
			u, err := url.Parse(q.NotifyURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(q.NotifyURL) > 256 {
				return "notify_url must be an absolute http(s) URL"
			}
		}
	case wallet.PathRefund, wallet.PathRefundQuery:
		if !wallet.ValidNumber(q.OutRefundNo) {
			return "out_refund_no missing or malformed"
		}
		if endpoint == wallet.PathRefund {
			if _, ok := amount(q.RefundAmount); !ok {
				return "refund_amount missing or malformed"
			}
			if len([]rune(q.Reason)) > 80 {
				return "reason above 80 characters"
			}
		}
	case wallet.PathBill:
		if _, err := time.Parse(time.DateOnly, q.Date); err != nil {
			return "date must be YYYY-MM-DD"
		}
	case wallet.PathQuery, wallet.PathReverse, wallet.PathClose:
	default:
		return "unknown endpoint"
	}
	return ""
}

// write signs and sends a: with the channel key, or, when bad, with another
// key or none.
func (s *Sim) write(w http.ResponseWriter, ch *channel, a answer, bad bool) {
	a["timestamp"] = s.now().Unix() // s.now is set by New: no lock
	body, _ := a.encode()
	// The values in one allocation (Header.Set makes one slice per value);
	// the names are canonical, as Set would write them.
	hv := []string{"application/json; charset=utf-8", strconv.Itoa(len(body)), ""}
	h := w.Header()
	h["Content-Type"], h["Content-Length"] = hv[0:1:1], hv[1:2:2]
	if !bad {
		hv[2] = wallet.Sign(ch.key, body)
		h[wallet.SignatureHeader] = hv[2:3:3]
	} else if len(body)%2 == 0 {
		hv[2] = wallet.Sign([]byte("not the channel key"), body)
		h[wallet.SignatureHeader] = hv[2:3:3]
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

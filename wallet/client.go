package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	posguard "github.com/posguard/posguard"
)

// Channel is one wallet channel posguard is contracted with (spec §6).
type Channel struct {
	Name  string
	Kind  Kind
	URL   string // base URL; endpoint paths are appended
	AppID string
	Key   Key
}

// Key is a channel's (or a merchant's notify) HMAC key. It never prints.
type Key []byte

// String hides the key.
func (Key) String() string { return "[key]" }

// GoString hides the key.
func (Key) GoString() string { return "[key]" }

// ParseKey decodes a hex key of 16 to 64 bytes.
func ParseKey(s string) (Key, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 16 || len(b) > 64 {
		return nil, posguard.Errorf(posguard.EINVALID, "key: want 32 to 128 hex digits")
	}
	return Key(b), nil
}

// DefaultTimeout is how long a call waits for its answer by default
// (--wallet-timeout).
const DefaultTimeout = 10 * time.Second

// Endpoint paths (spec §2.4).
const (
	PathMicropay    = "/pay/micropay"
	PathQuery       = "/pay/query"
	PathReverse     = "/pay/reverse"
	PathNative      = "/pay/native"
	PathClose       = "/pay/close"
	PathRefund      = "/pay/refund"
	PathRefundQuery = "/pay/refund/query"
	PathBill        = "/bill"
)

// Client calls one channel. The zero HTTP uses a client without its own
// timeout; each call waits at most Timeout (DefaultTimeout when zero) or until
// ctx ends.
type Client struct {
	Channel Channel
	HTTP    *http.Client
	Timeout time.Duration
	Now     func() time.Time // the clock for timestamps; time.Now when nil
}

// NewClient returns a client of ch with the default timeout.
func NewClient(ch Channel) *Client { return &Client{Channel: ch, HTTP: &http.Client{}} }

// NewNonce returns a fresh random nonce of 24 characters [0-9A-Za-z].
func NewNonce() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [24]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// Micropay asks the channel to take the money (被扫).
func (c *Client) Micropay(ctx context.Context, r MicropayRequest) (*MicropayAnswer, error) {
	var a MicropayAnswer
	return &a, c.call(ctx, PathMicropay, r.MchID, r, r.OutTradeNo, "", &a, MaxBody)
}

// Query asks for an order's state.
func (c *Client) Query(ctx context.Context, r QueryRequest) (*QueryAnswer, error) {
	var a QueryAnswer
	return &a, c.call(ctx, PathQuery, r.MchID, r, r.OutTradeNo, "", &a, MaxBody)
}

// Reverse asks the channel to undo an order whatever its state.
func (c *Client) Reverse(ctx context.Context, r ReverseRequest) (*ReverseAnswer, error) {
	var a ReverseAnswer
	return &a, c.call(ctx, PathReverse, r.MchID, r, r.OutTradeNo, "", &a, MaxBody)
}

// Native creates an order paid by scanning its code_url (主扫).
func (c *Client) Native(ctx context.Context, r NativeRequest) (*NativeAnswer, error) {
	var a NativeAnswer
	return &a, c.call(ctx, PathNative, r.MchID, r, r.OutTradeNo, "", &a, MaxBody)
}

// Close makes an unpaid order unpayable.
func (c *Client) Close(ctx context.Context, r CloseRequest) (*CloseAnswer, error) {
	var a CloseAnswer
	return &a, c.call(ctx, PathClose, r.MchID, r, r.OutTradeNo, "", &a, MaxBody)
}

// Refund returns part or all of a paid order.
func (c *Client) Refund(ctx context.Context, r RefundRequest) (*RefundAnswer, error) {
	var a RefundAnswer
	return &a, c.call(ctx, PathRefund, r.MchID, r, r.OutTradeNo, r.OutRefundNo, &a, MaxBody)
}

// RefundQuery asks for a refund's state.
func (c *Client) RefundQuery(ctx context.Context, r RefundQueryRequest) (*RefundAnswer, error) {
	var a RefundAnswer
	return &a, c.call(ctx, PathRefundQuery, r.MchID, r, r.OutTradeNo, r.OutRefundNo, &a, MaxBody)
}

// Bill fetches one sub-merchant's day bill.
func (c *Client) Bill(ctx context.Context, r BillRequest) (*BillAnswer, error) {
	var a BillAnswer
	return &a, c.call(ctx, PathBill, r.MchID, r, "", "", &a, MaxBillBody)
}

// call signs and posts one request and decodes the trusted answer into out.
func (c *Client) call(ctx context.Context, path, mchID string, req any, outTradeNo, outRefundNo string, out interface{ result() *Result }, limit int64) error {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	nonce := NewNonce()
	body, err := EncodeRequest(Header{AppID: c.Channel.AppID, MchID: mchID, Nonce: nonce, Timestamp: now().Unix()}, req)
	if err != nil {
		return posguard.WrapError(posguard.EINVALID, err, "wallet %s: encode", path)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := strings.TrimRight(c.Channel.URL, "/") + path
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return posguard.WrapError(posguard.EINVALID, err, "wallet %s: channel url", path)
	}
	// Both values in one allocation (Header.Set makes one slice per value);
	// the names are canonical, as Set would write them.
	hv := []string{"application/json; charset=utf-8", Sign(c.Channel.Key, body)}
	hr.Header["Content-Type"], hr.Header[SignatureHeader] = hv[0:1:1], hv[1:2:2]
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		code := posguard.EUNAVAILABLE
		if errors.Is(err, context.DeadlineExceeded) {
			code = posguard.ETIMEOUT
		}
		return unknown(code, err, "wallet %s: %s", path, c.Channel.Name)
	}
	defer resp.Body.Close()
	ab, err := ReadBody(resp.Body, resp.ContentLength, limit)
	if err != nil {
		code := posguard.EUNAVAILABLE
		if errors.Is(err, context.DeadlineExceeded) {
			code = posguard.ETIMEOUT
		}
		return unknown(code, err, "wallet %s: reading the answer", path)
	}
	if resp.StatusCode != http.StatusOK {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet %s: HTTP %d", path, resp.StatusCode)
	}
	if int64(len(ab)) > limit {
		return unknown(posguard.EUNAVAILABLE, nil, "wallet %s: answer above %d bytes", path, limit)
	}
	if err := DecodeAnswer(c.Channel.Key, ab, resp.Header.Get(SignatureHeader), nonce, outTradeNo, outRefundNo, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

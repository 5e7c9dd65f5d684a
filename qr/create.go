package qr

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// OrderInput is a merchant's order request (spec §4.1) as the API parsed
// and checked its syntax. Hash is the digest of its content as given (an
// absent field differs from a present one): the same out_order_no with
// another Hash is a conflict.
type OrderInput struct {
	MerchantID    string
	OutOrderNo    string
	Amount        int64
	Mode          posguard.QRMode
	AuthCode      string
	ExpireSeconds int
	Channel       string // kind asked for, "" when not given
	TerminalID    string
	NotifyURL     string
	Subject       string
	Hash          string
}

// Create journals the order and, when it passes the gates, makes the first
// channel call; it then waits up to Wait for a final state (a native order:
// for its code_url). created is false when the merchant already had an
// order with that number and the same content (it is answered as it is);
// ECONFLICT when the content differs. EINVALID when the terminal is not
// one of the merchant's.
func (e *Engine) Create(ctx context.Context, in OrderInput) (*posguard.QROrder, bool, error) {
	start := e.Now()
	o, g, err := e.gate(ctx, in)
	if err != nil {
		return nil, false, err
	}
	// One write: the order is journaled (with its daily-limit check in the
	// same transaction) or, when the merchant already has the number, the
	// existing order comes back. Repeats are rare; they pay for the gate.
	got, created, err := e.Store.CreateQROrderWithin(ctx, o, "PG"+e.prefix, g.limit)
	if posguard.ErrorCode(err) == posguard.ECONFLICT {
		// A concurrent request with the same number won the insert.
		if got, err = e.existing(ctx, in); err == nil && got == nil {
			err = posguard.Errorf(posguard.ECONFLICT, "out_order_no %s: being created", in.OutOrderNo)
		}
	}
	if err != nil {
		return nil, false, err
	}
	if !created {
		if got.RequestHash != in.Hash {
			return nil, false, posguard.Errorf(posguard.ECONFLICT, "out_order_no %s: already used with other content", in.OutOrderNo)
		}
		o, err := e.WaitFinal(ctx, got.ID, e.Wait, got.Mode == posguard.QRNative)
		return o, false, err
	}
	if got.State.Final() {
		e.observeOrder(got, nil)
		if got.NotifyURL != "" {
			wake(e.wakeNot)
		}
		e.changed(got.ID)
		return got, true, nil
	}
	// The channel call goes on even if the merchant's system hangs up: its
	// outcome must be recorded either way.
	cctx := context.WithoutCancel(ctx)
	var after *posguard.QROrder
	if got.Mode == posguard.QRMicropay {
		a, err := e.client(got).Micropay(cctx, wallet.MicropayRequest{MchID: g.mchID, OutTradeNo: got.OutTradeNo,
			AuthCode: wallet.AuthCode(g.code), Amount: int64(got.Amount), Subject: got.Subject, TerminalID: got.TerminalID})
		after = e.afterMicropay(cctx, got, a, err)
	} else {
		e.sendNative(cctx, got)
	}
	if after != nil && after.State.Final() {
		// The outcome is committed: answer with it, no need to read it back.
		return after, true, nil
	}
	left := e.Wait - e.Now().Sub(start)
	if left < 0 {
		left = 0
	}
	o, err = e.WaitFinal(ctx, got.ID, left, got.Mode == posguard.QRNative)
	return o, true, err
}

// existing returns the merchant's order numbered in.OutOrderNo when there
// is one (ECONFLICT when its content differs).
func (e *Engine) existing(ctx context.Context, in OrderInput) (*posguard.QROrder, error) {
	list, err := e.Store.QROrders(ctx, posguard.QROrderFilter{MerchantID: in.MerchantID, OutOrderNo: in.OutOrderNo, Limit: 1})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	if list[0].RequestHash != in.Hash {
		return nil, posguard.Errorf(posguard.ECONFLICT, "out_order_no %s: already used with other content", in.OutOrderNo)
	}
	return list[0], nil
}

// gated is what gate found beside the order: the full payment code (the
// order keeps it masked), the merchant's sub-merchant id and the daily
// limit the store checks as it journals the order.
type gated struct {
	code, mchID string
	limit       posguard.QRDailyLimit
}

// gate builds the order to journal: failed at once with its reason when a
// check of the merchant, the amount, the code or the channel fails,
// otherwise paying with its first task. The daily limits are not checked
// here but by the store, in the transaction that journals the order (two
// orders arriving together cannot both take the last of the limit).
func (e *Engine) gate(ctx context.Context, in OrderInput) (*posguard.QROrder, gated, error) {
	now := e.Now().UTC()
	o := &posguard.QROrder{MerchantID: in.MerchantID, OutOrderNo: in.OutOrderNo, RequestHash: in.Hash, Mode: in.Mode,
		Channel: in.Channel, Amount: posguard.Amount(in.Amount), State: posguard.QRPaying, TerminalID: in.TerminalID,
		NotifyURL: in.NotifyURL, Subject: in.Subject}
	if in.AuthCode != "" {
		o.AuthCode = wallet.MaskCode(in.AuthCode)
	}
	var g gated
	fail := func(reason string) (*posguard.QROrder, gated, error) {
		o.State, o.Reason = posguard.QRFailed, reason
		return o, gated{}, nil
	}
	m, err := e.merchant(ctx, in.MerchantID)
	if err != nil {
		return nil, g, err
	}
	if o.Subject == "" {
		o.Subject = truncate(m.Name, 128)
		if o.Subject == "" {
			o.Subject = m.ID
		}
	}
	if in.TerminalID != "" && e.Terminals != nil {
		t, err := e.Terminals.Terminal(ctx, in.TerminalID)
		if err != nil || t.MerchantID != m.ID {
			return nil, g, posguard.Errorf(posguard.EINVALID, "terminal_id: %s is not one of the merchant's terminals", in.TerminalID)
		}
	}
	if in.Mode == posguard.QRNative {
		o.ExpireSeconds = in.ExpireSeconds
		o.ExpiresAt = now.Add(time.Duration(in.ExpireSeconds) * time.Second)
	}
	switch m.Status {
	case posguard.MerchantActive:
	case posguard.MerchantPendingKYC:
		return fail(posguard.ReasonMerchantKYC)
	case posguard.MerchantFrozen:
		return fail(posguard.ReasonMerchantFrozen)
	default:
		return fail(posguard.ReasonMerchantClosed)
	}
	w, err := e.wallet(ctx, m.ID)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			return fail(posguard.ReasonQRMerchantNotEnabled)
		}
		return nil, g, err
	}
	g.mchID = w.MchID
	if m.Limits.PerTxn > 0 && posguard.Amount(in.Amount) > m.Limits.PerTxn {
		return fail(posguard.ReasonLimitPerTxn)
	}
	if m.Limits.Daily > 0 || m.Limits.DailyCount > 0 {
		from := DayStart(now)
		g.limit = posguard.QRDailyLimit{From: from, To: from.AddDate(0, 0, 1), Amount: m.Limits.Daily, Count: m.Limits.DailyCount}
		if posguard.Amount(in.Amount) > m.Limits.Daily && m.Limits.Daily > 0 {
			// Over the limit whatever the day's usage: no need to count.
			return fail(posguard.ReasonQRDailyAmount)
		}
	}
	var ch wallet.Channel
	if in.Mode == posguard.QRMicropay {
		k, err := wallet.KindOf(in.AuthCode)
		if err != nil {
			return fail(posguard.ReasonQRCodeUnknown)
		}
		o.Channel = string(k)
		c, ok := e.firstOfKind(k)
		if !ok {
			return fail(posguard.ReasonQRChannelNotConfigured)
		}
		ch = c
		o.Deadline = now.Add(e.PayDeadline)
		o.Task = posguard.QRTaskQuery
	} else {
		kind := wallet.Kind(in.Channel)
		if kind == "" && len(e.channels) > 0 {
			kind = e.channels[0].Kind
		}
		o.Channel = string(kind)
		c, ok := e.firstOfKind(kind)
		if !ok {
			return fail(posguard.ReasonQRChannelNotConfigured)
		}
		ch = c
		o.Task = posguard.QRTaskNative
	}
	o.ChannelName = ch.Name
	// Should the first call get no answer (or the host stop during it),
	// the queue takes over once the call is surely over.
	o.NextAttempt = now.Add(e.WalletTimeout + e.QueryEvery)
	g.code = in.AuthCode
	return o, g, nil
}

// DayStart returns the start (00:00 China Standard Time) of the day of t:
// the day over which a merchant's QR orders count against its daily limits.
func DayStart(t time.Time) time.Time {
	c := t.In(posguard.ChinaStandardTime)
	return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, posguard.ChinaStandardTime)
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// client returns the client of o's channel.
func (e *Engine) client(o *posguard.QROrder) *wallet.Client {
	_, c, ok := e.channel(o.ChannelName)
	if !ok {
		// A channel removed from the store while orders were open: calls
		// fail as unknown until it is configured again.
		return &wallet.Client{Channel: wallet.Channel{Name: o.ChannelName, URL: "http://127.0.0.1:1/channel-not-configured"}, HTTP: e.HTTP, Timeout: e.WalletTimeout}
	}
	return c
}

// mchID returns the sub-merchant id of o's merchant ("" if it has none).
func (e *Engine) mchID(ctx context.Context, o *posguard.QROrder) string {
	w, err := e.Store.MerchantWallet(ctx, o.MerchantID)
	if err != nil {
		return ""
	}
	return w.MchID
}

// paidAt parses a channel time, now when it cannot.
func (e *Engine) paidAt(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	return e.Now().UTC()
}

package simterm

import (
	"context"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/terminal"
)

// SignOn sends a 0800 (60.3 = the key scheme), installs the working keys of
// field 62 after verifying every check value, and adopts the host's batch
// from 60.2 of the answer (dropping the records of another batch). A code
// other than 00 gives EUNAUTHORIZED wrapping a *DeclineError; keys whose
// check value fails give EINVALID and leave the current keys in place.
func (t *Terminal) SignOn(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.signOn(ctx)
}

func (t *Terminal) signOn(ctx context.Context) error {
	m := iso8583.NewMessage("0800")
	m.Set(11, t.takeSTAN())
	m.Set(41, t.ID)
	m.Set(42, t.MerchantID)
	m.Set(60, "00"+t.book.batch+t.Scheme)
	m.Set(63, t.cfg.Operator)
	a, err := t.exchange(ctx, m)
	if err != nil {
		return err
	}
	if c := a.code(); c != "00" {
		return posguard.WrapError(posguard.EUNAUTHORIZED, &DeclineError{Type: posguard.TxnSignOn, Code: c}, "simterm: terminal %s", t.ID)
	}
	k, err := terminal.DecodeField62(t.TMK, t.Scheme, a.msg.GetBytes(62))
	if err != nil {
		return posguard.WrapError(posguard.EINVALID, err, "simterm: terminal %s: sign-on keys", t.ID)
	}
	t.keys = k
	if f60 := a.msg.Get(60); len(f60) >= 8 && digitsN(f60[2:8], 6) {
		t.book.adopt(f60[2:8])
	}
	t.signedOn = true
	t.resign = false
	t.stats.signOns++
	t.log.Debug("simterm: signed on", "batch", t.book.batch)
	return nil
}

// SignOff sends a 0820 with 60.3 = 002. The keys stay in memory (a new
// sign-on replaces them). A code other than 00 gives EUNAUTHORIZED wrapping
// a *DeclineError.
func (t *Terminal) SignOff(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.netMgmt(ctx, "002", posguard.TxnSignOff); err != nil {
		return err
	}
	t.signedOn = false
	return nil
}

// Echo sends a 0820 echo test (60.3 = 301).
func (t *Terminal) Echo(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.netMgmt(ctx, "301", posguard.TxnEcho)
}

func (t *Terminal) netMgmt(ctx context.Context, code string, typ posguard.TxnType) error {
	m := iso8583.NewMessage("0820")
	m.Set(11, t.takeSTAN())
	m.Set(41, t.ID)
	m.Set(42, t.MerchantID)
	m.Set(60, "00"+t.book.batch+code)
	a, err := t.exchange(ctx, m)
	if err != nil {
		return err
	}
	if c := a.code(); c != "00" {
		return posguard.WrapError(posguard.EUNAUTHORIZED, &DeclineError{Type: typ, Code: c}, "simterm: terminal %s", t.ID)
	}
	return nil
}

// Settle sends the terminal's pending reversal first, then a 0500 with
// field 48 built from its own records of the batch (result digits 0). On a
// 00 answer the batch closes, as the host closes it on 0500 (spec §6): the
// terminal rolls to the next batch number (999999 wraps to 000001) and
// Result.Balanced says whether the host's result digits were 1. Batch upload
// (0320) of an unbalanced batch is not simulated. A code other than 00 is
// returned in the Result with no error; I/O failures as in Send.
func (t *Terminal) Settle(ctx context.Context) (*Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.prepare(ctx); err != nil {
		return nil, err
	}
	totals := t.book.totals()
	m := iso8583.NewMessage("0500")
	stan := t.takeSTAN()
	m.Set(11, stan)
	m.Set(41, t.ID)
	m.Set(42, t.MerchantID)
	m.Set(48, terminal.Settlement{Totals: totals}.String())
	m.Set(49, posguard.CurrencyCNY)
	m.Set(60, "00"+t.book.batch+"201")
	m.Set(63, t.cfg.Operator)
	res := &Result{Type: posguard.TxnSettlement, STAN: stan, Batch: t.book.batch,
		Amount: totals.DomesticDebitAmount - totals.DomesticCreditAmount}
	a, err := t.exchange(ctx, m)
	if a == nil {
		res.TimedOut = posguard.ErrorCode(err) == posguard.ETIMEOUT
		return res, err
	}
	res.fill(a)
	if res.Code != "00" {
		return res, nil
	}
	res.Balanced = balanced(res.Totals)
	t.book.roll()
	t.log.Debug("simterm: settled", "batch", res.Batch, "balanced", res.Balanced, "next", t.book.batch)
	return res, nil
}

// balanced reads the result digits of a 0510's field 48: the domestic one
// (digit 31) and, when the foreign group is there, the foreign one (digit
// 62) must both be 1.
func balanced(f48 string) bool {
	st, err := terminal.ParseField48(f48)
	return err == nil && st.Balanced()
}

// prepare does what a terminal does before a transaction or settlement:
// sign on again when the host asked for it (or never signed on), then send
// its pending reversal.
func (t *Terminal) prepare(ctx context.Context) error {
	if t.resign || !t.signedOn {
		if err := t.signOn(ctx); err != nil {
			return err
		}
	}
	t.flushReversal(ctx)
	return nil
}

// FlushReversal sends the pending reversal record, if any, until it is
// acknowledged with 00 or MaxReversalTries 0400s were sent for it. It
// reports whether the record was acknowledged (true when there was none).
func (t *Terminal) FlushReversal(ctx context.Context) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.flushReversal(ctx)
}

func (t *Terminal) flushReversal(ctx context.Context) bool {
	for t.pending != nil {
		p := t.pending
		if p.tries >= MaxReversalTries {
			t.log.Warn("simterm: reversal given up", "stan", p.orig.Get(11), "reason", p.reason, "tries", p.tries)
			t.stats.reversalsGaveUp++
			t.pending = nil
			return false
		}
		if ctx.Err() != nil {
			return false
		}
		p.tries++
		t.stats.reversalsSent++
		a, err := t.exchange(ctx, p.message())
		if err == nil && a.code() == "00" {
			t.stats.reversalsAcked++
			t.pending = nil
			t.log.Debug("simterm: reversal acknowledged", "stan", p.orig.Get(11), "reason", p.reason)
			return true
		}
		t.log.Debug("simterm: reversal not acknowledged", "stan", p.orig.Get(11), "try", p.tries, "err", err)
	}
	return true
}

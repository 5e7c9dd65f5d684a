package simnet

import (
	"fmt"
	"strings"

	"github.com/posguard/posguard"
)

// Response codes the simulated issuers answer with.
const (
	codeApproved      = "00"
	codeInvalidTxn    = "12"
	codeInvalidAmount = "13"
	codeInvalidCard   = "14"
	codeDormant       = "21"
	codeNoOriginal    = "25"
	codeFormat        = "30"
	codeNotSupported  = "40"
	codeLost          = "41"
	codeStolen        = "43"
	codeNoFunds       = "51"
	codeExpired       = "54"
	codeWrongPIN      = "55"
	codeRestricted    = "62"
	codeOrigAmount    = "64"
	codeInoperative   = "91"
	codeMalfunction   = "96"
)

// apply processes one request against the accounts and returns its
// answer. It runs under n.mu; faults are decided around it.
func (n *Network) apply(req *posguard.UpstreamRequest) *posguard.UpstreamResponse {
	resp := n.applyCard(req)
	if len(req.ICC) > 0 && resp.Code != "" {
		switch mtiClass(req.MTI) {
		case "010", "020":
			resp.ICC = issuerICC(req.ICC, resp.Code)
		}
	}
	return resp
}

// applyCard is apply without the IC answer data.
func (n *Network) applyCard(req *posguard.UpstreamRequest) *posguard.UpstreamResponse {
	resp := n.baseResponse(req)
	proc2 := ""
	if len(req.ProcCode) >= 2 {
		proc2 = req.ProcCode[:2]
	}
	class := mtiClass(req.MTI)
	if class != "042" && n.tombstones[origKey{req.MTI, req.STAN, req.Time}] {
		// Its reversal came first: the host has given this request up.
		resp.Code = codeInvalidTxn
		return resp
	}
	switch {
	case class == "042":
		n.reversal(req, resp)
	case class == "010" && proc2 == "03":
		n.debit(req, resp, KindPreauth)
	case class == "010" && proc2 == "20":
		n.void(req, resp)
	case class == "020" && proc2 == "31":
		n.inquiry(req, resp)
	case class == "020" && proc2 == "00" && req.CondCode == "06":
		n.debit(req, resp, KindCompletion)
	case class == "020" && proc2 == "00":
		n.debit(req, resp, KindSale)
	case class == "020" && proc2 == "20":
		n.void(req, resp)
	case class == "022" && proc2 == "20":
		n.refund(req, resp)
	case class == "022" && proc2 == "22":
		n.adjust(req, resp)
	default:
		resp.Code = codeNotSupported
	}
	return resp
}

// baseResponse echoes the request's matching fields and amount.
func (n *Network) baseResponse(req *posguard.UpstreamRequest) *posguard.UpstreamResponse {
	rrn := req.RRN
	if rrn == "" {
		n.rrnSeq++
		rrn = fmt.Sprintf("%012d", n.rrnSeq)
	}
	return &posguard.UpstreamResponse{
		MTI:        responseMTI(req.MTI),
		STAN:       req.STAN,
		Time:       req.Time,
		AcquirerID: req.AcquirerID,
		TerminalID: req.TerminalID,
		RRN:        rrn,
		Amount:     req.Amount,
		HasAmount:  req.Amount != 0,
	}
}

// approve sets the approval fields of resp.
func (n *Network) approve(resp *posguard.UpstreamResponse, pan string) {
	resp.Code = codeApproved
	resp.AuthCode = fmt.Sprintf("%06d", n.rng.IntN(1000000))
	resp.IssuerID = issuerID(pan)
}

// cardFor finds the account of the request's card (field 2, else track 2)
// and checks the PIN when field 52 is present; it returns the answer code
// when the card cannot be used.
func (n *Network) cardFor(req *posguard.UpstreamRequest) (*account, string) {
	pan := requestPAN(req)
	a := n.accounts[pan]
	if a == nil {
		return nil, codeInvalidCard
	}
	if len(req.PINBlock) > 0 {
		if n.pinKey == nil {
			return nil, codeMalfunction
		}
		if !pinMatches(n.pinKey, req.PINBlock, pan, a.card.PIN) {
			return nil, codeWrongPIN
		}
	}
	return a, ""
}

// usable checks the card's status and expiry for a debit or an inquiry.
func (n *Network) usable(a *account, req *posguard.UpstreamRequest) string {
	switch a.card.Status {
	case posguard.CardLost:
		return codeLost
	case posguard.CardStolen:
		return codeStolen
	case posguard.CardFrozen:
		return codeRestricted
	case posguard.CardDormant:
		return codeDormant
	case posguard.CardExpired:
		return codeExpired
	}
	exp := req.Expiry
	if exp == "" {
		exp = trackExpiry(req.Track2)
	}
	if exp == "" {
		exp = a.card.Expiry
	}
	if len(exp) == 4 && exp < n.now().UTC().Format("0601") {
		return codeExpired
	}
	return ""
}

// inquiry answers a balance inquiry with field 54.
func (n *Network) inquiry(req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse) {
	a, code := n.cardFor(req)
	if code == "" {
		code = n.usable(a, req)
	}
	if code != "" {
		resp.Code = code
		return
	}
	n.approve(resp, a.card.PAN.Reveal())
	resp.Balance = balanceField(a.available())
}

// debit authorizes a sale, a completion (which consumes the hold of the
// preauth named in field 90, when there is one) or a preauth (a hold).
func (n *Network) debit(req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse, kind string) {
	a, code := n.cardFor(req)
	if code == "" {
		code = n.usable(a, req)
	}
	if code == "" && req.Amount <= 0 {
		code = codeInvalidAmount
	}
	var pre *posting
	if code == "" && kind == KindCompletion && req.Original != nil {
		pre = n.byOrig[originalKey(req.Original)]
		switch {
		case pre == nil:
			code = codeNoOriginal
		case pre.kind != KindPreauth || pre.acct != a || pre.state != StatePosted || !pre.holding:
			code = codeInvalidTxn
		}
	}
	if code == "" {
		avail := a.available()
		if pre != nil {
			avail += pre.amount
		}
		if req.Amount > avail {
			code = codeNoFunds
		}
	}
	if code != "" {
		resp.Code = code
		return
	}
	p := &posting{key: requestKey(req), stan: req.STAN, rrn: resp.RRN, amount: req.Amount, kind: kind, orig: pre}
	a.post(p)
	if pre != nil {
		pre.setHold(false)
	}
	if kind == KindPreauth {
		p.setHold(true)
	}
	n.byOrig[p.key] = p
	n.approve(resp, a.card.PAN.Reveal())
	n.record(p, req, resp)
}

// original finds the posting named by field 90 and checks it belongs to
// the request's card.
func (n *Network) original(req *posguard.UpstreamRequest) (*account, *posting, string) {
	a, code := n.cardFor(req)
	if code != "" {
		return nil, nil, code
	}
	if req.Original == nil {
		return nil, nil, codeNoOriginal
	}
	o := n.byOrig[originalKey(req.Original)]
	if o == nil {
		return nil, nil, codeNoOriginal
	}
	if o.acct != a {
		return nil, nil, codeInvalidCard // PAN differs from the original's
	}
	return a, o, ""
}

// void credits back a posted sale or completion (or releases a preauth's
// hold, for a preauth cancel): the original stays as it was, a void
// posting is added.
func (n *Network) void(req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse) {
	a, o, code := n.original(req)
	if code == "" {
		wantKind := o.kind == KindSale || o.kind == KindCompletion
		if mtiClass(req.MTI) == "010" {
			wantKind = o.kind == KindPreauth && o.holding
		}
		switch {
		case !wantKind || o.state != StatePosted || o.voidedBy != nil || o.refunded > 0:
			code = codeInvalidTxn
		case req.Amount != 0 && req.Amount != o.amount:
			code = codeOrigAmount
		}
	}
	if code != "" {
		resp.Code = code
		return
	}
	v := &posting{key: requestKey(req), stan: req.STAN, rrn: resp.RRN, amount: o.amount, kind: KindVoid, orig: o}
	a.post(v)
	o.voidedBy = v
	o.setHold(false)
	if pre := o.orig; o.kind == KindCompletion && pre != nil && pre.kind == KindPreauth && pre.state == StatePosted && pre.voidedBy == nil {
		// A completion void opens the pre-auth again: its hold is back.
		pre.setHold(true)
	}
	n.byOrig[v.key] = v
	n.approve(resp, a.card.PAN.Reveal())
	n.record(v, req, resp)
}

// refund credits part or all of a posted sale or completion.
func (n *Network) refund(req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse) {
	a, o, code := n.original(req)
	switch {
	case code != "":
	case (o.kind != KindSale && o.kind != KindCompletion) || o.state != StatePosted || o.voidedBy != nil:
		code = codeInvalidTxn
	case req.Amount <= 0 || req.Amount > o.amount-o.refunded:
		code = codeInvalidAmount
	}
	if code != "" {
		resp.Code = code
		return
	}
	r := &posting{key: requestKey(req), stan: req.STAN, rrn: resp.RRN, amount: req.Amount, kind: KindRefund, orig: o}
	a.post(r)
	o.refunded += req.Amount
	n.byOrig[r.key] = r
	n.approve(resp, a.card.PAN.Reveal())
	n.record(r, req, resp)
}

// adjust approves a credit adjustment (贷记调整) for any card the network
// holds and credits the card. Field 90 names the cleared line it repairs;
// without a card number (posguard keeps none) the card is that line's.
func (n *Network) adjust(req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse) {
	var a *account
	code := ""
	if req.PAN == "" && req.Track2 == "" && req.Original != nil {
		// No card number: the card of the line field 90 names.
		if o := n.byOrig[originalKey(req.Original)]; o != nil {
			a = o.acct
		} else {
			code = codeNoOriginal
		}
	} else {
		a, code = n.cardFor(req)
	}
	if code == "" && req.Amount <= 0 {
		code = codeInvalidAmount
	}
	if code != "" {
		resp.Code = code
		return
	}
	p := &posting{key: requestKey(req), stan: req.STAN, rrn: resp.RRN, amount: req.Amount, kind: KindAdjustment}
	a.post(p)
	n.byOrig[p.key] = p
	n.approve(resp, a.card.PAN.Reveal())
	n.record(p, req, resp)
}

// record keeps on a new posting what its clearing line needs (§8 of the
// clearing-file spec): terminal, merchant, the request's field 7, the
// moment of approval and the original's trace and time.
func (n *Network) record(p *posting, req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse) {
	p.terminal, p.merchant, p.acquirer = req.TerminalID, req.MerchantID, req.AcquirerID
	p.transmitted, p.mcc, p.entryMode, p.authCode = req.Time, req.MCC, req.EntryMode, resp.AuthCode
	p.approvedAt = n.now()
	if req.Original != nil {
		p.origSTAN, p.origTime = req.Original.STAN, req.Original.Time
	}
}

// reversal undoes the posting field 90 names. Answering 00 when there is
// nothing (left) to undo makes reversals idempotent; the original is
// remembered so that, should it arrive after its reversal, it is refused.
func (n *Network) reversal(req *posguard.UpstreamRequest, resp *posguard.UpstreamResponse) {
	if req.Original == nil {
		resp.Code = codeFormat
		return
	}
	k := originalKey(req.Original)
	o := n.byOrig[k]
	switch {
	case o == nil:
		n.tombstones[k] = true
		n.stats.ReversalsUnmatched++
	case o.state != StatePosted:
		n.stats.ReversalsUnmatched++
	default:
		o.reverse()
		n.stats.ReversalsApplied++
	}
	resp.Code = codeApproved
}

func requestKey(req *posguard.UpstreamRequest) origKey {
	return origKey{req.MTI, req.STAN, req.Time}
}

func originalKey(o *posguard.OriginalData) origKey {
	return origKey{o.MTI, o.STAN, o.Time}
}

// requestPAN is field 2, or the PAN part of track 2.
func requestPAN(req *posguard.UpstreamRequest) string {
	if req.PAN != "" {
		return req.PAN.Reveal()
	}
	pan, _, _ := strings.Cut(strings.ReplaceAll(req.Track2, "=", "D"), "D")
	return pan
}

// trackExpiry is the YYMM after the track 2 separator, "" if none.
func trackExpiry(track string) string {
	_, rest, ok := strings.Cut(strings.ReplaceAll(track, "=", "D"), "D")
	if !ok || len(rest) < 4 {
		return ""
	}
	return rest[:4]
}

// issuerID is field 44: the BIN followed by zeros, 11 digits.
func issuerID(pan string) string {
	bin := posguard.PAN(pan).BIN()
	return bin + strings.Repeat("0", 11-len(bin))
}

// balanceField is field 54: account type 00, amount type 02 (available),
// currency 156, C or D, and 12 digits (a larger balance shows as the
// largest 12-digit amount: the field has no room for more).
func balanceField(v posguard.Amount) string {
	sign := "C"
	if v < 0 {
		sign, v = "D", -v
	}
	if v > 999_999_999_999 {
		v = 999_999_999_999
	}
	return fmt.Sprintf("0002%s%s%012d", posguard.CurrencyCNY, sign, int64(v))
}

// mtiClass is the MTI's first three digits with the response bit cleared.
func mtiClass(mti string) string {
	if len(mti) < 3 {
		return mti
	}
	d := mti[2]
	if d >= '0' && d <= '9' {
		d = '0' + (d-'0')&^1
	}
	return mti[:2] + string(d)
}

// responseMTI is the answer's MTI: 0200 → 0210, 0421 → 0430.
func responseMTI(mti string) string {
	c := mtiClass(mti)
	if len(c) != 3 {
		return mti
	}
	return c[:2] + string(c[2]+1) + "0"
}

package diagnosis

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	posguard "github.com/posguard/posguard"
)

// Explanation is what Explain found for one failure.
type Explanation struct {
	Code   string // the field 39 code (as given, or the reason's)
	Reason string // the internal reason as given
	// Entry is the most specific entry: the reason's when the reason is
	// known, else the code's.
	Entry Entry
	// CodeEntry is the entry of Code (zero when the code is unknown).
	CodeEntry Entry
	Known     bool // false when neither the reason nor the code has an entry
	// Summary is one sentence naming the exact status, limit or amount from
	// the evidence, and the first thing to do.
	Summary Text
}

// Text returns the summary in lang.
func (x Explanation) Text(lang string) string { return x.Summary.In(lang) }

// Explain combines a wire code, an internal reason ("merchant.kyc_pending",
// "issuer.51", or empty) and the evidence the host recorded into one
// sentence. Evidence keys used by the templates include status_since,
// limit, value, used, original_amount, refundable, terminal, batch,
// host_batch and attempts; amounts are fen. Either code or reason may be
// empty. Values that look like card numbers (13 or more digits in a row) are
// masked.
func Explain(code, reason string, detail map[string]string) Explanation {
	x := Explanation{Code: strings.ToUpper(strings.TrimSpace(code)), Reason: reason}
	var e Entry
	var ok bool
	if reason != "" {
		e, ok = Lookup(reason)
		if ok && x.Code == "" {
			x.Code = e.Code
		}
	}
	if x.Code != "" {
		x.CodeEntry, _ = ForCode(x.Code)
	}
	if !ok && x.CodeEntry.Key != "" {
		e, ok = x.CodeEntry, true
	}
	if !ok {
		what := "应答码" + x.Code
		en := "response code " + x.Code
		if x.Code == "" || reason != "" {
			what, en = "原因"+reason, "reason "+reason
		}
		x.Summary = Text{
			ZH: "未知的" + maskDigits(what) + "：请记下交易时间和参考号，联系收单机构客服",
			EN: "unknown " + maskDigits(en) + ": note the time and reference number and contact the acquirer's support",
		}
		return x
	}
	x.Entry, x.Known = e, true
	x.Summary = summary(e, enrich(detail))
	return x
}

// summary renders the first evidence template whose placeholders the
// detail fills, or else the entry's name and first remedy step.
func summary(e Entry, detail map[string]string) Text {
	for _, t := range e.Evidence {
		zh, ok1 := render(t.ZH, detail)
		en, ok2 := render(t.EN, detail)
		if ok1 && ok2 {
			return Text{ZH: zh, EN: en}
		}
	}
	t := Text{ZH: e.Name.ZH, EN: e.Name.EN}
	if len(e.Remedy) > 0 {
		t.ZH += "：" + e.Remedy[0].ZH
		t.EN += ": " + lowerFirst(e.Remedy[0].EN)
	}
	return t
}

// enrich adds values derived from the evidence: excess = value − limit,
// remaining = limit − used.
func enrich(detail map[string]string) map[string]string {
	d := make(map[string]string, len(detail)+2)
	for k, v := range detail {
		d[k] = v
	}
	limit, okL := integer(d["limit"])
	if v, ok := integer(d["value"]); ok && okL && d["excess"] == "" {
		d["excess"] = strconv.FormatInt(v-limit, 10)
	}
	if u, ok := integer(d["used"]); ok && okL && d["remaining"] == "" {
		d["remaining"] = strconv.FormatInt(max(limit-u, 0), 10)
	}
	return d
}

// render fills a template; false when a placeholder has no value (or a
// value its format cannot read).
func render(tmpl string, detail map[string]string) (string, bool) {
	ok := true
	out := placeholders.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := placeholders.FindStringSubmatch(m)
		v, has := detail[sub[1]]
		if !has || strings.TrimSpace(v) == "" {
			ok = false
			return m
		}
		s, good := format(strings.TrimSpace(v), strings.TrimPrefix(sub[2], ":"))
		if !good {
			ok = false
		}
		return s
	})
	return out, ok
}

// format renders one value: "yuan" reads fen and writes yuan with two
// decimals, "date" keeps the date of an RFC 3339 time; any other value is
// written as is, with long digit runs masked.
func format(v, how string) (string, bool) {
	switch how {
	case "yuan":
		n, ok := integer(v)
		if !ok {
			return v, false
		}
		return posguard.Amount(n).String(), true
	case "date":
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.Format(time.DateOnly), true
		}
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			return v, true
		}
		return v, false
	}
	return maskDigits(v), true
}

func integer(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

var longDigits = regexp.MustCompile(`[0-9]{13,}`)

// maskDigits masks runs of 13 or more digits as a PAN (6 + 4). Twelve-digit
// values (RRNs, amounts) stay readable.
func maskDigits(s string) string { return longDigits.ReplaceAllStringFunc(s, posguard.MaskPAN) }

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	// Keep acronyms (PIN, MAC, IC) as written.
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// Evidence keys Explain's templates read. Amounts are fen, written in
// decimal; dates are YYYY-MM-DD or RFC 3339.
const (
	DetailStatusSince    = "status_since"    // when the merchant's status last changed
	DetailLimit          = "limit"           // the limit that was hit (fen, or a count)
	DetailValue          = "value"           // the amount or count that broke it
	DetailUsed           = "used"            // the day's total before this transaction
	DetailAmount         = "amount"          // the transaction amount
	DetailOriginalAmount = "original_amount" // the original transaction's amount
	DetailOriginalDate   = "original_date"   // the original's settlement date
	DetailRefundable     = "refundable"      // what is still refundable on the original
	DetailTerminal       = "terminal"        // a terminal ID
	DetailMerchant       = "merchant"        // a merchant ID
	DetailBatch          = "batch"           // the terminal's batch number
	DetailHostBatch      = "host_batch"      // the host's open batch number
	DetailRRN            = "rrn"             // a retrieval reference number
	DetailType           = "type"            // a transaction type
	DetailField          = "field"           // the message field found malformed
	DetailTimeout        = "timeout"         // the timeout that expired, e.g. "30s"
	DetailAttempts       = "attempts"        // how often a reversal was sent
	DetailTerminalDebit  = "terminal_debit"  // the terminal's debit total at settlement
	DetailHostDebit      = "host_debit"      // the host's debit total at settlement
	DetailRule           = "rule"            // the risk rule that hit
	DetailRuleKind       = "kind"            // the risk rule's kind
	DetailFreezeReason   = "freeze_reason"   // why risk control froze the merchant
)

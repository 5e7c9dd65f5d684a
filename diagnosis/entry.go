package diagnosis

import (
	"fmt"
	"strings"
)

// Text is a message in Chinese and English.
type Text struct {
	ZH string `yaml:"zh"`
	EN string `yaml:"en"`
}

// In returns the text in lang ("zh" or "zh-*" for Chinese, anything else for
// English), falling back to the other language when that one is empty.
func (t Text) In(lang string) string {
	if isZH(lang) {
		if t.ZH != "" {
			return t.ZH
		}
		return t.EN
	}
	if t.EN != "" {
		return t.EN
	}
	return t.ZH
}

func isZH(lang string) bool {
	l := strings.ToLower(lang)
	return l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_")
}

// Classes of a response code, from the acquirer specifications.
const (
	ClassSuccess  = "A" // success
	ClassRetry    = "B" // failed, a retry is allowed
	ClassNoRetry  = "C" // failed, do not retry as is
	ClassOperator = "D" // failed, the operator must act (e.g. retain the card)
	ClassSystem   = "E" // system fault
)

// Cause categories: who or what a failure comes from.
const (
	CategoryCard           = "card"
	CategoryCardholder     = "cardholder"
	CategoryOperator       = "operator"
	CategoryTerminal       = "terminal"
	CategoryCommunication  = "communication"
	CategoryMerchantStatus = "merchant_status"
	CategoryLimit          = "limit"
	CategoryIssuerNetwork  = "issuer_network"
	CategoryRisk           = "risk"
	CategorySettlement     = "settlement"
	CategoryHost           = "host"
	CategorySuccess        = "success"
)

// Retry advice.
const (
	RetryYes      = "yes"       // the same transaction may be tried again at once
	RetryNo       = "no"        // do not try again (or nothing to retry)
	RetryAfterFix = "after_fix" // try again once the cause is fixed
	RetryLater    = "later"     // try again after a while
)

// Entry explains one field 39 code or one internal reason.
type Entry struct {
	// Key is "39:<code>" for a response code, or an internal reason such as
	// "merchant.frozen".
	Key string
	// Code is the field 39 code the entry maps to; empty only for payout
	// reasons (settlement.*) that never reach a terminal.
	Code     string
	Class    string // A–E, see Class*
	Category string // see Category*
	// Actor is who must act: CH cardholder, OP merchant/operator, ACQ
	// acquirer, ISS issuer, NET card network, "–" nobody; "CH→ISS" means the
	// cardholder must contact the issuer.
	Actor   string
	Name    Text // short name, e.g. 可用余额不足 / Insufficient funds
	Meaning Text
	Remedy  []Text // steps, in order
	Retry   string // see Retry*
	// Screen is the short text for the terminal display (field 63): at most
	// 20 bytes in GBK for Chinese (10 Han characters) and 40 characters in
	// English.
	Screen Text
	// Legacy marks a code outside the current UnionPay table that terminals
	// still show (the spec's †).
	Legacy bool
	// Evidence holds sentence templates for Explain, most specific first;
	// {name} is replaced by the detail value called name, {name:yuan}
	// formats fen as yuan, {name:date} keeps the date of a time.
	Evidence []Text
}

// IsCode reports whether e explains a field 39 code rather than a reason.
func (e Entry) IsCode() bool { return strings.HasPrefix(e.Key, "39:") }

// Format returns a readable multi-line explanation of e in lang ("zh" or
// "en").
func (e Entry) Format(lang string) string {
	zh := isZH(lang)
	var b strings.Builder
	code := e.Code
	if code == "" {
		code = "--"
	}
	if e.IsCode() {
		fmt.Fprintf(&b, "%s %s", code, e.Name.In(lang))
	} else {
		fmt.Fprintf(&b, "%s (39=%s) %s", e.Key, code, e.Name.In(lang))
	}
	if e.Legacy {
		b.WriteString(pick(zh, "（旧码）", " (legacy code)"))
	}
	b.WriteString("\n")
	label := func(z, en string) string { return pick(zh, z+"：", en+": ") }
	fmt.Fprintf(&b, "%s%s · %s%s · %s%s\n",
		label("类别", "Class"), e.Class,
		label("原因", "Cause"), categoryNames[e.Category].In(lang),
		label("处理方", "Who acts"), e.Actor)
	fmt.Fprintf(&b, "%s%s\n", label("含义", "Meaning"), e.Meaning.In(lang))
	if len(e.Remedy) > 0 {
		fmt.Fprintf(&b, "%s\n", pick(zh, "处理步骤：", "What to do:"))
		for i, r := range e.Remedy {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, r.In(lang))
		}
	}
	fmt.Fprintf(&b, "%s%s\n", label("重试", "Retry"), retryNames[e.Retry].In(lang))
	fmt.Fprintf(&b, "%s%s\n", label("终端显示", "Screen"), e.Screen.In(lang))
	return b.String()
}

func pick(zh bool, z, en string) string {
	if zh {
		return z
	}
	return en
}

var categoryNames = map[string]Text{
	CategoryCard:           {"卡片问题", "card"},
	CategoryCardholder:     {"持卡人原因", "cardholder"},
	CategoryOperator:       {"操作问题", "operator"},
	CategoryTerminal:       {"终端问题", "terminal"},
	CategoryCommunication:  {"通讯问题", "communication"},
	CategoryMerchantStatus: {"商户状态", "merchant status"},
	CategoryLimit:          {"限额", "limit"},
	CategoryIssuerNetwork:  {"发卡行或银联", "issuer / network"},
	CategoryRisk:           {"风控合规", "risk / compliance"},
	CategorySettlement:     {"结算", "settlement"},
	CategoryHost:           {"收单系统", "host"},
	CategorySuccess:        {"成功", "success"},
}

var retryNames = map[string]Text{
	RetryYes:      {"可以立即重试", "may retry now"},
	RetryNo:       {"不要重试", "do not retry"},
	RetryAfterFix: {"排除原因后再试", "retry after fixing the cause"},
	RetryLater:    {"稍后再试", "retry later"},
}

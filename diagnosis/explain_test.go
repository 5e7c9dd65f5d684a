package diagnosis

import (
	"fmt"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		name         string
		code, reason string
		detail       map[string]string
		wantCode     string
		wantKey      string
		en, zh       string
	}{
		{
			name: "kyc with date", code: "03", reason: "merchant.kyc_pending",
			detail:   map[string]string{DetailStatusSince: "2026-11-20"},
			wantCode: "03", wantKey: "merchant.kyc_pending",
			en: "merchant pending real-name verification since 2026-11-20: upload the legal representative's ID",
			zh: "商户自2026-11-20起实名认证未完成：请上传法定代表人身份证",
		},
		{
			name: "kyc with an RFC 3339 time", reason: "merchant.kyc_pending",
			detail:   map[string]string{DetailStatusSince: "2026-11-20T09:30:00+08:00"},
			wantCode: "03", wantKey: "merchant.kyc_pending",
			en: "merchant pending real-name verification since 2026-11-20: upload the legal representative's ID",
			zh: "商户自2026-11-20起实名认证未完成：请上传法定代表人身份证",
		},
		{
			name: "kyc without evidence", code: "03", reason: "merchant.kyc_pending",
			wantCode: "03", wantKey: "merchant.kyc_pending",
			en: "merchant real-name verification not complete: upload the legal representative's ID",
			zh: "商户实名认证未完成：请上传法定代表人身份证",
		},
		{
			name: "frozen", code: "03", reason: "merchant.frozen",
			detail:   map[string]string{DetailStatusSince: "2026-11-02"},
			wantCode: "03", wantKey: "merchant.frozen",
			en: "merchant frozen by risk control since 2026-11-02: contact the acquirer's risk department and provide the transaction documents",
			zh: "商户自2026-11-02起被风控冻结：请联系收单机构风控部门并提交交易说明材料",
		},
		{
			name: "per-transaction limit", code: "61", reason: "limit.per_txn",
			detail:   map[string]string{DetailLimit: "5000000", DetailValue: "6000000"},
			wantCode: "61", wantKey: "limit.per_txn",
			en: "amount 60000.00 yuan is over the merchant's per-transaction limit of 50000.00 yuan: split the payment or ask the acquirer to raise the limit",
			zh: "金额60000.00元超过商户单笔限额50000.00元：请分笔收款或向收单机构申请调整限额",
		},
		{
			name: "daily limit with excess", code: "61", reason: "limit.daily_amount",
			detail:   map[string]string{DetailLimit: "50000000", DetailValue: "50012345"},
			wantCode: "61", wantKey: "limit.daily_amount",
			en: "today's total would be 500123.45 yuan, over the merchant's daily limit of 500000.00 yuan by 123.45 yuan: take the payment tomorrow or ask the acquirer to raise the limit",
			zh: "本笔后当日收款将达500123.45元，超过商户单日限额500000.00元（超出123.45元）：请次日再收或申请调整限额",
		},
		{
			name: "daily limit from the day's usage", reason: "limit.daily_amount",
			detail:   map[string]string{DetailLimit: "50000000", DetailUsed: "49990000"},
			wantCode: "61", wantKey: "limit.daily_amount",
			en: "only 100.00 yuan of the daily limit of 500000.00 yuan is left today: take the payment tomorrow or ask the acquirer to raise the limit",
			zh: "今日剩余额度100.00元，单日限额500000.00元：请次日再收或申请调整限额",
		},
		{
			name: "daily count", code: "65", reason: "limit.daily_count",
			detail:   map[string]string{DetailLimit: "200", DetailValue: "201"},
			wantCode: "65", wantKey: "limit.daily_count",
			en: "the merchant may do 200 transactions a day and this would be number 201: take the payment tomorrow or ask the acquirer to raise the count",
			zh: "商户单日限200笔，本笔为第201笔：请次日再收或申请调整笔数限制",
		},
		{
			name: "a limit that is not a number falls back", code: "61", reason: "limit.per_txn",
			detail:   map[string]string{DetailLimit: "lots", DetailValue: "6000000"},
			wantCode: "61", wantKey: "limit.per_txn",
			en: "Over the merchant's per-transaction limit: with the cardholder's agreement, take several payments each within the limit.",
			zh: "超过商户单笔限额：在持卡人同意时分成不超过限额的多笔收款。",
		},
		{
			name: "issuer decline", code: "51", reason: "issuer.51",
			wantCode: "51", wantKey: "39:51",
			en: "Insufficient funds: ask for another card or a QR-code payment.",
			zh: "可用余额不足：请持卡人换一张卡，或改用扫码支付。",
		},
		{
			name: "issuer decline with amount", reason: "issuer.51",
			detail:   map[string]string{DetailAmount: "12800"},
			wantCode: "51", wantKey: "39:51",
			en: "the card's available funds do not cover 128.00 yuan: ask for another card or a QR-code payment",
			zh: "卡内可用余额不足以支付128.00元：请持卡人换卡或改用扫码支付",
		},
		{
			name: "code only", code: "a0",
			wantCode: "A0", wantKey: "39:A0",
			en: "MAC verification failed: sign the terminal on again, then retry.",
			zh: "MAC鉴别失败：在终端上重新签到，然后重新交易。",
		},
		{
			name: "unknown reason falls back to the code", code: "03", reason: "merchant.on_holiday",
			wantCode: "03", wantKey: "39:03",
			en: "Invalid merchant: check the merchant status and its reason in the merchant portal or with the acquirer's support.",
			zh: "无效商户：在商户后台或联系收单机构客服查询商户状态及原因。",
		},
		{
			name: "unknown code", code: "Q9",
			wantCode: "Q9", wantKey: "",
			en: "unknown response code Q9: note the time and reference number and contact the acquirer's support",
			zh: "未知的应答码Q9：请记下交易时间和参考号，联系收单机构客服",
		},
		{
			name: "a card number in the evidence is masked", code: "97", reason: "terminal.unknown",
			detail:   map[string]string{DetailTerminal: "6225880000000019"},
			wantCode: "97", wantKey: "terminal.unknown",
			en: "terminal 622588******0019 is not registered with the acquirer: check the terminal's settings or ask the acquirer to register it",
			zh: "终端号622588******0019未在收单系统登记：请核对终端参数或联系收单机构登记",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Explain(tt.code, tt.reason, tt.detail)
			if x.Code != tt.wantCode || x.Entry.Key != tt.wantKey || x.Known != (tt.wantKey != "") {
				t.Errorf("code %q entry %q known %v; want %q %q", x.Code, x.Entry.Key, x.Known, tt.wantCode, tt.wantKey)
			}
			if got := x.Text("en"); got != tt.en {
				t.Errorf("en:\n got %s\nwant %s", got, tt.en)
			}
			if got := x.Text("zh"); got != tt.zh {
				t.Errorf("zh:\n got %s\nwant %s", got, tt.zh)
			}
		})
	}
}

// TestEvidenceRenders fills every evidence template of the base with
// values, so that a template naming a key no caller can give, or a format
// that does not exist, is caught.
func TestEvidenceRenders(t *testing.T) {
	detail := map[string]string{}
	for _, k := range []string{DetailStatusSince, DetailOriginalDate} {
		detail[k] = "2026-11-20"
	}
	for _, k := range []string{DetailLimit, DetailValue, DetailUsed, DetailAmount, DetailOriginalAmount,
		DetailRefundable, DetailAttempts, DetailTerminalDebit, DetailHostDebit} {
		detail[k] = "1000"
	}
	for _, k := range []string{DetailTerminal, DetailMerchant, DetailBatch, DetailHostBatch, DetailRRN,
		DetailType, DetailField, DetailTimeout, DetailRule, DetailRuleKind, DetailFreezeReason} {
		detail[k] = "x"
	}
	for _, e := range All() {
		for i, ev := range e.Evidence {
			for lang, tmpl := range map[string]string{"zh": ev.ZH, "en": ev.EN} {
				s, ok := render(tmpl, enrich(detail))
				if !ok || strings.ContainsAny(s, "{}") {
					t.Errorf("%s evidence[%d] %s does not render: %q", e.Key, i, lang, s)
				}
			}
		}
	}
}

func ExampleExplain() {
	x := Explain("61", "limit.per_txn", map[string]string{"limit": "5000000", "value": "6000000"})
	fmt.Println(x.Text("en"))
	fmt.Println(x.Text("zh"))
	// Output:
	// amount 60000.00 yuan is over the merchant's per-transaction limit of 50000.00 yuan: split the payment or ask the acquirer to raise the limit
	// 金额60000.00元超过商户单笔限额50000.00元：请分笔收款或向收单机构申请调整限额
}

func ExampleLookup() {
	e, _ := Lookup("issuer.55")
	fmt.Println(e.Key, e.Class, e.Category, e.Retry)
	fmt.Println(e.Screen.ZH, "/", e.Screen.EN)
	// Output:
	// 39:55 C cardholder after_fix
	// 密码错误 / INCORRECT PIN
}

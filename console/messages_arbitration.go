package console

// The messages of late rulings and arbitration on the dispute pages, merged
// into the one catalogue at start (TestCatalogComplete checks them).
func init() {
	for k, v := range arbitrationMessagesZH {
		messagesZH[k] = v
	}
	for k, v := range arbitrationMessagesEN {
		messagesEN[k] = v
	}
}

var arbitrationMessagesZH = map[string]string{
	"dispute.state.responded":   "已回复，待裁决",
	"dispute.state.arbitration": "仲裁中",
	"dispute.escalate":          "申请仲裁",
	"dispute.escalate_hint":     "卡组织裁定再请款失败后 10 天内可申请仲裁：已有证据和这里的说明会一并提交，卡组织将再次裁决。申请本身不涉及资金变动；仲裁胜诉则拒付金额退回商户。",
	"dispute.escalate_send":     "提交仲裁",
	"done.escalated":            "已申请仲裁，等待卡组织裁决。",
}

var arbitrationMessagesEN = map[string]string{
	"dispute.state.responded":   "responded, awaiting the ruling",
	"dispute.state.arbitration": "in arbitration",
	"dispute.escalate":          "Escalate to arbitration",
	"dispute.escalate_hint":     "Within 10 days of the network ruling against the representment you may escalate it: the evidence held and this statement go to the network, which rules again. Escalating moves no money; if arbitration is won, the chargeback's amount is credited back to the merchant.",
	"dispute.escalate_send":     "Send to arbitration",
	"done.escalated":            "Escalated to arbitration: awaiting the network's ruling.",
}

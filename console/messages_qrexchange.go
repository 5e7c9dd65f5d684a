package console

// The strings of a QR order page's refund history: every request posguard
// sent to the channel about a refund and what the answer means. A channel
// err_code is explained by the knowledge base (diagnosis.ChannelCode); a
// refund_state and the absence of a trusted answer are explained here.
func init() {
	for k, v := range qrExchangeMessagesZH {
		messagesZH[k] = v
	}
	for k, v := range qrExchangeMessagesEN {
		messagesEN[k] = v
	}
}

var qrExchangeMessagesZH = map[string]string{
	"qr.exchanges":            "退款与渠道的往来",
	"qr.no_exchanges":         "尚未向渠道发出退款请求。",
	"qr.col.request":          "请求",
	"qr.col.answer":           "渠道应答",
	"qr.col.meaning":          "说明",
	"qr.request.refund":       "申请退款（/pay/refund）",
	"qr.request.refund_query": "查询退款（/pay/refund/query）",
	"qr.answer.SUCCESS":       "退款成功：款项已退回付款人。",
	"qr.answer.PROCESSING":    "渠道处理中：posguard 稍后向渠道查询结果。",
	"qr.answer.FAIL":          "退款失败：款项未退回，退款额度已释放。",
	"qr.answer.rejected":      "渠道拒绝了请求（return_code FAIL），未做任何处理：退款失败，已建立工单。",
	"qr.answer.untrusted":     "没有可信的应答（超时、连接中断或签名不符）：退款状态未知，posguard 稍后向渠道查询，决不放弃。",
}

var qrExchangeMessagesEN = map[string]string{
	"qr.exchanges":            "Refund exchanges with the channel",
	"qr.no_exchanges":         "No refund request has been sent to the channel yet.",
	"qr.col.request":          "Request",
	"qr.col.answer":           "Channel's answer",
	"qr.col.meaning":          "Meaning",
	"qr.request.refund":       "Refund (/pay/refund)",
	"qr.request.refund_query": "Refund query (/pay/refund/query)",
	"qr.answer.SUCCESS":       "Refund succeeded: the money went back to the payer.",
	"qr.answer.PROCESSING":    "The channel is processing it: posguard asks for the result later.",
	"qr.answer.FAIL":          "Refund failed: the money was not returned and the reserved amount is released.",
	"qr.answer.rejected":      "The channel refused the request (return_code FAIL) and did nothing: the refund failed and a case was opened.",
	"qr.answer.untrusted":     "No trusted answer (timeout, broken connection or bad signature): the refund's state is unknown; posguard asks the channel later and never gives up.",
}

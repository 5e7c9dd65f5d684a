package console

// The QR pages' strings beyond the first QR list and order page: the
// search fields, the order's history, the channel's last answer and the
// refund form. They join the two catalogues at start (TestCatalogComplete
// checks them with the rest).
func init() {
	for k, v := range qrMessagesZH {
		messagesZH[k] = v
	}
	for k, v := range qrMessagesEN {
		messagesEN[k] = v
	}
}

var qrMessagesZH = map[string]string{
	"qr.search.id":              "主机订单号（Q…）",
	"qr.search.channel_no":      "渠道交易号 / 渠道订单号",
	"qr.col.id":                 "订单",
	"qr.history":                "订单经过",
	"qr.ev.refused":             "创建即失败（%s），未调用渠道",
	"qr.ev.created":             "创建，支付中（渠道订单号 %s）",
	"qr.ev.code":                "收款码已生成，%s 过期",
	"qr.ev.paid":                "已付款，渠道交易号 %s",
	"qr.ev.failed":              "失败：%s",
	"qr.ev.closed":              "未付款，已在渠道关单：%s",
	"qr.ev.reversed":            "期限内未确认，决定撤销：%s",
	"qr.ev.reversal_done":       "渠道确认撤销（共尝试 %d 次）",
	"qr.ev.refund":              "退款 %s 申请（商户退款单号 %s，%s）",
	"qr.ev.refund_succeeded":    "退款 %s 成功",
	"qr.ev.refund_failed":       "退款 %s 失败：%s",
	"qr.ev.notice":              "商户通知 %s（%s）已排队",
	"qr.ev.notice_delivered":    "商户通知 %s 已送达（第 %d 次尝试）",
	"qr.channel_answer":         "渠道最近应答",
	"qr.task":                   "待办",
	"qr.task.none":              "无",
	"qr.task.query":             "向渠道查询结果",
	"qr.task.native":            "向渠道申请收款码",
	"qr.task.reverse":           "向渠道撤销",
	"qr.task.close":             "向渠道关单",
	"qr.task.send":              "向渠道发送退款",
	"qr.refundable":             "可退金额",
	"qr.refund_title":           "退款",
	"qr.refund_amount":          "退款金额（元）",
	"qr.refund_reason":          "退款原因（选填，80 字以内）",
	"qr.refund_submit":          "提交退款",
	"qr.refund_hint":            "可部分退款，也可全额退款；款项原路退回顾客。同一退款单号重复提交只退一次。",
	"qr.refund_bad_no":          "商户退款单号：1 到 32 位字母、数字、_ 或 -。",
	"qr.refund_bad_amount":      "退款金额：请输入大于 0 的元金额，最多两位小数，例如 3.00。",
	"qr.refund_bad_reason":      "退款原因最多 80 个字。",
	"qr.refund_not_paid":        "订单未付款成功，不能退款。",
	"qr.refund_over":            "退款金额超过可退金额 %s。",
	"qr.refund_conflict":        "不能退款：%s",
	"done.qr_refund_succeeded":  "退款成功：款项已退回顾客。",
	"done.qr_refund_processing": "退款已受理，渠道处理中；结果会显示在本页。",
	"done.qr_refund_failed":     "渠道拒绝了退款，见下方退款记录的原因。",
}

var qrMessagesEN = map[string]string{
	"qr.search.id":              "Order id (Q…)",
	"qr.search.channel_no":      "Channel transaction / order no.",
	"qr.col.id":                 "Order",
	"qr.history":                "History",
	"qr.ev.refused":             "Refused at creation (%s); the channel was not called",
	"qr.ev.created":             "Created, paying (channel order no. %s)",
	"qr.ev.code":                "Code issued, expires %s",
	"qr.ev.paid":                "Paid, channel transaction %s",
	"qr.ev.failed":              "Failed: %s",
	"qr.ev.closed":              "Not paid, closed at the channel: %s",
	"qr.ev.reversed":            "Not confirmed in time, reversal decided: %s",
	"qr.ev.reversal_done":       "Reversal confirmed by the channel (%d attempt(s))",
	"qr.ev.refund":              "Refund %s asked (merchant refund no. %s, %s)",
	"qr.ev.refund_succeeded":    "Refund %s succeeded",
	"qr.ev.refund_failed":       "Refund %s failed: %s",
	"qr.ev.notice":              "Merchant notification %s (%s) queued",
	"qr.ev.notice_delivered":    "Merchant notification %s delivered (attempt %d)",
	"qr.channel_answer":         "Channel's last answer",
	"qr.task":                   "Still to do",
	"qr.task.none":              "nothing",
	"qr.task.query":             "ask the channel for the outcome",
	"qr.task.native":            "ask the channel for the code",
	"qr.task.reverse":           "reverse at the channel",
	"qr.task.close":             "close at the channel",
	"qr.task.send":              "send the refund to the channel",
	"qr.refundable":             "Refundable",
	"qr.refund_title":           "Refund",
	"qr.refund_amount":          "Amount (yuan)",
	"qr.refund_reason":          "Reason (optional, at most 80 characters)",
	"qr.refund_submit":          "Refund",
	"qr.refund_hint":            "Refund part or all of the order; the money goes back the way it came. The same refund number sent twice refunds once.",
	"qr.refund_bad_no":          "Refund number: 1 to 32 letters, digits, _ or -.",
	"qr.refund_bad_amount":      "Amount: enter yuan above 0 with at most two decimals, e.g. 3.00.",
	"qr.refund_bad_reason":      "The reason has at most 80 characters.",
	"qr.refund_not_paid":        "The order was not paid: it cannot be refunded.",
	"qr.refund_over":            "The amount is above what is refundable (%s).",
	"qr.refund_conflict":        "Cannot refund: %s",
	"done.qr_refund_succeeded":  "Refunded: the money went back to the customer.",
	"done.qr_refund_processing": "Refund accepted, the channel is processing it; its outcome will show on this page.",
	"done.qr_refund_failed":     "The channel refused the refund; see the reason in the refunds below.",
}

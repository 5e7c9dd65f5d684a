package dispute

import (
	"sort"
	"time"

	"github.com/posguard/posguard"
)

// Text is a sentence in Chinese and English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// In returns the text in lang ("en", otherwise Chinese).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ZH
}

// Need is what a response must carry for the network to rule for the
// merchant.
type Need string

// Evidence needs.
const (
	NeedReceipt  Need = "receipt"          // the electronic receipt, matching the network's record
	NeedMerchant Need = "receipt+merchant" // the receipt and the merchant's own evidence (text or file)
	NeedChip     Need = "receipt+chip"     // the receipt of a chip or contactless read (field 22 05x/07x)
)

// Reason is one of the network's dispute reason codes.
type Reason struct {
	Code string
	Kind posguard.DisputeKind
	// Days is how long the acquirer has to respond, from the time the
	// network raised the dispute.
	Days    int
	Need    Need
	Name    Text
	Meaning Text
	// Remedy says what the merchant should provide.
	Remedy Text
}

// Deadline returns the response deadline of a dispute raised at raised.
func (r Reason) Deadline(raised time.Time) time.Time {
	return raised.Add(time.Duration(r.Days) * 24 * time.Hour)
}

// reasons is the reason code table (UnionPay-style four-digit codes: 63xx
// retrieval requests, 45xx chargebacks).
var reasons = []Reason{
	{"6301", posguard.DisputeRetrieval, 7, NeedReceipt,
		Text{"持卡人不认可交易，调阅签购单", "Cardholder does not recognize the transaction: slip requested"},
		Text{"发卡行应持卡人要求调阅该笔交易的签购单。", "The issuer asks for the transaction's sales slip on the cardholder's behalf."},
		Text{"无需操作：系统自动提交电子签购单；如有纸质签购单可补充上传。", "Nothing to do: the electronic receipt is sent automatically; upload the signed paper slip if you have one."}},
	{"6305", posguard.DisputeRetrieval, 7, NeedReceipt,
		Text{"持卡人对交易金额有疑问", "Cardholder questions the amount"},
		Text{"持卡人对扣款金额有疑问，发卡行调阅签购单核对金额。", "The cardholder questions the amount charged; the issuer asks for the slip to check it."},
		Text{"核对签购单金额；如有小票或订单可补充上传。", "Check the slip's amount; upload the till receipt or order if you have one."}},
	{"6321", posguard.DisputeRetrieval, 7, NeedReceipt,
		Text{"发卡行欺诈调查调单", "Issuer fraud investigation"},
		Text{"发卡行在调查可能的欺诈交易，调阅签购单。", "The issuer investigates possible fraud and asks for the slip."},
		Text{"提交签购单；如记得持卡人或交易情形，请补充说明。", "Provide the slip; add what you remember of the cardholder or the sale."}},
	{"6341", posguard.DisputeRetrieval, 10, NeedReceipt,
		Text{"法律程序需要交易凭证", "Needed for legal proceedings"},
		Text{"因法律或监管程序需要该笔交易的凭证。", "The transaction's evidence is needed for legal or regulatory proceedings."},
		Text{"提交签购单及相关订单材料。", "Provide the slip and the order's documents."}},
	{"4502", posguard.DisputeChargeback, 30, NeedReceipt,
		Text{"调单未回复", "Retrieval request not fulfilled"},
		Text{"此前的调单未在期限内回复，发卡行发起拒付。", "An earlier retrieval request went unanswered by its deadline, so the issuer charged the sale back."},
		Text{"提交签购单即可申请再请款。", "Provide the slip to represent the sale."}},
	{"4507", posguard.DisputeChargeback, 30, NeedReceipt,
		Text{"交易金额不符", "Amount differs"},
		Text{"持卡人称扣款金额与签购单或约定金额不符。", "The cardholder says the amount charged differs from the slip or the agreed price."},
		Text{"提交签购单证明扣款金额与持卡人确认的一致。", "Provide the slip showing the amount the cardholder confirmed."}},
	{"4512", posguard.DisputeChargeback, 30, NeedReceipt,
		Text{"重复扣款", "Duplicate processing"},
		Text{"持卡人称同一笔消费被扣款两次。", "The cardholder says one purchase was charged twice."},
		Text{"提交两笔交易各自的签购单，证明是两笔不同的消费。", "Provide each transaction's slip to show they are two different purchases."}},
	{"4515", posguard.DisputeChargeback, 30, NeedMerchant,
		Text{"持卡人否认交易", "Cardholder denies the transaction"},
		Text{"持卡人否认进行过该笔交易。", "The cardholder denies making the transaction."},
		Text{"提交持卡人签名的签购单、购物小票、监控或送货记录等证明持卡人本人交易的材料。", "Provide the signed slip, the till receipt, CCTV or delivery records showing the cardholder made the purchase."}},
	{"4559", posguard.DisputeChargeback, 45, NeedMerchant,
		Text{"未提供商品或服务", "Goods or services not provided"},
		Text{"持卡人称已付款但未收到商品或服务。", "The cardholder says they paid but did not receive the goods or services."},
		Text{"提交发货单、签收记录或服务完成证明。", "Provide the delivery note, the signed proof of receipt or proof the service was given."}},
	{"4562", posguard.DisputeChargeback, 30, NeedChip,
		Text{"伪卡交易", "Counterfeit card"},
		Text{"发卡行认定该笔交易使用了伪卡（复制的磁条）。", "The issuer found the transaction was made with a counterfeit (copied magnetic stripe) card."},
		Text{"芯片或闪付交易可凭签购单抗辩；磁条交易通常无法抗辩。", "A chip or contactless read is defended with the slip; a magnetic stripe read usually cannot be."}},
}

var reasonIndex = func() map[string]Reason {
	m := map[string]Reason{}
	for _, r := range reasons {
		m[r.Code] = r
	}
	return m
}()

// Lookup returns the reason with code; false if the code is unknown.
func Lookup(code string) (Reason, bool) {
	r, ok := reasonIndex[code]
	return r, ok
}

// Reasons returns the reason table, ordered by code.
func Reasons() []Reason {
	out := append([]Reason(nil), reasons...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

package receipt

import (
	"context"
	"fmt"
	"strings"

	"github.com/posguard/posguard"
)

// Store is what a Builder reads: the journal and the merchants.
type Store interface {
	ByID(ctx context.Context, id int64) (*posguard.Transaction, error)
	Merchant(ctx context.Context, id string) (*posguard.Merchant, error)
}

// Builder builds receipts. Store is required; Ledger, if set, tells the
// card kind (debit or credit) the transaction was priced as.
type Builder struct {
	Store  Store
	Ledger posguard.LedgerStore
}

// For returns t's receipt. Returns ENOTFOUND when t has none (not an
// approved card transaction that moves money).
func (b *Builder) For(ctx context.Context, t *posguard.Transaction) (*posguard.Receipt, error) {
	if !posguard.HasReceipt(t) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "transaction %d has no receipt: it was not approved", t.ID)
	}
	var m *posguard.Merchant
	if t.MerchantID != "" {
		got, err := b.Store.Merchant(ctx, t.MerchantID)
		switch {
		case err == nil:
			m = got
		case posguard.ErrorCode(err) != posguard.ENOTFOUND:
			return nil, err
		}
	}
	var orig *posguard.Transaction
	if t.OrigID != 0 {
		got, err := b.Store.ByID(ctx, t.OrigID)
		switch {
		case err == nil:
			orig = got
		case posguard.ErrorCode(err) != posguard.ENOTFOUND:
			return nil, err
		}
	}
	kind, err := b.cardKind(ctx, t)
	if err != nil {
		return nil, err
	}
	return posguard.NewReceipt(t, m, orig, kind)
}

// ByID returns the receipt of transaction id (ENOTFOUND if there is no
// such transaction or it has no receipt).
func (b *Builder) ByID(ctx context.Context, id int64) (*posguard.Receipt, error) {
	t, err := b.Store.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.For(ctx, t)
}

// cardKind returns the kind the ledger priced t (or its original) as.
func (b *Builder) cardKind(ctx context.Context, t *posguard.Transaction) (posguard.CardKind, error) {
	if b.Ledger == nil {
		return "", nil
	}
	ps, err := b.Ledger.PostingsForTxn(ctx, t.ID)
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.CardKind != "" {
			return p.CardKind, nil
		}
	}
	return "", nil
}

// typeNames are the transaction names a slip prints, zh and en.
var typeNames = map[posguard.TxnType][2]string{
	posguard.TxnSale:           {"消费", "SALE"},
	posguard.TxnVoid:           {"消费撤销", "VOID"},
	posguard.TxnRefund:         {"退货", "REFUND"},
	posguard.TxnPreAuth:        {"预授权", "AUTH"},
	posguard.TxnPreAuthCancel:  {"预授权撤销", "AUTH CANCEL"},
	posguard.TxnCompletion:     {"预授权完成", "AUTH COMPLETE"},
	posguard.TxnCompletionVoid: {"预授权完成撤销", "COMPLETE VOID"},
}

// TypeName returns the slip's name of transaction type t in lang ("zh" or
// "en").
func TypeName(t posguard.TxnType, lang string) string {
	n, ok := typeNames[t]
	if !ok {
		return string(t)
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// kindNames are the card kinds a slip prints.
var kindNames = map[posguard.CardKind]string{posguard.CardDebit: "借记卡 DEBIT", posguard.CardCredit: "贷记卡 CREDIT"}

// Text prints r as a bilingual slip, one field a line, labels zh then en as
// a paper slip has them. Times are UTC+8; the card is masked.
func Text(r *posguard.Receipt) string {
	var b strings.Builder
	line := func(zh, en, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s %s: %s\n", zh, en, v)
		}
	}
	b.WriteString("银联POS电子签购单 / ELECTRONIC SALES SLIP\n")
	line("商户名称", "MERCHANT NAME", r.MerchantName)
	line("商户编号", "MERCHANT NO.", r.MerchantID)
	line("终端编号", "TERMINAL NO.", r.TerminalID)
	card := posguard.MaskPAN(r.CardMasked)
	if r.CardOrg != "" {
		card += " " + r.CardOrg
	}
	line("卡号", "CARD NO.", card)
	line("发卡行", "ISSUER BIN", r.IssuerBIN)
	line("卡类别", "CARD TYPE", kindNames[r.CardKind])
	line("交易类型", "TRANS TYPE", TypeName(r.Type, "zh")+" "+TypeName(r.Type, "en"))
	line("批次号", "BATCH NO.", r.Batch)
	line("凭证号", "TRACE NO.", r.STAN)
	line("参考号", "REF NO.", r.RRN)
	line("授权码", "AUTH NO.", r.AuthCode)
	line("日期/时间", "DATE/TIME", r.At.In(posguard.ChinaStandardTime).Format("2006-01-02 15:04:05")+" (UTC+8)")
	line("金额", "AMOUNT", "RMB "+r.Amount.String())
	if o := r.Orig; o != nil {
		line("原交易", "ORIGINAL", fmt.Sprintf("%s 批次 BATCH %s 凭证 TRACE %s 参考 REF %s", o.Date, o.Batch, o.STAN, o.RRN))
	}
	if r.SignatureRequired {
		b.WriteString("持卡人签名 CARDHOLDER SIGNATURE: ______________\n")
		b.WriteString("本人确认以上交易，同意将其记入本卡账户 I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES\n")
	} else {
		b.WriteString("小额免密免签 NO SIGNATURE REQUIRED\n")
	}
	return b.String()
}

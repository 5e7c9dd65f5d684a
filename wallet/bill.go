package wallet

import (
	"strconv"
	"strings"

	posguard "github.com/posguard/posguard"
)

// BillHeader is the exact header line of a day bill (spec §2.4).
const BillHeader = "trade_time,app_id,mch_id,out_trade_no,transaction_id,trade_type,type,amount,out_refund_no,refund_id,fee"

// Bill row types.
const (
	BillPay     = "PAY"
	BillReverse = "REVERSE"
	BillRefund  = "REFUND"
)

// BillRow is one money movement of a day bill.
type BillRow struct {
	TradeTime     string
	AppID         string
	MchID         string
	OutTradeNo    string
	TransactionID string
	TradeType     string
	Type          string
	Amount        int64
	OutRefundNo   string
	RefundID      string
	Fee           int64
}

// FormatBill writes rows as the bill's CSV text (header line first, LF ends).
func FormatBill(rows []BillRow) string {
	var b strings.Builder
	b.WriteString(BillHeader)
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString(strings.Join([]string{r.TradeTime, r.AppID, r.MchID, r.OutTradeNo, r.TransactionID,
			r.TradeType, r.Type, strconv.FormatInt(r.Amount, 10), r.OutRefundNo, r.RefundID,
			strconv.FormatInt(r.Fee, 10)}, ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseBill reads a day bill's CSV text. Errors are EINVALID and name the line.
func ParseBill(text string) ([]BillRow, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != BillHeader {
		return nil, posguard.Errorf(posguard.EINVALID, "bill line 1: not the bill header")
	}
	var rows []BillRow
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 11 {
			return nil, posguard.Errorf(posguard.EINVALID, "bill line %d: want 11 fields, have %d", i+2, len(f))
		}
		amt, err1 := strconv.ParseInt(f[7], 10, 64)
		fee, err2 := strconv.ParseInt(f[10], 10, 64)
		if err1 != nil || err2 != nil || !ValidAmount(amt) || fee < 0 {
			return nil, posguard.Errorf(posguard.EINVALID, "bill line %d: amount or fee not a valid fen count", i+2)
		}
		if f[6] != BillPay && f[6] != BillReverse && f[6] != BillRefund {
			return nil, posguard.Errorf(posguard.EINVALID, "bill line %d: type %q", i+2, f[6])
		}
		if f[5] != TradeMicropay && f[5] != TradeNative {
			return nil, posguard.Errorf(posguard.EINVALID, "bill line %d: trade_type %q", i+2, f[5])
		}
		rows = append(rows, BillRow{f[0], f[1], f[2], f[3], f[4], f[5], f[6], amt, f[8], f[9], fee})
	}
	return rows, nil
}

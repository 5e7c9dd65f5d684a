package recon

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// A wallet channel's day bill (spec/wallet-channel.md §2.4 /bill) as a run
// reads it: fetched from the channel, or given as a file named
// QR{yyyymmdd}.{channel}.{mch_id}.csv (dots, because channel names and
// sub-merchant ids may hold '_' and '-', never '.').

// MaxQRBill bounds one bill (the channel's /bill answer is at most 16 MiB).
const MaxQRBill = 16 << 20

// QRBill is one day bill given to a run.
type QRBill struct {
	// Name is the file's name (QR{yyyymmdd}.{channel}.{mch_id}.csv) or,
	// for a bill fetched from the channel, "" (the run names it).
	Name string
	// Channel and MchID say whose bill it is; a file's name gives them
	// when they are "".
	Channel, MchID string
	Data           []byte
}

// QRBillName is the name of a bill file: QR{yyyymmdd}.{channel}.{mch_id}.csv.
func QRBillName(date, channel, mchID string) string {
	return "QR" + strings.ReplaceAll(date, "-", "") + "." + channel + "." + mchID + ".csv"
}

// ParseQRBillName reads a bill file's name (its base name): the date
// (YYYY-MM-DD), the channel and the sub-merchant id.
func ParseQRBillName(name string) (date, channel, mchID string, ok bool) {
	name = baseName(name)
	rest, found := strings.CutPrefix(name, "QR")
	if !found {
		return "", "", "", false
	}
	rest, found = strings.CutSuffix(rest, ".csv")
	parts := strings.Split(rest, ".")
	if !found || len(parts) != 3 || len(parts[0]) != 8 || !wallet.ValidNumber(parts[1]) || !wallet.ValidNumber(parts[2]) {
		return "", "", "", false
	}
	t, err := time.Parse("20060102", parts[0])
	if err != nil {
		return "", "", "", false
	}
	return t.Format("2006-01-02"), parts[1], parts[2], true
}

// qrBill is a bill read and checked.
type qrBill struct {
	src  posguard.QRBillSource
	name string // file name, or "channel" for a fetched bill
	sha  string
	rows []qrRow
}

// qrRow is one row of a bill with its line number (the header is line 1).
type qrRow struct {
	wallet.BillRow
	line int
}

// qrBillColumns names the bill's columns for errors.
var qrBillColumns = strings.Split(wallet.BillHeader, ",")

// ReadQRBill reads and checks one bill of date for src (its app_id and
// mch_id are what every row must name). A bad bill is an EINVALID error of
// one line naming the bill, the line, the column and the reason, e.g.
// `QR20261123.wx.1900000101.csv line 3, column amount: "12x" is not a fen count`;
// a bad bill is rejected whole.
func ReadQRBill(name, date string, src posguard.QRBillSource, data []byte) ([]wallet.BillRow, error) {
	b, err := readQRBill(name, date, src, data)
	if err != nil {
		return nil, err
	}
	out := make([]wallet.BillRow, len(b.rows))
	for i, r := range b.rows {
		out[i] = r.BillRow
	}
	return out, nil
}

func readQRBill(name, date string, src posguard.QRBillSource, data []byte) (*qrBill, error) {
	bad := func(line int, col, format string, a ...any) error {
		where := fmt.Sprintf("%s line %d", name, line)
		if col != "" {
			where += ", column " + col
		}
		return posguard.Errorf(posguard.EINVALID, "%s: %s", where, fmt.Sprintf(format, a...))
	}
	if len(data) > MaxQRBill {
		return nil, bad(1, "", "bill over %d bytes", MaxQRBill)
	}
	day, err := time.ParseInLocation("2006-01-02", date, cst)
	if err != nil {
		return nil, posguard.Errorf(posguard.EINVALID, "date %q is not a date YYYY-MM-DD", date)
	}
	end := day.AddDate(0, 0, 1)
	sum := sha256.Sum256(data)
	b := &qrBill{src: src, name: name, sha: hex.EncodeToString(sum[:])}
	text := bytes.TrimSuffix(data, []byte("\n"))
	lines := bytes.Split(text, []byte("\n"))
	b.rows = make([]qrRow, 0, len(lines)-1)
	for i, raw := range lines {
		no := i + 1
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if i == 0 {
			if string(raw) != wallet.BillHeader {
				return nil, bad(1, "", "not the bill header %q", wallet.BillHeader)
			}
			continue
		}
		if len(raw) == 0 {
			return nil, bad(no, "", "empty line")
		}
		for _, c := range raw {
			if c < 0x20 || c > 0x7e {
				return nil, bad(no, "", "a byte outside printable ASCII")
			}
		}
		f := strings.Split(string(raw), ",")
		if len(f) != len(qrBillColumns) {
			return nil, bad(no, "", "%d columns, want %d", len(f), len(qrBillColumns))
		}
		t, err := time.Parse(time.RFC3339, f[0])
		if err != nil {
			return nil, bad(no, "trade_time", "%q is not an RFC 3339 time", f[0])
		}
		if t.Before(day) || !t.Before(end) {
			return nil, bad(no, "trade_time", "%s is not on %s (UTC+08:00)", f[0], date)
		}
		if f[1] != src.AppID {
			return nil, bad(no, "app_id", "%q is not the channel's app_id", f[1])
		}
		if f[2] != src.MchID {
			return nil, bad(no, "mch_id", "%q is not the bill's sub-merchant %q", f[2], src.MchID)
		}
		if !wallet.ValidNumber(f[3]) {
			return nil, bad(no, "out_trade_no", "%q is not an order number", f[3])
		}
		if len(f[4]) > 32 {
			return nil, bad(no, "transaction_id", "longer than 32 characters")
		}
		if f[5] != wallet.TradeMicropay && f[5] != wallet.TradeNative {
			return nil, bad(no, "trade_type", "%q is not MICROPAY or NATIVE", f[5])
		}
		if f[6] != wallet.BillPay && f[6] != wallet.BillReverse && f[6] != wallet.BillRefund {
			return nil, bad(no, "type", "%q is not PAY, REVERSE or REFUND", f[6])
		}
		amt, ok := fen(f[7])
		if !ok || !wallet.ValidAmount(amt) {
			return nil, bad(no, "amount", "%q is not a fen count from 1 to 10000000000", f[7])
		}
		if f[6] == wallet.BillRefund {
			if !wallet.ValidNumber(f[8]) {
				return nil, bad(no, "out_refund_no", "%q is not a refund number", f[8])
			}
			if f[9] == "" || len(f[9]) > 32 {
				return nil, bad(no, "refund_id", "missing or longer than 32 characters")
			}
		} else if f[8] != "" || f[9] != "" {
			return nil, bad(no, "out_refund_no", "set on a %s row", f[6])
		}
		fee, ok := fen(f[10])
		if !ok || fee > amt {
			return nil, bad(no, "fee", "%q is not a fen count up to the amount", f[10])
		}
		b.rows = append(b.rows, qrRow{line: no, BillRow: wallet.BillRow{TradeTime: f[0], AppID: f[1], MchID: f[2], OutTradeNo: f[3],
			TransactionID: f[4], TradeType: f[5], Type: f[6], Amount: amt, OutRefundNo: f[8], RefundID: f[9], Fee: fee}})
	}
	return b, nil
}

// fen reads a non-negative integer written in digits only (no sign, no
// spaces, at most 11 digits).
func fen(s string) (int64, bool) {
	if s == "" || len(s) > 11 {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// cst is UTC+08:00, the zone of the channels' bills.
var cst = time.FixedZone("CST", 8*3600)

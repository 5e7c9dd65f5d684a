package recon

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sort"
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
	// Data is the bill (at most MaxQRBill bytes), unless Open is set:
	// then the bill is read from what Open returns (at most MaxQRBillFile
	// bytes), once, as a stream (a bill file of millions of rows).
	Data []byte
	Open func() (io.ReadCloser, error)
}

// MaxQRBillFile bounds a bill given as a file (QRBill.Open): about 35
// million rows.
const MaxQRBillFile = 4 << 30

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

// qrBill is a bill read and checked, held compactly (docs/reconciliation.md,
// "Large QR bills"): a row keeps its kind, amount and fee, the group of
// its order number and, for a REFUND, the refund number; each order number
// is kept once, in one string of them all, and found through a sorted
// index of the groups (no map). The bill's other columns are checked and
// dropped.
type qrBill struct {
	src    posguard.QRBillSource
	name   string // file name, or "channel" for a fetched bill
	sha    string
	rows   []billRow
	groups []billGroup // one per order number, in the order of its first row
	nos    string      // the groups' order numbers, one after another
	byNo   []int32     // the groups, sorted by order number
	// groupOrd is each group's order in the run's qrSide (-1: none),
	// set when the journal is read.
	groupOrd []int32
	refNos   []string // refund numbers of REFUND rows
}

// billRow is one row of a bill; its line is its index + 2 (the header is
// line 1 and a bill has no empty line).
type billRow struct {
	amount, fee int64
	group       int32 // index in qrBill.groups
	next        int32 // the next row of the same order number, -1 for none
	ref         int32 // index in qrBill.refNos, -1 for none
	kind        uint8 // billPay, billReverse, billRefund
}

// billGroup is one order number of a bill (qrBill.nos[off:off+n]) and its
// rows.
type billGroup struct {
	first, last int32
	off         uint32
	n           uint8
}

// no returns the order number of group g (a part of b.nos: no copy).
func (b *qrBill) no(g int32) string {
	gr := &b.groups[g]
	return b.nos[gr.off : gr.off+uint32(gr.n)]
}

// find returns the group of order number no.
func (b *qrBill) find(no string) (int32, bool) {
	i := sort.Search(len(b.byNo), func(i int) bool { return b.no(b.byNo[i]) >= no })
	if i < len(b.byNo) && b.no(b.byNo[i]) == no {
		return b.byNo[i], true
	}
	return -1, false
}

// Row kinds.
const (
	billPay uint8 = iota
	billReverse
	billRefund
)

var billKinds = [...]string{billPay: wallet.BillPay, billReverse: wallet.BillReverse, billRefund: wallet.BillRefund}

// row returns row i in full: its line, type, amounts and numbers.
func (b *qrBill) row(i int32) qrRow {
	r := &b.rows[i]
	out := qrRow{line: int(i) + 2, BillRow: wallet.BillRow{OutTradeNo: b.no(r.group), Type: billKinds[r.kind], Amount: r.amount, Fee: r.fee}}
	if r.ref >= 0 {
		out.OutRefundNo = b.refNos[r.ref]
	}
	return out
}

// groupRows appends the rows of group g, in bill order, to dst.
func (b *qrBill) groupRows(dst []qrRow, g int32) []qrRow {
	for i := b.groups[g].first; i >= 0; i = b.rows[i].next {
		dst = append(dst, b.row(i))
	}
	return dst
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
	if len(data) > MaxQRBill {
		return nil, badQRBill(name, 1, "", "bill over %d bytes", MaxQRBill)
	}
	var out []wallet.BillRow
	_, err := scanQRBill(name, date, src, bytes.NewReader(data), MaxQRBill, func(f []string, amt, fee int64) {
		out = append(out, wallet.BillRow{TradeTime: f[0], AppID: f[1], MchID: f[2], OutTradeNo: f[3],
			TransactionID: f[4], TradeType: f[5], Type: f[6], Amount: amt, OutRefundNo: f[8], RefundID: f[9], Fee: fee})
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []wallet.BillRow{}
	}
	return out, nil
}

// readQRBill reads and checks a bill from rd (at most max bytes) into its
// compact form.
func readQRBill(name, date string, src posguard.QRBillSource, rd io.Reader, max int64) (*qrBill, error) {
	b := &qrBill{src: src, name: name}
	// While reading, each row's order number is appended to text (rowOff
	// says where); the rows are grouped by number once the bill is read.
	var text []byte
	var rowOff []uint32
	sha, err := scanQRBill(name, date, src, rd, max, func(f []string, amt, fee int64) {
		rowOff = append(rowOff, uint32(len(text)))
		text = append(text, f[3]...)
		r := billRow{amount: amt, fee: fee, next: -1, ref: -1}
		switch f[6] {
		case wallet.BillReverse:
			r.kind = billReverse
		case wallet.BillRefund:
			r.kind = billRefund
		}
		if f[8] != "" {
			r.ref = int32(len(b.refNos))
			b.refNos = append(b.refNos, strings.Clone(f[8]))
		}
		b.rows = append(b.rows, r)
	})
	if err != nil {
		return nil, err
	}
	b.sha = sha
	rowOff = append(rowOff, uint32(len(text)))
	b.group(text, rowOff)
	return b, nil
}

// group sets the bill's groups, chains and index from each row's order
// number (row i's is text[rowOff[i]:rowOff[i+1]]): the rows are sorted
// once by number (then by line), each run of one number is a group, and
// the groups are numbered in the order of their first rows.
func (b *qrBill) group(text []byte, rowOff []uint32) {
	noOf := func(i int32) []byte { return text[rowOff[i]:rowOff[i+1]] }
	perm := make([]int32, len(b.rows))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(x, y int32) int {
		if c := bytes.Compare(noOf(x), noOf(y)); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	// Each row's group is for now the first row of its number.
	var firsts []int32 // first rows, by number
	for k, i := range perm {
		if k == 0 || !bytes.Equal(noOf(i), noOf(perm[k-1])) {
			firsts = append(firsts, i)
		}
		b.rows[i].group = firsts[len(firsts)-1]
	}
	perm = nil
	// Number the groups in bill order; a row's first row comes before it,
	// so it already holds its group.
	b.groups = make([]billGroup, 0, len(firsts))
	var nos []byte
	for i := range b.rows {
		r := &b.rows[i]
		if r.group == int32(i) {
			no := noOf(int32(i))
			r.group = int32(len(b.groups))
			b.groups = append(b.groups, billGroup{first: int32(i), last: int32(i), off: uint32(len(nos)), n: uint8(len(no))})
			nos = append(nos, no...)
			continue
		}
		r.group = b.rows[r.group].group
		g := &b.groups[r.group]
		b.rows[g.last].next = int32(i)
		g.last = int32(i)
	}
	b.nos = string(nos)
	b.byNo = firsts
	for k, i := range firsts {
		b.byNo[k] = b.rows[i].group
	}
}

// badQRBill is the error of a bad bill: name, line, column and reason.
func badQRBill(name string, line int, col, format string, a ...any) error {
	where := fmt.Sprintf("%s line %d", name, line)
	if col != "" {
		where += ", column " + col
	}
	return posguard.Errorf(posguard.EINVALID, "%s: %s", where, fmt.Sprintf(format, a...))
}

// scanQRBill reads a bill line by line from rd (at most max bytes),
// checks each row and calls row with its columns (valid only during the
// call) and its amount and fee; it returns the SHA-256 of the bill's bytes.
// Lines are split at '\n' (a '\r' before it is dropped); one final '\n' ends
// the last line.
func scanQRBill(name, date string, src posguard.QRBillSource, rd io.Reader, max int64,
	row func(f []string, amt, fee int64)) (string, error) {
	bad := func(line int, col, format string, a ...any) error { return badQRBill(name, line, col, format, a...) }
	day, err := time.ParseInLocation("2006-01-02", date, cst)
	if err != nil {
		return "", posguard.Errorf(posguard.EINVALID, "date %q is not a date YYYY-MM-DD", date)
	}
	end := day.AddDate(0, 0, 1)
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(rd, h)}
	br := bufio.NewReaderSize(cr, 64<<10)
	var line []byte
	f := make([]string, len(qrBillColumns))
	for no := 1; ; no++ {
		line = line[:0]
		var err error
		for {
			var part []byte
			part, err = br.ReadSlice('\n')
			line = append(line, part...)
			if err != bufio.ErrBufferFull {
				break
			}
			if cr.n > max {
				return "", bad(1, "", "bill over %d bytes", max)
			}
		}
		if err != nil && err != io.EOF {
			return "", posguard.WrapError(posguard.EINVALID, err, "%s", name)
		}
		if cr.n > max {
			return "", bad(1, "", "bill over %d bytes", max)
		}
		last := err == io.EOF
		if last && len(line) == 0 && no > 1 {
			break // the bill ended with '\n'
		}
		raw := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if no == 1 {
			if string(raw) != wallet.BillHeader {
				return "", bad(1, "", "not the bill header %q", wallet.BillHeader)
			}
		} else if err := checkQRBillRow(no, raw, f, day, end, src, row, bad); err != nil {
			return "", err
		}
		if last {
			break
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkQRBillRow checks line no of a bill (raw, without its line end) and
// calls row with its columns.
func checkQRBillRow(no int, raw []byte, f []string, day, end time.Time, src posguard.QRBillSource,
	row func(f []string, amt, fee int64), bad func(int, string, string, ...any) error) error {
	if len(raw) == 0 {
		return bad(no, "", "empty line")
	}
	for _, c := range raw {
		if c < 0x20 || c > 0x7e {
			return bad(no, "", "a byte outside printable ASCII")
		}
	}
	if n := splitColumns(string(raw), f); n != len(qrBillColumns) {
		return bad(no, "", "%d columns, want %d", n, len(qrBillColumns))
	}
	t, err := time.Parse(time.RFC3339, f[0])
	if err != nil {
		return bad(no, "trade_time", "%q is not an RFC 3339 time", f[0])
	}
	if t.Before(day) || !t.Before(end) {
		return bad(no, "trade_time", "%s is not on %s (UTC+08:00)", f[0], day.Format("2006-01-02"))
	}
	if f[1] != src.AppID {
		return bad(no, "app_id", "%q is not the channel's app_id", f[1])
	}
	if f[2] != src.MchID {
		return bad(no, "mch_id", "%q is not the bill's sub-merchant %q", f[2], src.MchID)
	}
	if !wallet.ValidNumber(f[3]) {
		return bad(no, "out_trade_no", "%q is not an order number", f[3])
	}
	if len(f[4]) > 32 {
		return bad(no, "transaction_id", "longer than 32 characters")
	}
	if f[5] != wallet.TradeMicropay && f[5] != wallet.TradeNative {
		return bad(no, "trade_type", "%q is not MICROPAY or NATIVE", f[5])
	}
	if f[6] != wallet.BillPay && f[6] != wallet.BillReverse && f[6] != wallet.BillRefund {
		return bad(no, "type", "%q is not PAY, REVERSE or REFUND", f[6])
	}
	amt, ok := fen(f[7])
	if !ok || !wallet.ValidAmount(amt) {
		return bad(no, "amount", "%q is not a fen count from 1 to 10000000000", f[7])
	}
	if f[6] == wallet.BillRefund {
		if !wallet.ValidNumber(f[8]) {
			return bad(no, "out_refund_no", "%q is not a refund number", f[8])
		}
		if f[9] == "" || len(f[9]) > 32 {
			return bad(no, "refund_id", "missing or longer than 32 characters")
		}
	} else if f[8] != "" || f[9] != "" {
		return bad(no, "out_refund_no", "set on a %s row", f[6])
	}
	fee, ok := fen(f[10])
	if !ok || fee > amt {
		return bad(no, "fee", "%q is not a fen count up to the amount", f[10])
	}
	row(f, amt, fee)
	return nil
}

// splitColumns splits s at commas into f and returns the number of
// columns (more than len(f) are counted, not kept).
func splitColumns(s string, f []string) int {
	n := 0
	for {
		i := strings.IndexByte(s, ',')
		if n < len(f) {
			if i < 0 {
				f[n] = s
			} else {
				f[n] = s[:i]
			}
		}
		n++
		if i < 0 {
			return n
		}
		s = s[i+1:]
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
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

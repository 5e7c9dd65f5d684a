package clearing

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// BankHeader is the first line of a bank payout result file (§3).
const BankHeader = "batch_id,payout_id,account_number,account_name,amount,status,bank_ref,time,reason"

var bankColumns = strings.Split(BankHeader, ",")

// Bank line statuses.
const (
	BankPaid     = "S" // 成功
	BankFailed   = "F" // 失败
	BankReturned = "R" // 退汇
)

// BankLine is one line of a bank payout result file. AccountNumber is kept
// only to compare it with the payout's; reports and errors show
// AccountMasked.
type BankLine struct {
	No            int // physical line number, from 1 (the header is line 1)
	BatchID       string
	PayoutID      string
	AccountNumber string
	AccountName   string
	Amount        posguard.Amount
	Status        string // S, F or R
	BankRef       string
	Time          time.Time
	Reason        string
}

// MaskAccount masks a bank account number as card numbers are (6 + 4).
func MaskAccount(n string) string { return posguard.MaskPAN(n) }

// BankReader reads a bank payout result file one line at a time. It
// remembers the payout ids seen (to refuse a repeated one), nothing else.
type BankReader struct {
	// Name is the file name errors start with.
	Name string

	r    *csv.Reader
	seen map[string]int
	head bool
}

// NewBankReader returns a reader of the bank file r named name. A UTF-8 BOM
// is skipped; lines may end with CR LF or LF.
func NewBankReader(r io.Reader, name string) *BankReader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &BankReader{Name: name, r: cr, seen: map[string]int{}}
}

func (b *BankReader) errorf(line int, col, format string, args ...any) error {
	where := fmt.Sprintf("%s line %d", b.Name, line)
	if col != "" {
		where += ", column " + col
	}
	return posguard.Errorf(posguard.EINVALID, "%s: %s", where, fmt.Sprintf(format, args...))
}

// Next returns the next payout line, io.EOF after the last, or an EINVALID
// error naming the line and column of the first rule the file breaks.
func (b *BankReader) Next() (*BankLine, error) {
	rec, err := b.r.Read()
	if err != nil {
		if err == io.EOF {
			if !b.head {
				return nil, b.errorf(1, "", "empty file: the header line is missing")
			}
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, b.errorf(pe.StartLine, "", "%v", pe.Err)
		}
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "%s: read", b.Name)
	}
	line, _ := b.r.FieldPos(0)
	if !b.head {
		b.head = true
		if strings.Join(rec, ",") != BankHeader {
			return nil, b.errorf(line, "", "the header is not %q", BankHeader)
		}
		return b.Next()
	}
	if len(rec) != len(bankColumns) {
		return nil, b.errorf(line, "", "%d columns, want %d", len(rec), len(bankColumns))
	}
	for i, v := range rec {
		if strings.ContainsAny(v, "\r\n") {
			return nil, b.errorf(line, bankColumns[i], "holds a line break")
		}
	}
	l := &BankLine{No: line, BatchID: rec[0], PayoutID: rec[1], AccountNumber: rec[2], AccountName: rec[3],
		Status: rec[5], BankRef: rec[6], Reason: rec[8]}
	if l.PayoutID == "" {
		return nil, b.errorf(line, "payout_id", "empty")
	}
	amt := rec[4]
	if amt == "" || !allDigits([]byte(amt)) || (len(amt) > 1 && amt[0] == '0') || len(amt) > 15 {
		return nil, b.errorf(line, "amount", "%q is not an amount in fen (digits, no leading zeros)", amt)
	}
	n, _ := strconv.ParseInt(amt, 10, 64)
	l.Amount = posguard.Amount(n)
	switch l.Status {
	case BankPaid, BankFailed, BankReturned:
	default:
		return nil, b.errorf(line, "status", "%q is not S, F or R", l.Status)
	}
	t, err := time.Parse(time.RFC3339, rec[7])
	if err != nil {
		return nil, b.errorf(line, "time", "%q is not an RFC 3339 time with offset", rec[7])
	}
	l.Time = t
	if first, ok := b.seen[l.PayoutID]; ok {
		return nil, b.errorf(line, "payout_id", "%q repeats line %d", l.PayoutID, first)
	}
	b.seen[strings.Clone(l.PayoutID)] = line
	return l, nil
}

// WriteBankFile writes a bank payout result file with the given lines.
func WriteBankFile(w io.Writer, lines []*BankLine) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(bankColumns); err != nil {
		return err
	}
	for _, l := range lines {
		if err := cw.Write([]string{l.BatchID, l.PayoutID, l.AccountNumber, l.AccountName,
			strconv.FormatInt(int64(l.Amount), 10), l.Status, l.BankRef, l.Time.Format(time.RFC3339), l.Reason}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

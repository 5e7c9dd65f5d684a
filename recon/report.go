package recon

import (
	"sort"
	"strconv"

	"github.com/posguard/posguard/recon/clearing"
)

// Report is a run's report (spec/clearing-file.md §6): the same JSON from
// `posguard recon --json` and from the API. Every key is always present,
// null where it does not apply.
type Report struct {
	RunID        string      `json:"run_id"`
	Date         string      `json:"date"`
	ClearingFile string      `json:"clearing_file"`
	ClearingSHA  string      `json:"clearing_sha256"`
	Lines        int         `json:"lines"`
	Matched      int         `json:"matched"`
	BankFile     *string     `json:"bank_file"`
	BankSHA      *string     `json:"bank_sha256"`
	BankLines    *int        `json:"bank_lines"`
	BankMatched  *int        `json:"bank_matched"`
	Totals       Totals      `json:"totals"`
	Exceptions   []Exception `json:"exceptions"`
	Notes        []Note      `json:"notes"`
	// The wallet channels' day bills reconciled in the same run
	// (docs/reconciliation.md "QR bills"; not in spec/clearing-file.md §6,
	// whose readers ignore keys they do not know): each bill, their rows
	// and rows matched, and the summary per source (card, qr).
	QRSHA     *string                  `json:"qr_sha256"`
	QRBills   []QRBillSummary          `json:"qr_bills"`
	QRLines   int                      `json:"qr_lines"`
	QRMatched int                      `json:"qr_matched"`
	Summary   map[string]SourceSummary `json:"summary"`
}

// QRBillSummary is one day bill of a run.
type QRBillSummary struct {
	Channel  string `json:"channel"`
	Kind     string `json:"kind"`
	Merchant string `json:"merchant"`
	MchID    string `json:"mch_id"`
	// Source is the file's name, or "channel" for a bill fetched from the
	// channel's /bill endpoint.
	Source     string   `json:"source"`
	SHA256     string   `json:"sha256"`
	Rows       int      `json:"rows"`
	Matched    int      `json:"matched"`
	Exceptions int      `json:"exceptions"`
	Totals     QRTotals `json:"totals"`
}

// QRTotals count and sum a bill's rows by type, in fen, and its fees.
type QRTotals struct {
	PayCount      int   `json:"pay_count"`
	PayAmount     int64 `json:"pay_amount"`
	ReverseCount  int   `json:"reverse_count"`
	ReverseAmount int64 `json:"reverse_amount"`
	RefundCount   int   `json:"refund_count"`
	RefundAmount  int64 `json:"refund_amount"`
	Fees          int64 `json:"fees"`
}

// SourceSummary counts one source's lines (clearing file lines, or bill
// rows), matched lines and exceptions by class.
type SourceSummary struct {
	Lines      int            `json:"lines"`
	Matched    int            `json:"matched"`
	Exceptions int            `json:"exceptions"`
	ByClass    map[string]int `json:"by_class"`
}

// Sources of exceptions.
const (
	SourceCard = "card"
	SourceQR   = "qr"
)

// summarize fills the per-source summary and the defaults of keys older
// reports lack.
func summarize(r *Report) {
	if r.QRBills == nil {
		r.QRBills = []QRBillSummary{}
	}
	card := SourceSummary{Lines: r.Lines, Matched: r.Matched, ByClass: map[string]int{}}
	if r.BankLines != nil {
		card.Lines += *r.BankLines
		card.Matched += *r.BankMatched
	}
	qr := SourceSummary{Lines: r.QRLines, Matched: r.QRMatched, ByClass: map[string]int{}}
	for i := range r.Exceptions {
		e := &r.Exceptions[i]
		if e.Source == "" {
			e.Source = SourceCard
		}
		s := &card
		if e.Source == SourceQR {
			s = &qr
		}
		s.Exceptions++
		s.ByClass[e.Class]++
	}
	r.Summary = map[string]SourceSummary{SourceCard: card, SourceQR: qr}
}

// Totals are the run's totals (§4.6).
type Totals struct {
	File      FileTotals `json:"file"`
	Journal   SideTotals `json:"journal"`
	LedgerNet *int64     `json:"ledger_net"`
}

// SideTotals count and sum one side's debits and credits, in fen.
type SideTotals struct {
	DebitCount   int   `json:"debit_count"`
	DebitAmount  int64 `json:"debit_amount"`
	CreditCount  int   `json:"credit_count"`
	CreditAmount int64 `json:"credit_amount"`
}

// FileTotals are the clearing file's totals and its net fees (fields 21 to
// 23, C positive).
type FileTotals struct {
	SideTotals
	Fees int64 `json:"fees"`
	// FeesYuan is Fees in yuan (the API's convention; readers of §6 ignore it).
	FeesYuan string `json:"fees_yuan"`
}

func (t *SideTotals) add(debit bool, amt int64) {
	if debit {
		t.DebitCount++
		t.DebitAmount += amt
	} else {
		t.CreditCount++
		t.CreditAmount += amt
	}
}

// Exception is one difference as the report shows it.
type Exception struct {
	Class         string  `json:"class"`
	Status        string  `json:"status"`
	RRN           string  `json:"rrn"`
	Terminal      string  `json:"terminal"`
	Merchant      string  `json:"merchant"`
	TransactionID *string `json:"transaction_id"`
	Line          *int    `json:"line"`
	Amount        *int64  `json:"amount"`
	AmountYuan    *string `json:"amount_yuan,omitempty"` // the API's convention; readers of §6 ignore it
	FileAmount    *int64  `json:"file_amount"`
	JournalState  *string `json:"journal_state"`
	Action        string  `json:"action"`
	CaseID        *string `json:"case_id"`
	PayoutID      *string `json:"payout_id"`
	BatchID       *string `json:"batch_id"`
	// Source is "card" (the clearing file, the bank file) or "qr" (a
	// wallet channel's day bill); the keys after it are set for "qr" and
	// null for "card": the channel's name, the bill it came from (Line is
	// its line there), posguard's order (Q<n>) and the numbers at the
	// channel.
	Source      string  `json:"source"`
	Channel     *string `json:"channel"`
	Bill        *string `json:"bill"`
	OrderID     *string `json:"order_id"`
	OutTradeNo  *string `json:"out_trade_no"`
	OutRefundNo *string `json:"out_refund_no"`
	// ID, Date and RunID are shown by the exceptions listing only; ID is
	// the exception's identity across runs (what a resolution names).
	ID    string `json:"id,omitempty"`
	Date  string `json:"date,omitempty"`
	RunID string `json:"run_id,omitempty"`

	ident string // identity across runs (date, class, key, occurrence)
}

// Note is a finding that is not an exception: data_mismatch, late_line,
// payout_applied.
type Note struct {
	Class    string  `json:"class"`
	RRN      string  `json:"rrn"`
	Terminal string  `json:"terminal"`
	Merchant string  `json:"merchant"`
	Line     *int    `json:"line"`
	PayoutID *string `json:"payout_id,omitempty"`
	BatchID  *string `json:"batch_id,omitempty"`
	Field    string  `json:"field,omitempty"`
	File     *string `json:"file,omitempty"`
	Journal  *string `json:"journal,omitempty"`
	Date     string  `json:"date,omitempty"`
	Status   string  `json:"status,omitempty"`
}

// Classes are the exception classes, Statuses their statuses (§4).
var (
	Classes = []string{"duplicate", "network_only", "state_mismatch", "amount_mismatch", "fee_mismatch", "journal_only",
		"payout_not_in_bank", "bank_only", "payout_amount_mismatch", "payout_status_mismatch",
		"qr_channel_only", "qr_journal_only", "qr_amount_mismatch", "qr_state_mismatch", "qr_refund_mismatch", "qr_fee_mismatch"}
	Statuses = []string{"awaiting", "open", "repair_pending", "repaired", "resolved"}
)

// Exceptions of the line classes (counted in lines = matched + these).
var lineClasses = map[string]bool{
	"duplicate": true, "network_only": true, "state_mismatch": true, "amount_mismatch": true, "fee_mismatch": true,
}

// bankLineClasses have a bank line (bank_lines = bank_matched + these).
var bankLineClasses = map[string]bool{
	"bank_only": true, "payout_amount_mismatch": true, "payout_status_mismatch": true,
}

// sortReport orders exceptions by line (those without one last), class,
// rrn; notes by line, class, rrn.
func sortReport(r *Report) {
	lineOf := func(p *int) int {
		if p == nil {
			return int(^uint(0) >> 1)
		}
		return *p
	}
	sort.SliceStable(r.Exceptions, func(i, j int) bool {
		a, b := &r.Exceptions[i], &r.Exceptions[j]
		if qa, qb := a.Source == SourceQR, b.Source == SourceQR; qa != qb {
			return qb // card first, then the bills
		} else if qa {
			if ba, bb := deref(a.Bill), deref(b.Bill); ba != bb {
				return ba < bb
			}
		}
		if la, lb := lineOf(a.Line), lineOf(b.Line); la != lb {
			return la < lb
		}
		if a.Class != b.Class {
			return a.Class < b.Class
		}
		if a.RRN != b.RRN {
			return a.RRN < b.RRN
		}
		return a.ident < b.ident
	})
	sort.SliceStable(r.Notes, func(i, j int) bool {
		a, b := &r.Notes[i], &r.Notes[j]
		if la, lb := lineOf(a.Line), lineOf(b.Line); la != lb {
			return la < lb
		}
		if a.Class != b.Class {
			return a.Class < b.Class
		}
		return a.RRN < b.RRN
	})
}

func ptr[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func idString(id int64) *string {
	if id == 0 {
		return nil
	}
	return ptr(strconv.FormatInt(id, 10))
}

// Counts returns the number of exceptions by class.
func (r *Report) Counts() map[string]int {
	m := map[string]int{}
	for _, e := range r.Exceptions {
		m[e.Class]++
	}
	return m
}

// ClearingName is the clearing file's name of a date (IND{yymmdd}01ACOM).
func ClearingName(date string) string { return clearing.ClearingFileName(date) }

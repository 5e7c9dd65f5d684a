package casework

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// Evidence is a case as exported for a complaint: the case, its timeline,
// and each transaction involved with its state history and explanation.
// Card numbers appear masked (6 + 4) only.
type Evidence struct {
	Case         CaseView    `json:"case"`
	Timeline     []EntryView `json:"timeline"`
	Transactions []TxnRecord `json:"transactions"`
	GeneratedAt  string      `json:"generated_at"`
}

// CaseView is a case in the export and the API.
type CaseView struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"`
	Status     string  `json:"status"`
	Priority   string  `json:"priority"`
	Title      string  `json:"title,omitempty"`
	TxnID      int64   `json:"txn_id,omitempty"`
	TxnIDs     []int64 `json:"txn_ids"`
	MerchantID string  `json:"merchant_id,omitempty"`
	TerminalID string  `json:"terminal_id,omitempty"`
	Amount     int64   `json:"amount"`
	AmountYuan string  `json:"amount_yuan"`
	Currency   string  `json:"currency,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	Cause      string  `json:"cause,omitempty"`
	Assignee   string  `json:"assignee,omitempty"`
	Outcome    string  `json:"outcome,omitempty"`
	OpenedBy   string  `json:"opened_by,omitempty"`
	DueAt      string  `json:"due_at,omitempty"`
	Overdue    bool    `json:"overdue"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
	ResolvedAt string  `json:"resolved_at,omitempty"`
	ClosedAt   string  `json:"closed_at,omitempty"`
}

// EntryView is one timeline entry.
type EntryView struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Label  string `json:"label"` // 原因 / 处理过程 / 处理结果 / 备注 …
	Author string `json:"author"`
	Text   string `json:"text"`
	At     string `json:"at"`
}

// TxnRecord is one transaction in an export.
type TxnRecord struct {
	ID           int64             `json:"id"`
	Type         string            `json:"type"`
	State        string            `json:"state"`
	TerminalID   string            `json:"terminal_id"`
	MerchantID   string            `json:"merchant_id"`
	Batch        string            `json:"batch"`
	STAN         string            `json:"stan"`
	PAN          string            `json:"pan,omitempty"`
	Amount       int64             `json:"amount"`
	AmountYuan   string            `json:"amount_yuan"`
	RRN          string            `json:"rrn,omitempty"`
	AuthCode     string            `json:"auth_code,omitempty"`
	ResponseCode string            `json:"response_code,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	Detail       map[string]string `json:"detail,omitempty"`
	Explanation  string            `json:"explanation,omitempty"`
	ExplanationZ string            `json:"explanation_zh,omitempty"`
	CreatedAt    string            `json:"created_at"`
	History      []EventView       `json:"history"`
}

// EventView is one step of a transaction's state history.
type EventView struct {
	At     string `json:"at"`
	State  string `json:"state"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// labels name the timeline entry kinds in the export.
var labels = map[posguard.EntryKind]string{
	posguard.EntryCause:   "原因 cause",
	posguard.EntryStep:    "处理过程 step",
	posguard.EntryOutcome: "处理结果 outcome",
	posguard.EntryNote:    "备注 note",
	posguard.EntryStatus:  "状态 status",
	posguard.EntryAssign:  "指派 assigned",
}

// mask masks card-number-like digit runs in free text.
func mask(s string) string { return posguard.MaskCardNumbers(s) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// NewCaseView renders c as of now.
func NewCaseView(c *posguard.Case, now time.Time) CaseView {
	ids := c.TxnIDs
	if ids == nil {
		ids = []int64{}
	}
	return CaseView{
		ID: c.ID, Kind: string(c.Kind), Status: string(c.Status), Priority: string(c.Priority), Title: c.Title,
		TxnID: c.TxnID, TxnIDs: ids, MerchantID: c.MerchantID, TerminalID: c.TerminalID,
		Amount: int64(c.Amount), AmountYuan: c.Amount.String(), Currency: c.Currency, Reason: c.Reason, Cause: mask(c.Cause),
		Assignee: c.Assignee, Outcome: mask(c.Outcome), OpenedBy: c.OpenedBy, DueAt: stamp(c.DueAt),
		Overdue:   c.Status.Active() && !c.DueAt.IsZero() && now.After(c.DueAt),
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt), ResolvedAt: stamp(c.ResolvedAt), ClosedAt: stamp(c.ClosedAt),
	}
}

// NewEntryView renders a timeline entry.
func NewEntryView(e posguard.CaseEntry) EntryView {
	return EntryView{ID: e.ID, Kind: string(e.Kind), Label: labels[e.Kind], Author: e.Author, Text: mask(e.Text), At: stamp(e.At)}
}

// Evidence gathers the export of case id. ENOTFOUND if there is none.
func (s *Service) Evidence(ctx context.Context, id int64) (*Evidence, error) {
	c, entries, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ev := &Evidence{Case: NewCaseView(c, now), Timeline: []EntryView{}, Transactions: []TxnRecord{}, GeneratedAt: stamp(now)}
	for _, e := range entries {
		ev.Timeline = append(ev.Timeline, NewEntryView(e))
	}
	for _, tid := range c.TxnIDs {
		t, err := s.Store.ByID(ctx, tid)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		events, err := s.Store.Events(ctx, tid)
		if err != nil {
			return nil, err
		}
		rec := TxnRecord{
			ID: t.ID, Type: string(t.Type), State: string(t.State), TerminalID: t.TerminalID, MerchantID: t.MerchantID,
			Batch: t.Batch, STAN: t.STAN, PAN: posguard.MaskPAN(t.PANMasked), Amount: int64(t.Amount), AmountYuan: t.Amount.String(),
			RRN: t.RRN, AuthCode: t.AuthCode, ResponseCode: t.ResponseCode, Reason: t.Reason, CreatedAt: stamp(t.CreatedAt),
			History: []EventView{},
		}
		if len(t.Detail) > 0 {
			rec.Detail = make(map[string]string, len(t.Detail))
			for k, v := range t.Detail {
				rec.Detail[k] = mask(v)
			}
		}
		if t.ResponseCode != "" || t.Reason != "" {
			x := diagnosis.Explain(t.ResponseCode, t.Reason, t.Detail)
			rec.Explanation, rec.ExplanationZ = x.Summary.EN, x.Summary.ZH
		}
		for _, e := range events {
			rec.History = append(rec.History, EventView{At: stamp(e.At), State: string(e.State), Code: e.Code, Reason: e.Reason, Note: mask(e.Note)})
		}
		ev.Transactions = append(ev.Transactions, rec)
	}
	return ev, nil
}

// Text renders the evidence as printable text.
func (ev *Evidence) Text() string {
	var b strings.Builder
	c := ev.Case
	fmt.Fprintf(&b, "posguard case %d — evidence / 案件证据\n", c.ID)
	fmt.Fprintf(&b, "generated %s\n\n", ev.GeneratedAt)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %-22s %s\n", k, v)
		}
	}
	row("kind 类型", c.Kind)
	row("title 标题", c.Title)
	row("status 状态", c.Status)
	row("priority 优先级", c.Priority)
	row("due 截止", c.DueAt)
	row("merchant 商户", c.MerchantID)
	row("terminal 终端", c.TerminalID)
	row("amount 金额", c.AmountYuan+" "+c.Currency)
	row("reason 原因码", c.Reason)
	row("cause 原因", c.Cause)
	row("assignee 处理人", c.Assignee)
	row("outcome 处理结果", c.Outcome)
	row("opened 创建", c.CreatedAt+" by "+c.OpenedBy)
	row("resolved 解决", c.ResolvedAt)
	row("closed 关闭", c.ClosedAt)
	b.WriteString("\nTimeline / 处理记录\n")
	for _, e := range ev.Timeline {
		fmt.Fprintf(&b, "  %s  %-18s %-10s %s\n", e.At, e.Label, e.Author, e.Text)
	}
	for _, t := range ev.Transactions {
		fmt.Fprintf(&b, "\nTransaction %d / 交易\n", t.ID)
		row("type 类型", t.Type)
		row("state 状态", t.State)
		row("terminal/batch/stan", t.TerminalID+" / "+t.Batch+" / "+t.STAN)
		row("card 卡号", t.PAN)
		row("amount 金额", t.AmountYuan)
		row("rrn 参考号", t.RRN)
		row("auth 授权码", t.AuthCode)
		row("response 应答码", t.ResponseCode)
		row("reason 原因码", t.Reason)
		row("explanation 说明", t.ExplanationZ)
		row("", t.Explanation)
		row("time 时间", t.CreatedAt)
		if len(t.Detail) > 0 {
			keys := make([]string, 0, len(t.Detail))
			for k := range t.Detail {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString("  evidence 证据:\n")
			for _, k := range keys {
				fmt.Fprintf(&b, "    %s = %s\n", k, t.Detail[k])
			}
		}
		b.WriteString("  history 状态历史:\n")
		for _, e := range t.History {
			line := fmt.Sprintf("    %s  %-18s", e.At, e.State)
			if e.Code != "" {
				line += " " + e.Code
			}
			if e.Reason != "" {
				line += " " + e.Reason
			}
			if e.Note != "" {
				line += " — " + e.Note
			}
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

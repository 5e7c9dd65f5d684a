package posguard

import (
	"context"
	"sort"
	"strconv"
	"time"
)

// UploadRecord is one transaction of a terminal's batch upload (0320,
// field 48), as the gateway decoded it. Its PAN lives in memory only.
type UploadRecord struct {
	CardOrg string // 2 digits: 00 domestic (CUP), others foreign
	STAN    string // the transaction's field 11
	PAN     PAN
	Amount  Amount
}

// UploadItem is one stored batch-upload record: what the terminal says
// it did in (TerminalID, Batch). It holds no full PAN.
type UploadItem struct {
	TerminalID string
	Batch      string
	STAN       string
	CardOrg    string
	PANMasked  string
	PANHash    string
	Amount     Amount
	UploadedAt time.Time
}

// BatchUploadStore keeps batch uploads and reads a batch from the journal.
type BatchUploadStore interface {
	// PutUploadItems stores items; an item of the same terminal, batch and
	// STAN replaces the stored one (a terminal may upload again).
	PutUploadItems(ctx context.Context, items []UploadItem) error
	// UploadItems returns the items of a terminal's batch, by STAN; an
	// empty slice if none.
	UploadItems(ctx context.Context, terminalID, batch string) ([]UploadItem, error)
	// BatchTransactions returns the journal's transactions of a
	// terminal's batch, by ID; an empty slice if none.
	BatchTransactions(ctx context.Context, terminalID, batch string) ([]*Transaction, error)
}

// Likely causes of a batch-upload difference (UploadDiff.Cause).
const (
	UploadHostMissing     = "upload.host_missing"     // the terminal has it, the host never received it
	UploadHostDeclined    = "upload.host_declined"    // the host has it declined or refused
	UploadHostReversed    = "upload.host_reversed"    // the host reversed it
	UploadTerminalMissing = "upload.terminal_missing" // the host approved it, the terminal did not upload it
	UploadAmount          = "upload.amount"           // the amounts differ
	UploadCard            = "upload.card"             // the cards differ
)

// uploadCauses explains each cause in Chinese and English.
var uploadCauses = map[string][2]string{
	UploadHostMissing:     {"终端有此笔而主机没有：请求没有到达主机，终端却记为成功", "the terminal has it and the host does not: the request never reached the host, yet the terminal recorded it as approved"},
	UploadHostDeclined:    {"主机记为失败（拒绝或未转发），终端却记为成功：应答在途中出错或终端程序有误", "the host has it as failed (declined or refused) while the terminal recorded an approval: the answer was garbled on the way or the terminal software is wrong"},
	UploadHostReversed:    {"主机已冲正此笔（超时或冲正报文），终端仍记为成功：持卡人未被扣款，签购单无效", "the host reversed it (timeout or a reversal) while the terminal kept it as approved: the cardholder was not charged and the slip is void"},
	UploadTerminalMissing: {"主机已批准，终端没有上送：应答在返回途中丢失，终端应已冲正；若未冲正，持卡人被扣款却没有签购单", "the host approved it and the terminal did not upload it: the answer was lost on the way back and the terminal should have reversed it; if it did not, the cardholder was charged without a slip"},
	UploadAmount:          {"终端与主机金额不一致：终端录入或程序错误", "the terminal's and the host's amounts differ: an input or software error at the terminal"},
	UploadCard:            {"终端与主机的卡号不一致：终端记录错误", "the terminal's and the host's cards differ: the terminal's record is wrong"},
}

// UploadCauseText returns a cause's explanation in lang ("zh" or "en").
func UploadCauseText(cause, lang string) string {
	t, ok := uploadCauses[cause]
	if !ok {
		return cause
	}
	if lang == "zh" {
		return t[0]
	}
	return t[1]
}

// UploadDiff is one difference between a terminal's batch upload and the
// host's journal, with its likely cause.
type UploadDiff struct {
	STAN     string
	Cause    string       // Upload*
	Terminal *UploadItem  // what the terminal uploaded; nil if nothing
	Host     *Transaction // the host's transaction with that STAN; nil if none
}

// Text describes d in lang: STAN, card, both amounts and the cause.
func (d UploadDiff) Text(lang string) string {
	card, term, host := "-", "-", "-"
	if d.Terminal != nil {
		card, term = d.Terminal.PANMasked, d.Terminal.Amount.String()
	}
	if d.Host != nil {
		if card == "-" {
			card = d.Host.PANMasked
		}
		host = d.Host.Amount.String() + " " + string(d.Host.State)
	}
	if lang == "zh" {
		return "凭证号" + d.STAN + " 卡" + card + " 终端" + term + " 主机" + host + "：" + UploadCauseText(d.Cause, "zh")
	}
	return "STAN " + d.STAN + " card " + card + " terminal " + term + " host " + host + ": " + UploadCauseText(d.Cause, "en")
}

// countsInTotals reports whether t counts in a batch's settlement totals
// (the rows of Journal.BatchTotals): an approved sale, completion, void,
// refund or completion void, also once voided or refunded.
func countsInTotals(t *Transaction) bool {
	switch t.Type {
	case TxnSale, TxnCompletion, TxnVoid, TxnRefund, TxnCompletionVoid:
	default:
		return false
	}
	switch t.State {
	case StateApproved, StateVoided, StatePartRefunded, StateRefunded:
		return true
	}
	return false
}

// CompareUpload compares a terminal's batch upload with the host's
// journal of that batch, by STAN, and returns each difference with its
// likely cause, by STAN:
//
//   - uploaded, and the host has no financial transaction with that STAN:
//     host_missing; has one that failed: host_declined; reversed (or being
//     reversed): host_reversed;
//   - the host's counting transaction (as in the 0500 totals) not uploaded:
//     terminal_missing;
//   - both, amounts differ: amount; cards (keyed PAN hashes) differ: card.
func CompareUpload(items []UploadItem, txns []*Transaction) []UploadDiff {
	host := map[string]*Transaction{}
	for _, t := range txns {
		if t.Type == TxnReversal || !t.Type.MovesMoney() || t.Type == TxnPreAuth || t.Type == TxnPreAuthCancel {
			continue
		}
		if prev, ok := host[t.STAN]; !ok || countsInTotals(t) && !countsInTotals(prev) {
			host[t.STAN] = t
		}
	}
	var out []UploadDiff
	seen := map[string]bool{}
	for i := range items {
		it := &items[i]
		seen[it.STAN] = true
		h := host[it.STAN]
		d := UploadDiff{STAN: it.STAN, Terminal: it, Host: h}
		switch {
		case h == nil:
			d.Cause = UploadHostMissing
		case !countsInTotals(h):
			switch h.State {
			case StateTimedOut, StateReversalPending, StateReversed, StateReversalFailed:
				d.Cause = UploadHostReversed
			default:
				d.Cause = UploadHostDeclined
			}
		case h.Amount != it.Amount:
			d.Cause = UploadAmount
		case h.PANHash != "" && it.PANHash != "" && h.PANHash != it.PANHash:
			d.Cause = UploadCard
		default:
			continue
		}
		out = append(out, d)
	}
	for stan, h := range host {
		if !seen[stan] && countsInTotals(h) {
			out = append(out, UploadDiff{STAN: stan, Cause: UploadTerminalMissing, Host: h})
		}
	}
	sort.Slice(out, func(i, k int) bool {
		a, _ := strconv.Atoi(out[i].STAN)
		b, _ := strconv.Atoi(out[k].STAN)
		return a < b
	})
	return out
}

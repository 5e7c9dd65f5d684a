package http

import (
	nethttp "net/http"
	"net/url"
	"strings"

	"github.com/posguard/posguard"
)

// whyAnswer is the merchant-facing answer of GET /v1/transactions/{id}/why:
// what happened, why, and what to do now, in one language.
type whyAnswer struct {
	ID       int64    `json:"id"`
	Lang     string   `json:"lang"`
	Approved bool     `json:"approved"`
	Code     string   `json:"code,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	What     string   `json:"what"`
	Why      string   `json:"why"`
	Todo     []string `json:"what_to_do"`
	Money    string   `json:"money"` // whether the cardholder was charged
}

// stateText says what happened to a transaction in state st, and whether
// money moved, in zh and en.
func stateText(st posguard.State) (what, money Text) {
	switch st {
	case posguard.StateApproved, posguard.StateCompleted:
		return Text{ZH: "交易成功", EN: "The transaction was approved"}, Text{ZH: "已扣款", EN: "The cardholder was charged"}
	case posguard.StateRejected:
		return Text{ZH: "交易被收单系统拒绝，未送往银联", EN: "The acquirer refused the transaction; it never reached the card network"},
			Text{ZH: "未扣款", EN: "The cardholder was not charged"}
	case posguard.StateDeclined:
		return Text{ZH: "发卡行或银联拒绝了交易", EN: "The issuer or the card network declined the transaction"},
			Text{ZH: "未扣款", EN: "The cardholder was not charged"}
	case posguard.StateTimedOut, posguard.StateReversalPending:
		return Text{ZH: "交易超时，结果不确定，系统正在自动冲正", EN: "The transaction timed out; the host is reversing it automatically"},
			Text{ZH: "如已扣款，冲正成功后会退回持卡人", EN: "Any debit is returned to the cardholder once the reversal is acknowledged"}
	case posguard.StateReversed:
		return Text{ZH: "交易已冲正（撤销）", EN: "The transaction was reversed"},
			Text{ZH: "如曾扣款，已退回持卡人（到账时间以发卡行为准）", EN: "Any debit has been returned to the cardholder (the issuer decides when it shows)"}
	case posguard.StateReversalFailed:
		return Text{ZH: "交易超时且冲正尚未成功，系统仍在重试，已开案件跟进", EN: "The transaction timed out and its reversal is not acknowledged yet; retries continue and a case is open"},
			Text{ZH: "持卡人可能暂时被扣款，冲正成功后退回", EN: "The cardholder may see a debit until the reversal succeeds"}
	case posguard.StateVoided:
		return Text{ZH: "交易已撤销", EN: "The transaction was voided"}, Text{ZH: "扣款已撤销", EN: "The charge was cancelled"}
	case posguard.StateRefunded, posguard.StatePartRefunded:
		return Text{ZH: "交易已退货", EN: "The transaction was refunded"}, Text{ZH: "退款已发起", EN: "The refund was made"}
	}
	return Text{ZH: "交易处理中", EN: "The transaction is being processed"}, Text{ZH: "结果待定", EN: "The outcome is not known yet"}
}

// langParam reads ?lang=: "zh" (the default) or "en"; any other value is
// EINVALID rather than a silent fallback.
func langParam(q url.Values) (string, error) {
	switch v := strings.ToLower(q.Get("lang")); v {
	case "", "zh":
		return "zh", nil
	case "en":
		return "en", nil
	default:
		return "", invalidParam("lang", "%q is not zh or en", q.Get("lang"))
	}
}

// why serves GET /v1/transactions/{id}/why?lang=zh|en (default zh).
func (s *Server) why(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := parseTxnID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lang, err := langParam(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.txnFor(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	zh := lang == "zh"
	pick := func(x Text) string {
		if zh {
			return x.ZH
		}
		return x.EN
	}
	what, money := stateText(t.State)
	out := whyAnswer{ID: t.ID, Lang: "en", Code: t.ResponseCode, Reason: t.Reason, What: pick(what), Money: pick(money), Todo: []string{}}
	if zh {
		out.Lang = "zh"
	}
	out.Approved = t.ResponseCode != "" && posguard.ApprovedCode(t.ResponseCode)
	kb := s.knowledge()
	switch {
	case kb == nil:
	case failed(t):
		x := kb.Explain(t.ResponseCode, t.Reason, t.Detail)
		out.Why = maskDigitRuns(pick(x.Summary))
		for _, step := range x.Remedy {
			out.Todo = append(out.Todo, pick(step))
		}
	default:
		out.Why = pick(Text{ZH: "交易正常完成", EN: "Nothing went wrong"})
	}
	writeJSON(w, nethttp.StatusOK, out)
}

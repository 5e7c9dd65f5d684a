package http

import (
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/recon"
)

// The description of every route (OpenAPI). Each route in routes() names
// one of these; the document is generated from that table.

var txnQuery = []string{
	"merchant: merchant ID (ignored for a merchant user: always its own)", "terminal: terminal ID",
	"state: transaction state", "code: field 39 response code", "rrn: retrieval reference number",
	"auth_code: authorization code", "card_tail: last four digits of the card", "amount: amount in fen",
	"amount_yuan: amount in yuan (12.34)", "from: RFC 3339 time, included", "to: RFC 3339 time, excluded",
	"limit: page size (1-1000, default 50)", "cursor: next_cursor of the previous page",
}

var (
	opListTransactions = op{summary: "List transactions, newest first (a merchant user sees only its own)", query: txnQuery, resp: txnList{}}
	opGetTransaction   = op{summary: "One transaction with its history, response explained and reversal", resp: txnDetail{}}
	opGetReceipt       = op{summary: "The electronic sales slip (电子签购单) of an approved card transaction (404 if none)",
		query: []string{"format: json (default) or text (the bilingual slip)"}, resp: receiptView{}}
	opListReversals       = op{summary: "The reversal queue", query: []string{"state: pending, failed, done", "limit: page size", "cursor: next_cursor"}, resp: reversalList{}}
	opExplain             = op{summary: "Explain a field 39 code or an internal reason (zh/en)", resp: Entry{}}
	opGetTerminal         = op{summary: "One terminal (no keys)", resp: terminalView{}}
	opGetMerchant         = op{summary: "One merchant (settlement account masked)", resp: merchantView{}}
	opTxnSettlement       = op{summary: "Where a transaction's money is (settled, paid, held)", resp: txnSettlementView{}}
	opMerchantSettlements = op{summary: "A merchant's settlement batches and payouts",
		query: []string{"from: business date YYYY-MM-DD", "to: business date YYYY-MM-DD"}, resp: settlementList{}}
	opStatement = op{summary: "A merchant's statement (JSON; CSV or XLSX with format=)",
		query: []string{"from: date YYYY-MM-DD", "to: date YYYY-MM-DD", "period: day or month", "format: json, csv or xlsx"}, resp: statementAnswer{}}
	opPutAccount = op{summary: "Request a settlement-account change: verified with the bank, stored as a pending request until a finance user other than the requester approves it",
		body: accountRequest{}, resp: changeView{}, status: 202}
	opListChanges = op{summary: "Settlement-account change requests, newest first",
		query: []string{"merchant: merchant ID (ignored for a merchant user)", "state: pending, approved or rejected"}, resp: changeList{}}
	opGetChange      = op{summary: "One settlement-account change request", resp: changeView{}}
	opApproveChange  = op{summary: "Approve a change request (finance, not its requester): the account is verified again and replaces the merchant's", resp: changeView{}}
	opRejectChange   = op{summary: "Reject a change request; nothing changes", body: rejectRequest{}, resp: changeView{}}
	opResettlePayout = op{summary: "Re-settle a failed or returned payout to the merchant's current account (finance)", resp: resettleAnswer{}}
	opResettleBatch  = op{summary: "Re-settle every held payout of a settlement batch (finance)", resp: resettleAnswer{}}
	opHealthz        = op{summary: "Health of the host and its store (no credentials needed)", resp: map[string]string{}}
	opMetrics        = op{summary: "Prometheus metrics (admin or operator; or on --metrics-addr)", content: "text/plain"}
	opOpenAPI        = op{summary: "This document (no credentials needed)", resp: map[string]any{}}
	opPostSession    = op{summary: "Log in: a session token for name and password (401 alike for a wrong name or password; 429 while locked)",
		body: sessionRequest{}, resp: sessionAnswer{}, status: 201}
	opDeleteSession = op{summary: "Log out: revoke the token this request was made with", status: 204}
	opListAudit     = op{summary: "The audit log, newest first",
		query: []string{"user: user name", "action: action (e.g. login, POST /v1/cases)", "object: object (e.g. cases/12)",
			"from: RFC 3339 time", "to: RFC 3339 time", "limit: page size (default 100)", "cursor: next_cursor"}, resp: auditList{}}
	opPutPassword = op{summary: "Set a password: one's own (with current_password), any user's (admin), or a user's of one's own merchant (merchant user); the user's sessions end",
		body: passwordRequest{}, status: 204}
	opListCases = op{summary: "Exception cases (a merchant user sees only its own)",
		query: []string{"status: case status", "kind: case kind", "merchant: merchant ID", "priority: P1-P4", "limit: page size", "cursor: next_cursor"}, resp: caseList{}}
	opOpenComplaint = op{summary: "Open a merchant complaint on a transaction (201 new, 200 existing); the author is the authenticated user",
		body: complaintRequest{}, resp: caseDetail{}, status: 201}
	opGetCase      = op{summary: "One case with its timeline", resp: caseDetail{}}
	opCaseEvidence = op{summary: "A case's evidence (JSON, or text with format=text)", query: []string{"format: json or text"}, resp: casework.Evidence{}}
	opCaseEntry    = op{summary: "Add an entry to a case's timeline (author: the authenticated user)", body: entryRequest{}, resp: caseDetail{}}
	opCaseAssign   = op{summary: "Assign a case", body: assignRequest{}, resp: caseDetail{}}
	opCaseStatus   = op{summary: "Move a case to another status", body: statusRequest{}, resp: caseDetail{}}
	opCaseResolve  = op{summary: "Resolve a case with its outcome", body: resolveRequest{}, resp: caseDetail{}}
	opWhy          = op{summary: "Why a transaction failed and what to do, for the merchant (zh/en)", query: []string{"lang: zh or en"}, resp: whyAnswer{}}
	opFailures     = op{summary: "Failure rates by a dimension over time",
		query: []string{"by: dimension", "window: hour or day", "from: RFC 3339 time", "to: RFC 3339 time", "key: one value of the dimension"}, resp: failureReport{}}
	opIncidents       = op{summary: "Detected incidents", resp: incidentList{}}
	opListNotices     = op{summary: "Notices in force (all=1 for all)", query: []string{"all: 1 for every notice"}, resp: noticeList{}}
	opPostNotice      = op{summary: "Publish a notice (created_by: the authenticated user)", body: noticeRequest{}, resp: noticeView{}, status: 201}
	opMerchantNotices = op{summary: "Open incidents and notices concerning a merchant", resp: noticeList{}}
	opTerminalHealth  = op{summary: "One terminal's health", resp: healthView{}}
	opAttention       = op{summary: "Terminals needing attention", resp: attentionList{}}
)

var (
	opPostReconRun = op{summary: "Reconcile a clearing date: multipart parts date (YYYY-MM-DD), clearing (the network's clearing file), optional bank (the bank's payout result file), optional qr_bill files (wallet channels' day bills, QR{yyyymmdd}.{channel}.{mch_id}.csv, repeatable) and optional qr=fetch (fetch every configured channel's bill); 201 with a new run's report, 200 with the stored one for the same bytes, 422 for a bad file (admin, finance)",
		resp: recon.Report{}, status: 201}
	opListReconRuns = op{summary: "Reconciliation runs, newest first",
		query: []string{"date: clearing date YYYY-MM-DD", "limit: page size (1-1000, default 50)", "cursor: next_cursor of the previous page"}, resp: reconRunList{}}
	opGetReconRun         = op{summary: "One reconciliation run's report, exception statuses as they stand now", resp: recon.Report{}}
	opListReconExceptions = op{summary: "Reconciliation exceptions as they stand now",
		query: []string{"date: clearing date YYYY-MM-DD", "class: exception class", "status: awaiting, open, repair_pending, repaired, resolved",
			"limit: page size (1-1000, default 50)", "cursor: next_cursor of the previous page"}, resp: reconExceptionList{}}
	opResolveReconException = op{summary: "Resolve a reconciliation exception by hand (admin, finance): its hold is released and its case noted",
		body: reconResolveRequest{}, resp: recon.Exception{}}
	opListJobs = op{summary: "The scheduler's runs (close of day, T+1 settlement, payouts, reconciliation, D0), the latest started first",
		query: []string{"day: business day YYYY-MM-DD", "kind: close_day, settle_t1, payouts, recon or d0", "limit: page size (1-1000, default 50)"},
		resp:  jobList{}}
)

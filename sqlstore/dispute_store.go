package sqlstore

import (
	"context"
	"strings"

	"github.com/posguard/posguard"
)

var _ posguard.DisputeStore = (*Store)(nil)

// disputeTable is disputes, keyed by the network's ID; a dispute not yet
// responded to or decided holds NULL there.
var disputeTable = newTable("disputes", "", `id, kind, reason_code, state, txn_id, merchant_id, terminal_id, rrn,
	card_masked, amount, currency, txn_date, raised_at, due_at, case_id, outcome, lost_by, responded_at, decided_at,
	created_at, updated_at`,
	func(d *posguard.Dispute) []any {
		return []any{&d.ID, &d.Kind, &d.ReasonCode, &d.State, &d.TxnID, &d.MerchantID, &d.TerminalID, &d.RRN,
			&d.CardMasked, &d.Amount, &d.Currency, &d.TxnDate, &d.RaisedAt, &d.DueAt, &d.CaseID, &d.Outcome, &d.LostBy,
			nullT(&d.RespondedAt), nullT(&d.DecidedAt), &d.CreatedAt, &d.UpdatedAt}
	})

func disputeNotFound(id string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "dispute %q not found", id)
}

// PutDispute implements posguard.DisputeStore.
func (s *Store) PutDispute(ctx context.Context, d *posguard.Dispute) (bool, error) {
	if d.ID == "" || !d.Kind.Valid() || !d.State.Valid() {
		return false, posguard.Errorf(posguard.EINVALID, "dispute %q: id, kind and state are required", d.ID)
	}
	v := *d
	v.CardMasked, v.CreatedAt, v.UpdatedAt = posguard.MaskPAN(d.CardMasked), s.NowUTC(), s.NowUTC()
	n, err := s.DB.Exec(ctx, "put dispute", disputeTable.insert+` ON CONFLICT (id) DO NOTHING`, disputeTable.values(s, &v)...)
	if err != nil {
		return false, err
	}
	stored, err := s.Dispute(ctx, d.ID)
	if err == nil {
		*d = *stored
	}
	return n == 1, err
}

// Dispute implements posguard.DisputeStore.
func (s *Store) Dispute(ctx context.Context, id string) (*posguard.Dispute, error) {
	return disputeTable.get(ctx, s.DB.Primary(), "dispute", func() error { return disputeNotFound(id) }, ` WHERE id = ?`, id)
}

// Disputes implements posguard.DisputeStore.
func (s *Store) Disputes(ctx context.Context, f posguard.DisputeFilter) ([]*posguard.Dispute, error) {
	a := s.args()
	q := a.Eq("merchant_id", f.MerchantID, "state", f.State, "kind", f.Kind, "txn_id", f.TxnID, "due_at <", f.DueBefore)
	if f.Active || !f.DueBefore.IsZero() {
		q += ` AND state IN ('open', 'waiting_merchant')`
	}
	return disputeTable.page(ctx, s, "disputes", a, q, "due_at, id", f.Limit, 100, 1000)
}

// UpdateDispute implements posguard.DisputeStore. The state guard is part
// of the one UPDATE statement, so two hosts racing on one dispute (a
// response and the expiry) cannot both move it.
func (s *Store) UpdateDispute(ctx context.Context, u posguard.DisputeUpdate) error {
	if u.State != "" && !u.State.Valid() {
		return posguard.Errorf(posguard.EINVALID, "dispute %q: unknown state %q", u.ID, u.State)
	}
	var caseID any
	if u.CaseID != 0 {
		caseID = u.CaseID
	}
	q := `UPDATE disputes SET state = COALESCE(NULLIF(?, ''), state),
		case_id = COALESCE(?, case_id), outcome = COALESCE(NULLIF(?, ''), outcome), lost_by = COALESCE(NULLIF(?, ''), lost_by),
		responded_at = COALESCE(?, responded_at), decided_at = COALESCE(?, decided_at), updated_at = ? WHERE id = ?`
	args := []any{string(u.State), caseID, u.Outcome, u.LostBy, s.NullT(u.RespondedAt), s.NullT(u.DecidedAt), s.T(s.NowUTC()), u.ID}
	if len(u.FromStates) > 0 {
		q += ` AND state IN (?` + strings.Repeat(`, ?`, len(u.FromStates)-1) + `)`
		for _, st := range u.FromStates {
			args = append(args, string(st))
		}
	}
	n, err := s.DB.Exec(ctx, "update dispute", q, args...)
	if err != nil {
		return err
	}
	return moved(ctx, s.DB.Primary(), n, "disputes", u.ID, func() error { return disputeNotFound(u.ID) },
		func(state string) error { return posguard.Errorf(posguard.ECONFLICT, "dispute %s is %s", u.ID, state) })
}

// evidenceTable is dispute_evidence without the data, evidenceDataTable with.
var evidenceTable = newTable("dispute_evidence", "id", `id, dispute_id, source, kind, name, content_type, size, sha256, author, created_at`,
	func(e *posguard.DisputeEvidence) []any {
		return []any{&e.ID, &e.DisputeID, &e.Source, &e.Kind, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &e.Author, &e.CreatedAt}
	})
var evidenceDataTable = evidenceTable.with("data", func(e *posguard.DisputeEvidence) []any { return []any{&e.Data} })

// AddDisputeEvidence implements posguard.DisputeStore.
func (s *Store) AddDisputeEvidence(ctx context.Context, e *posguard.DisputeEvidence) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.NowUTC()
	}
	e.Size = int64(len(e.Data))
	return s.DB.InTx(ctx, "add dispute evidence", func(tx *Tx) error {
		if err := mustExist(ctx, tx, "disputes", "id", e.DisputeID, func() error { return disputeNotFound(e.DisputeID) }); err != nil {
			return err
		}
		return evidenceDataTable.add(ctx, tx, s, e, "")
	})
}

// DisputeEvidence implements posguard.DisputeStore.
func (s *Store) DisputeEvidence(ctx context.Context, id string) ([]*posguard.DisputeEvidence, error) {
	return evidenceTable.list(ctx, s.DB, "dispute evidence", ` WHERE dispute_id = ? ORDER BY id`, id)
}

// DisputeEvidenceItem implements posguard.DisputeStore.
func (s *Store) DisputeEvidenceItem(ctx context.Context, id string, evidenceID int64) (*posguard.DisputeEvidence, error) {
	return evidenceDataTable.get(ctx, s.DB.Primary(), "dispute evidence",
		func() error {
			return posguard.Errorf(posguard.ENOTFOUND, "dispute %q has no evidence %d", id, evidenceID)
		},
		` WHERE dispute_id = ? AND id = ?`, id, evidenceID)
}

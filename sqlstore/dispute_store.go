package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/posguard/posguard"
)

var _ posguard.DisputeStore = (*Store)(nil)

// disputeCols are the columns scanDispute reads, in its order.
const disputeCols = `id, kind, reason_code, state, txn_id, merchant_id, terminal_id, rrn, card_masked, amount,
	currency, txn_date, raised_at, due_at, case_id, outcome, lost_by, responded_at, decided_at, created_at, updated_at`

func scanDispute(r Row) (*posguard.Dispute, error) {
	d := &posguard.Dispute{}
	var kind, state string
	var amount int64
	err := r.Scan(&d.ID, &kind, &d.ReasonCode, &state, &d.TxnID, &d.MerchantID, &d.TerminalID, &d.RRN, &d.CardMasked,
		&amount, &d.Currency, &d.TxnDate, TimeCol(&d.RaisedAt), TimeCol(&d.DueAt), &d.CaseID, &d.Outcome, &d.LostBy,
		TimeCol(&d.RespondedAt), TimeCol(&d.DecidedAt), TimeCol(&d.CreatedAt), TimeCol(&d.UpdatedAt))
	d.Kind, d.State, d.Amount = posguard.DisputeKind(kind), posguard.DisputeState(state), posguard.Amount(amount)
	return d, err
}

func disputeNotFound(id string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "dispute %q not found", id)
}

// PutDispute implements posguard.DisputeStore.
func (s *Store) PutDispute(ctx context.Context, d *posguard.Dispute) (bool, error) {
	if d.ID == "" || !d.Kind.Valid() || !d.State.Valid() {
		return false, posguard.Errorf(posguard.EINVALID, "dispute %q: id, kind and state are required", d.ID)
	}
	now := s.NowUTC()
	n, err := s.DB.Exec(ctx, "put dispute", `INSERT INTO disputes (`+disputeCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		d.ID, string(d.Kind), d.ReasonCode, string(d.State), d.TxnID, d.MerchantID, d.TerminalID, d.RRN,
		posguard.MaskPAN(d.CardMasked), int64(d.Amount), d.Currency, d.TxnDate, s.T(d.RaisedAt.UTC()), s.T(d.DueAt.UTC()),
		d.CaseID, d.Outcome, d.LostBy, s.NullT(d.RespondedAt), s.NullT(d.DecidedAt), s.T(now), s.T(now))
	if err != nil {
		return false, err
	}
	stored, err := s.Dispute(ctx, d.ID)
	if err != nil {
		return false, err
	}
	*d = *stored
	return n == 1, nil
}

// Dispute implements posguard.DisputeStore.
func (s *Store) Dispute(ctx context.Context, id string) (*posguard.Dispute, error) {
	d, err := scanDispute(s.DB.WriteRow(ctx, `SELECT `+disputeCols+` FROM disputes WHERE id = ?`, id))
	if errors.Is(err, ErrNoRows) {
		return nil, disputeNotFound(id)
	}
	if err != nil {
		return nil, s.DB.Err(err, "dispute")
	}
	return d, nil
}

// Disputes implements posguard.DisputeStore.
func (s *Store) Disputes(ctx context.Context, f posguard.DisputeFilter) ([]*posguard.Dispute, error) {
	q := `SELECT ` + disputeCols + ` FROM disputes WHERE 1 = 1`
	var args []any
	if f.MerchantID != "" {
		q += ` AND merchant_id = ?`
		args = append(args, f.MerchantID)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, string(f.Kind))
	}
	if f.TxnID != 0 {
		q += ` AND txn_id = ?`
		args = append(args, f.TxnID)
	}
	if f.Active || !f.DueBefore.IsZero() {
		q += ` AND state IN ('open', 'waiting_merchant')`
	}
	if !f.DueBefore.IsZero() {
		q += ` AND due_at < ?`
		args = append(args, s.T(f.DueBefore.UTC()))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q += ` ORDER BY due_at, id LIMIT ?`
	args = append(args, limit)
	rows, err := s.DB.Query(ctx, "disputes", q, args...)
	if err != nil {
		return nil, err
	}
	return Collect(s.DB, rows, "disputes", scanDispute)
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
	if n == 1 {
		return nil
	}
	d, err := s.Dispute(ctx, u.ID)
	if err != nil {
		return err
	}
	return posguard.Errorf(posguard.ECONFLICT, "dispute %s is %s", u.ID, d.State)
}

// evidenceCols are the columns of a piece of evidence without its data.
const evidenceCols = `id, dispute_id, source, kind, name, content_type, size, sha256, author, created_at`

func scanEvidence(r Row) (*posguard.DisputeEvidence, error) {
	e := &posguard.DisputeEvidence{}
	err := r.Scan(&e.ID, &e.DisputeID, &e.Source, &e.Kind, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &e.Author, TimeCol(&e.CreatedAt))
	return e, err
}

// AddDisputeEvidence implements posguard.DisputeStore.
func (s *Store) AddDisputeEvidence(ctx context.Context, e *posguard.DisputeEvidence) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.NowUTC()
	}
	e.Size = int64(len(e.Data))
	return s.DB.InTx(ctx, "add dispute evidence", func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM disputes WHERE id = ?`, e.DisputeID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return disputeNotFound(e.DisputeID)
		}
		return tx.QueryRow(ctx, `INSERT INTO dispute_evidence (dispute_id, source, kind, name, content_type, size, sha256,
			data, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.DisputeID, e.Source, e.Kind, e.Name, e.ContentType, e.Size, e.SHA256, e.Data, e.Author, s.T(e.CreatedAt.UTC())).Scan(&e.ID)
	})
}

// DisputeEvidence implements posguard.DisputeStore.
func (s *Store) DisputeEvidence(ctx context.Context, id string) ([]*posguard.DisputeEvidence, error) {
	rows, err := s.DB.Query(ctx, "dispute evidence", `SELECT `+evidenceCols+` FROM dispute_evidence WHERE dispute_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return Collect(s.DB, rows, "dispute evidence", scanEvidence)
}

// DisputeEvidenceItem implements posguard.DisputeStore.
func (s *Store) DisputeEvidenceItem(ctx context.Context, id string, evidenceID int64) (*posguard.DisputeEvidence, error) {
	e := &posguard.DisputeEvidence{}
	err := s.DB.WriteRow(ctx, `SELECT `+evidenceCols+`, data FROM dispute_evidence WHERE dispute_id = ? AND id = ?`, id, evidenceID).Scan(
		&e.ID, &e.DisputeID, &e.Source, &e.Kind, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &e.Author, TimeCol(&e.CreatedAt), &e.Data)
	if errors.Is(err, ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "dispute %q has no evidence %d", id, evidenceID)
	}
	if err != nil {
		return nil, s.DB.Err(err, "dispute evidence")
	}
	return e, nil
}

package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/posguard/posguard"
)

const appColumns = `id, kind, name, mcc, license_no, legal_name, legal_id_no, phone, address,
	account_bank, account_number, account_name, fee_plan, state, checks, returned, reason,
	merchant_id, created_by, reviewed_by, created_at, updated_at`

// CreateApplication implements posguard.ApplicationStore.
func (s *Store) CreateApplication(ctx context.Context, a *posguard.Application) error {
	now := s.NowUTC()
	a.CreatedAt, a.UpdatedAt = now, now
	checks, returned := encode(a)
	return s.DB.InTx(ctx, "create application", func(tx *Tx) error {
		if err := tx.QueryRow(ctx, (`INSERT INTO applications (kind, name, mcc, license_no, legal_name, legal_id_no, phone, address,
			account_bank, account_number, account_name, fee_plan, state, checks, returned, reason, merchant_id, created_by, reviewed_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			a.Kind, a.Name, a.MCC, a.LicenseNo, a.LegalName, a.LegalIDNo, a.Phone, a.Address,
			a.Account.Bank, a.Account.Number, a.Account.Name, a.FeePlan, string(a.State), checks, returned, a.Reason,
			a.MerchantID, a.CreatedBy, a.ReviewedBy, obNanos(now), obNanos(now)).Scan(&a.ID); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, a.ID, posguard.ApplicationEvent{At: now, Actor: a.CreatedBy, To: string(a.State), Note: "created"})
	})
}

func encode(a *posguard.Application) (checks, returned string) {
	if len(a.Checks) > 0 {
		b, _ := json.Marshal(a.Checks)
		checks = string(b)
	}
	if len(a.Returned) > 0 {
		b, _ := json.Marshal(a.Returned)
		returned = string(b)
	}
	return checks, returned
}

func (s *Store) addEvent(ctx context.Context, tx *Tx, id int64, ev posguard.ApplicationEvent) error {
	if ev.At.IsZero() {
		ev.At = s.NowUTC()
	}
	_, err := tx.Exec(ctx, "exec", (`INSERT INTO application_events (application_id, at, actor, from_state, to_state, note)
		VALUES (?, ?, ?, ?, ?, ?)`), id, obNanos(ev.At), ev.Actor, ev.From, ev.To, ev.Note)
	return err
}

// Application implements posguard.ApplicationStore.
func (s *Store) Application(ctx context.Context, id int64) (*posguard.Application, error) {
	a, err := scanApp(s.DB.QueryRow(ctx, (`SELECT ` + appColumns + ` FROM applications WHERE id = ?`), id))
	if err == ErrNoRows {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no application %d", id)
	}
	return a, s.DB.Err(err, "read application")
}

// Applications implements posguard.ApplicationStore.
func (s *Store) Applications(ctx context.Context, state posguard.ApplicationState, n int) ([]*posguard.Application, error) {
	rows, err := s.DB.Query(ctx, "query", (`SELECT ` + appColumns + ` FROM applications WHERE (? = '' OR state = ?) ORDER BY id DESC LIMIT ?`),
		string(state), string(state), obLimit(n))
	if err != nil {
		return nil, s.DB.Err(err, "list applications")
	}
	defer rows.Close()
	var out []*posguard.Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, s.DB.Err(err, "scan application")
		}
		out = append(out, a)
	}
	return out, s.DB.Err(rows.Err(), "list applications")
}

func scanApp(r Row) (*posguard.Application, error) {
	var a posguard.Application
	var state, checks, returned string
	var created, updated int64
	if err := r.Scan(&a.ID, &a.Kind, &a.Name, &a.MCC, &a.LicenseNo, &a.LegalName, &a.LegalIDNo, &a.Phone, &a.Address,
		&a.Account.Bank, &a.Account.Number, &a.Account.Name, &a.FeePlan, &state, &checks, &returned, &a.Reason,
		&a.MerchantID, &a.CreatedBy, &a.ReviewedBy, &created, &updated); err != nil {
		return nil, err
	}
	a.State, a.CreatedAt, a.UpdatedAt = posguard.ApplicationState(state), obTime(created), obTime(updated)
	if checks != "" {
		if err := json.Unmarshal([]byte(checks), &a.Checks); err != nil {
			return nil, err
		}
	}
	if returned != "" {
		if err := json.Unmarshal([]byte(returned), &a.Returned); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// UpdateApplication implements posguard.ApplicationStore.
func (s *Store) UpdateApplication(ctx context.Context, a *posguard.Application, from posguard.ApplicationState, ev posguard.ApplicationEvent) error {
	now := s.NowUTC()
	checks, returned := encode(a)
	return s.DB.InTx(ctx, "update application", func(tx *Tx) error {
		r, err := tx.Exec(ctx, "exec", (`UPDATE applications SET kind = ?, name = ?, mcc = ?, license_no = ?, legal_name = ?, legal_id_no = ?,
			phone = ?, address = ?, account_bank = ?, account_number = ?, account_name = ?, fee_plan = ?, state = ?, checks = ?,
			returned = ?, reason = ?, merchant_id = ?, reviewed_by = ?, updated_at = ? WHERE id = ? AND state = ?`),
			a.Kind, a.Name, a.MCC, a.LicenseNo, a.LegalName, a.LegalIDNo, a.Phone, a.Address, a.Account.Bank, a.Account.Number,
			a.Account.Name, a.FeePlan, string(a.State), checks, returned, a.Reason, a.MerchantID, a.ReviewedBy, obNanos(now), a.ID, string(from))
		if err != nil {
			return err
		}
		if r == 0 {
			var st string
			if err := tx.QueryRow(ctx, (`SELECT state FROM applications WHERE id = ?`), a.ID).Scan(&st); err == ErrNoRows {
				return posguard.Errorf(posguard.ENOTFOUND, "no application %d", a.ID)
			} else if err != nil {
				return err
			}
			return posguard.Errorf(posguard.ECONFLICT, "application %d is %s, not %s", a.ID, st, from)
		}
		a.UpdatedAt = now
		ev.At = now
		return s.addEvent(ctx, tx, a.ID, ev)
	})
}

// ApplicationHistory implements posguard.ApplicationStore.
func (s *Store) ApplicationHistory(ctx context.Context, id int64) ([]posguard.ApplicationEvent, error) {
	rows, err := s.DB.Query(ctx, "query", (`SELECT at, actor, from_state, to_state, note FROM application_events
		WHERE application_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, s.DB.Err(err, "application history")
	}
	defer rows.Close()
	var out []posguard.ApplicationEvent
	for rows.Next() {
		var e posguard.ApplicationEvent
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.From, &e.To, &e.Note); err != nil {
			return nil, s.DB.Err(err, "scan history")
		}
		e.At = obTime(at)
		out = append(out, e)
	}
	return out, s.DB.Err(rows.Err(), "application history")
}

// AddDocument implements posguard.ApplicationStore.
func (s *Store) AddDocument(ctx context.Context, d *posguard.Document) error {
	sum := sha256.Sum256(d.Data)
	d.Size, d.SHA256, d.CreatedAt = len(d.Data), hex.EncodeToString(sum[:]), s.NowUTC()
	return s.DB.InTx(ctx, "add document", func(tx *Tx) error {
		var one int
		if err := tx.QueryRow(ctx, (`SELECT 1 FROM applications WHERE id = ?`), d.ApplicationID).Scan(&one); err == ErrNoRows {
			return posguard.Errorf(posguard.ENOTFOUND, "no application %d", d.ApplicationID)
		} else if err != nil {
			return err
		}
		return tx.QueryRow(ctx, (`INSERT INTO application_documents (application_id, kind, content_type, size, sha256, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), d.ApplicationID, d.Kind, d.ContentType, d.Size, d.SHA256, d.Data, obNanos(d.CreatedAt)).Scan(&d.ID)
	})
}

// Documents implements posguard.ApplicationStore.
func (s *Store) Documents(ctx context.Context, appID int64) ([]*posguard.Document, error) {
	rows, err := s.DB.Query(ctx, "query", (`SELECT id, application_id, kind, content_type, size, sha256, created_at
		FROM application_documents WHERE application_id = ? ORDER BY id`), appID)
	if err != nil {
		return nil, s.DB.Err(err, "list documents")
	}
	defer rows.Close()
	var out []*posguard.Document
	for rows.Next() {
		var d posguard.Document
		var at int64
		if err := rows.Scan(&d.ID, &d.ApplicationID, &d.Kind, &d.ContentType, &d.Size, &d.SHA256, &at); err != nil {
			return nil, s.DB.Err(err, "scan document")
		}
		d.CreatedAt = obTime(at)
		out = append(out, &d)
	}
	return out, s.DB.Err(rows.Err(), "list documents")
}

// Document implements posguard.ApplicationStore.
func (s *Store) Document(ctx context.Context, id int64) (*posguard.Document, error) {
	var d posguard.Document
	var at int64
	err := s.DB.QueryRow(ctx, (`SELECT id, application_id, kind, content_type, size, sha256, created_at, data
		FROM application_documents WHERE id = ?`), id).Scan(&d.ID, &d.ApplicationID, &d.Kind, &d.ContentType, &d.Size, &d.SHA256, &at, &d.Data)
	if err == ErrNoRows {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no document %d", id)
	}
	d.CreatedAt = obTime(at)
	return &d, s.DB.Err(err, "read document")
}

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
	checks, returned := jsonOrEmpty(a.Checks), jsonOrEmpty(a.Returned)
	return s.DB.InTx(ctx, "create application", func(tx *Tx) error {
		if err := tx.Insert(ctx, &a.ID, `INSERT INTO applications (`+appColumns[4:]+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Kind, a.Name, a.MCC, a.LicenseNo, a.LegalName, a.LegalIDNo, a.Phone, a.Address,
			a.Account.Bank, a.Account.Number, a.Account.Name, a.FeePlan, string(a.State), checks, returned, a.Reason,
			a.MerchantID, a.CreatedBy, a.ReviewedBy, s.T(now), s.T(now)); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, a.ID, posguard.ApplicationEvent{At: now, Actor: a.CreatedBy, To: string(a.State), Note: "created"})
	})
}

// jsonOrEmpty returns the JSON text of a list or map column, "" when empty.
func jsonOrEmpty(v any) string {
	b, _ := json.Marshal(v)
	if s := string(b); s != "null" && s != "[]" && s != "{}" {
		return s
	}
	return ""
}

func (s *Store) addEvent(ctx context.Context, tx *Tx, id int64, ev posguard.ApplicationEvent) error {
	_, err := tx.Exec(ctx, "add application event", `INSERT INTO application_events (application_id, at, actor, from_state, to_state, note)
		VALUES (?, ?, ?, ?, ?, ?)`, id, s.T(ev.At), ev.Actor, ev.From, ev.To, ev.Note)
	return err
}

// noApplication returns the error for an unknown application ID.
func noApplication(id int64) func() error {
	return func() error { return posguard.Errorf(posguard.ENOTFOUND, "no application %d", id) }
}

// Application implements posguard.ApplicationStore.
func (s *Store) Application(ctx context.Context, id int64) (*posguard.Application, error) {
	return queryOne(ctx, s.DB, "read application", noApplication(id), scanApp,
		`SELECT `+appColumns+` FROM applications WHERE id = ?`, id)
}

// Applications implements posguard.ApplicationStore.
func (s *Store) Applications(ctx context.Context, state posguard.ApplicationState, n int) ([]*posguard.Application, error) {
	return queryAll(ctx, s.DB, "list applications", scanApp, `SELECT `+appColumns+` FROM applications
		WHERE (? = '' OR state = ?) ORDER BY id DESC LIMIT ?`, string(state), string(state), pageLimit(n, 100, 1000))
}

func scanApp(r Row) (*posguard.Application, error) {
	var a posguard.Application
	var checks, returned string
	if err := r.Scan(&a.ID, &a.Kind, &a.Name, &a.MCC, &a.LicenseNo, &a.LegalName, &a.LegalIDNo, &a.Phone, &a.Address,
		&a.Account.Bank, &a.Account.Number, &a.Account.Name, &a.FeePlan, &a.State, &checks, &returned, &a.Reason,
		&a.MerchantID, &a.CreatedBy, &a.ReviewedBy, TimeCol(&a.CreatedAt), TimeCol(&a.UpdatedAt)); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		text string
		dst  any
	}{{checks, &a.Checks}, {returned, &a.Returned}} {
		if c.text != "" {
			if err := json.Unmarshal([]byte(c.text), c.dst); err != nil {
				return nil, err
			}
		}
	}
	return &a, nil
}

// UpdateApplication implements posguard.ApplicationStore.
func (s *Store) UpdateApplication(ctx context.Context, a *posguard.Application, from posguard.ApplicationState, ev posguard.ApplicationEvent) error {
	return s.DB.InTx(ctx, "update application", func(tx *Tx) error {
		return s.updateApplication(ctx, tx, a, from, ev)
	})
}

// ApproveApplication implements posguard.ApplicationStore.
func (s *Store) ApproveApplication(ctx context.Context, a *posguard.Application, from posguard.ApplicationState,
	ev posguard.ApplicationEvent, m *posguard.Merchant) error {
	return s.DB.InTx(ctx, "approve application", func(tx *Tx) error {
		if err := s.updateApplication(ctx, tx, a, from, ev); err != nil {
			return err
		}
		if err := s.putMerchantIdentity(ctx, tx, m.ID, a.LicenseNo, a.LegalIDNo); err != nil {
			return err
		}
		return s.putMerchant(ctx, tx, m)
	})
}

// updateApplication is UpdateApplication inside tx.
func (s *Store) updateApplication(ctx context.Context, tx *Tx, a *posguard.Application, from posguard.ApplicationState, ev posguard.ApplicationEvent) error {
	now := s.NowUTC()
	r, err := tx.Exec(ctx, "update application", `UPDATE applications SET kind = ?, name = ?, mcc = ?, license_no = ?, legal_name = ?,
		legal_id_no = ?, phone = ?, address = ?, account_bank = ?, account_number = ?, account_name = ?, fee_plan = ?, state = ?,
		checks = ?, returned = ?, reason = ?, merchant_id = ?, reviewed_by = ?, updated_at = ? WHERE id = ? AND state = ?`,
		a.Kind, a.Name, a.MCC, a.LicenseNo, a.LegalName, a.LegalIDNo, a.Phone, a.Address, a.Account.Bank, a.Account.Number,
		a.Account.Name, a.FeePlan, string(a.State), jsonOrEmpty(a.Checks), jsonOrEmpty(a.Returned), a.Reason, a.MerchantID,
		a.ReviewedBy, s.T(now), a.ID, string(from))
	if err == nil {
		err = moved(ctx, tx, r, "applications", a.ID, noApplication(a.ID),
			func(st string) error {
				return posguard.Errorf(posguard.ECONFLICT, "application %d is %s, not %s", a.ID, st, from)
			})
	}
	if err != nil {
		return err
	}
	a.UpdatedAt, ev.At = now, now
	return s.addEvent(ctx, tx, a.ID, ev)
}

// ApplicationHistory implements posguard.ApplicationStore.
func (s *Store) ApplicationHistory(ctx context.Context, id int64) ([]posguard.ApplicationEvent, error) {
	return queryAll(ctx, s.DB, "application history", func(r Row) (e posguard.ApplicationEvent, err error) {
		err = r.Scan(TimeCol(&e.At), &e.Actor, &e.From, &e.To, &e.Note)
		return e, err
	}, `SELECT at, actor, from_state, to_state, note FROM application_events WHERE application_id = ? ORDER BY id`, id)
}

// AddDocument implements posguard.ApplicationStore.
func (s *Store) AddDocument(ctx context.Context, d *posguard.Document) error {
	sum := sha256.Sum256(d.Data)
	d.Size, d.SHA256, d.CreatedAt = len(d.Data), hex.EncodeToString(sum[:]), s.NowUTC()
	return s.DB.InTx(ctx, "add document", func(tx *Tx) error {
		if err := mustExist(ctx, tx, "applications", "id", d.ApplicationID, noApplication(d.ApplicationID)); err != nil {
			return err
		}
		return tx.Insert(ctx, &d.ID, `INSERT INTO application_documents (application_id, kind, content_type, size, sha256, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.ApplicationID, d.Kind, d.ContentType, d.Size, d.SHA256, d.Data, s.T(d.CreatedAt))
	})
}

const docColumns = `id, application_id, kind, content_type, size, sha256, created_at`

// Documents implements posguard.ApplicationStore.
func (s *Store) Documents(ctx context.Context, appID int64) ([]*posguard.Document, error) {
	return queryAll(ctx, s.DB, "list documents", scanDocument(false),
		`SELECT `+docColumns+` FROM application_documents WHERE application_id = ? ORDER BY id`, appID)
}

// scanDocument returns the scan of a row of docColumns, followed by the
// data when withData.
func scanDocument(withData bool) func(Row) (*posguard.Document, error) {
	return func(r Row) (*posguard.Document, error) {
		var d posguard.Document
		dest := []any{&d.ID, &d.ApplicationID, &d.Kind, &d.ContentType, &d.Size, &d.SHA256, TimeCol(&d.CreatedAt)}
		if withData {
			dest = append(dest, &d.Data)
		}
		return &d, r.Scan(dest...)
	}
}

// Document implements posguard.ApplicationStore.
func (s *Store) Document(ctx context.Context, id int64) (*posguard.Document, error) {
	return queryOne(ctx, s.DB, "read document", func() error { return posguard.Errorf(posguard.ENOTFOUND, "no document %d", id) },
		scanDocument(true), `SELECT `+docColumns+`, data FROM application_documents WHERE id = ?`, id)
}

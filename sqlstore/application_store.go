package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/posguard/posguard"
)

// appTable is applications, whose ID the database assigns; checks and
// returned fields are JSON, "" when empty.
var appTable = newTable("applications", "id", `id, kind, name, mcc, license_no, legal_name, legal_id_no, phone, address,
	account_bank, account_number, account_name, fee_plan, state, checks, returned, reason,
	merchant_id, created_by, reviewed_by, created_at, updated_at`,
	func(a *posguard.Application) []any {
		return []any{&a.ID, &a.Kind, &a.Name, &a.MCC, &a.LicenseNo, &a.LegalName, &a.LegalIDNo, &a.Phone, &a.Address,
			&a.Account.Bank, &a.Account.Number, &a.Account.Name, &a.FeePlan, &a.State, asJSON(&a.Checks, &noneText),
			asJSON(&a.Returned, &noneText), &a.Reason, &a.MerchantID, &a.CreatedBy, &a.ReviewedBy, &a.CreatedAt, &a.UpdatedAt}
	})

// CreateApplication implements posguard.ApplicationStore.
func (s *Store) CreateApplication(ctx context.Context, a *posguard.Application) error {
	now := s.NowUTC()
	a.CreatedAt, a.UpdatedAt = now, now
	return s.DB.InTx(ctx, "create application", func(tx *Tx) error {
		if err := appTable.add(ctx, tx, s, a, ""); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, a.ID, posguard.ApplicationEvent{At: now, Actor: a.CreatedBy, To: string(a.State), Note: "created"})
	})
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
	return appTable.get(ctx, s.DB, "read application", noApplication(id), ` WHERE id = ?`, id)
}

// Applications implements posguard.ApplicationStore.
func (s *Store) Applications(ctx context.Context, state posguard.ApplicationState, n int) ([]*posguard.Application, error) {
	a := &Args{}
	return appTable.page(ctx, s, "list applications", a, a.Eq("state", state), "id DESC", n, 100, 1000)
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
	v := *a
	v.UpdatedAt = now
	set, args := appTable.set(s, &v, "id", "created_by", "created_at")
	r, err := tx.Exec(ctx, "update application", `UPDATE applications SET `+set+` WHERE id = ? AND state = ?`, append(args, a.ID, string(from))...)
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
		return docDataTable.add(ctx, tx, s, d, "")
	})
}

// docTable is application_documents without their data, docDataTable with.
var docTable = newTable("application_documents", "id", `id, application_id, kind, content_type, size, sha256, created_at`,
	func(d *posguard.Document) []any {
		return []any{&d.ID, &d.ApplicationID, &d.Kind, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedAt}
	})
var docDataTable = docTable.with("data", func(d *posguard.Document) []any { return []any{&d.Data} })

// Documents implements posguard.ApplicationStore.
func (s *Store) Documents(ctx context.Context, appID int64) ([]*posguard.Document, error) {
	return docTable.list(ctx, s.DB, "list documents", ` WHERE application_id = ? ORDER BY id`, appID)
}

// Document implements posguard.ApplicationStore.
func (s *Store) Document(ctx context.Context, id int64) (*posguard.Document, error) {
	return docDataTable.get(ctx, s.DB, "read document", func() error { return posguard.Errorf(posguard.ENOTFOUND, "no document %d", id) },
		` WHERE id = ?`, id)
}

package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/posguard/posguard"
)

// Onboarding and risk (posguard.OnboardingStore): the tables of migration
// 0035_onboarding (times made timestamptz on PostgreSQL by 0041):
// applications, their events and documents, merchants' identities, the
// blacklist, merchant events and terminal bindings. The risk rules and
// hits are in risk_store.go.

var _ posguard.OnboardingStore = (*Store)(nil)

// Onboarding returns the store's applications, bindings, merchant history
// and risk rules and hits (posguard.OnboardingStore).
func (s *Store) Onboarding() posguard.OnboardingStore { return s }

// Duplicates implements posguard.ApplicationStore.
func (s *Store) Duplicates(ctx context.Context, except int64, licenseNo, idNo string) ([]string, error) {
	apps, err := queryAll(ctx, s.DB, "duplicate applications", func(r Row) (string, error) {
		var id int64
		err := r.Scan(&id)
		return "application/" + strconv.FormatInt(id, 10), err
	}, `SELECT id FROM applications WHERE id <> ? AND state IN ('draft', 'pending_review', 'returned')
		AND ((? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?)) ORDER BY id`, except, licenseNo, licenseNo, idNo, idNo)
	if err != nil {
		return nil, err
	}
	ms, err := queryAll(ctx, s.DB, "duplicate merchants", func(r Row) (string, error) {
		var mid string
		err := r.Scan(&mid)
		return "merchant/" + mid, err
	}, `SELECT merchant_id FROM merchant_identities WHERE (? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?)
		ORDER BY merchant_id`, licenseNo, licenseNo, idNo, idNo)
	return append(apps, ms...), err
}

// PutMerchantIdentity implements posguard.ApplicationStore.
func (s *Store) PutMerchantIdentity(ctx context.Context, merchantID, licenseNo, idNo string) error {
	return s.DB.InTx(ctx, "put merchant identity", func(tx *Tx) error { return s.putMerchantIdentity(ctx, tx, merchantID, licenseNo, idNo) })
}

func (s *Store) putMerchantIdentity(ctx context.Context, tx *Tx, merchantID, licenseNo, idNo string) error {
	_, err := tx.Exec(ctx, "put merchant identity", `INSERT INTO merchant_identities (merchant_id, license_no, legal_id_no) VALUES (?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET license_no = excluded.license_no, legal_id_no = excluded.legal_id_no`,
		merchantID, licenseNo, idNo)
	return err
}

// AddBlacklist implements posguard.ApplicationStore.
func (s *Store) AddBlacklist(ctx context.Context, value, reason string) error {
	if value == "" {
		return posguard.Errorf(posguard.EINVALID, "blacklist: empty value")
	}
	_, err := s.DB.Exec(ctx, "add blacklist", `INSERT INTO onboarding_blacklist (value, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (value) DO UPDATE SET reason = excluded.reason`, value, reason, s.T(s.NowUTC()))
	return err
}

// Blacklisted implements posguard.ApplicationStore.
func (s *Store) Blacklisted(ctx context.Context, values ...string) (string, bool, error) {
	for _, v := range values {
		if v == "" {
			continue
		}
		var reason string
		err := s.DB.QueryRow(ctx, `SELECT reason FROM onboarding_blacklist WHERE value = ?`, v).Scan(&reason)
		if err != ErrNoRows {
			return reason, err == nil, s.DB.Err(err, "blacklist")
		}
	}
	return "", false, nil
}

// AddMerchantEvent implements posguard.ApplicationStore.
func (s *Store) AddMerchantEvent(ctx context.Context, e *posguard.MerchantEvent) error {
	if e.At.IsZero() {
		e.At = s.NowUTC()
	}
	return s.DB.InTx(ctx, "add merchant event", func(tx *Tx) error { return s.addMerchantEvent(ctx, tx, e) })
}

func (s *Store) addMerchantEvent(ctx context.Context, tx *Tx, e *posguard.MerchantEvent) error {
	return merchantEventTable.add(ctx, tx, s, e, "")
}

// MerchantEvents implements posguard.ApplicationStore.
func (s *Store) MerchantEvents(ctx context.Context, merchantID string, n int) ([]*posguard.MerchantEvent, error) {
	return merchantEventTable.list(ctx, s.DB, "merchant events", ` WHERE merchant_id = ? ORDER BY id DESC LIMIT ?`,
		merchantID, pageLimit(n, 100, 1000))
}

// merchantEventTable is merchant_events, whose ID the database assigns.
var merchantEventTable = newTable("merchant_events", "id", `id, merchant_id, at, actor, action, reason, detail`,
	func(e *posguard.MerchantEvent) []any {
		return []any{&e.ID, &e.MerchantID, &e.At, &e.Actor, &e.Action, &e.Reason, &e.Detail}
	})

// bindingTable is terminal_bindings, keyed by terminal.
var bindingTable = newTable("terminal_bindings", "", `terminal_id, serial_no, merchant_id, model, bound_at`,
	func(b *posguard.TerminalBinding) []any {
		return []any{&b.TerminalID, &b.SerialNo, &b.MerchantID, &b.Model, &b.BoundAt}
	})

// Bind implements posguard.ApplicationStore.
func (s *Store) Bind(ctx context.Context, b *posguard.TerminalBinding) error {
	b.BoundAt = s.NowUTC()
	err := bindingTable.add(ctx, s.DB, s, b, "")
	if posguard.ErrorCode(err) == posguard.ECONFLICT {
		return posguard.Errorf(posguard.ECONFLICT, "serial number %s (or terminal %s) is bound already", b.SerialNo, b.TerminalID)
	}
	return err
}

// notBound returns the error for a terminal without a binding.
func notBound(terminalID string) func() error {
	return func() error { return posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID) }
}

// Unbind implements posguard.ApplicationStore.
func (s *Store) Unbind(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	var b *posguard.TerminalBinding
	err := s.DB.InTx(ctx, "unbind terminal", func(tx *Tx) error {
		var err error
		if b, err = bindingTable.get(ctx, tx, "unbind terminal", notBound(terminalID), ` WHERE terminal_id = ?`, terminalID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "unbind terminal", `DELETE FROM terminal_bindings WHERE terminal_id = ?`, terminalID)
		return err
	})
	return b, err
}

// MoveBinding implements posguard.ApplicationStore.
func (s *Store) MoveBinding(ctx context.Context, terminalID, merchantID string) error {
	n, err := s.DB.Exec(ctx, "move binding", `UPDATE terminal_bindings SET merchant_id = ?, bound_at = ? WHERE terminal_id = ?`,
		merchantID, s.T(s.NowUTC()), terminalID)
	return changed(n, err, notBound(terminalID))
}

// Binding implements posguard.ApplicationStore.
func (s *Store) Binding(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	return bindingTable.get(ctx, s.DB, "read binding", notBound(terminalID), ` WHERE terminal_id = ?`, terminalID)
}

// Bindings implements posguard.ApplicationStore.
func (s *Store) Bindings(ctx context.Context, merchantID string) ([]*posguard.TerminalBinding, error) {
	return bindingTable.list(ctx, s.DB, "list bindings", ` WHERE merchant_id = ? ORDER BY terminal_id`, merchantID)
}

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

// appEventTable is application_events but their application_id, which
// addEvent writes first.
var appEventTable = newTable("application_events", "", `at, actor, from_state, to_state, note`,
	func(e *posguard.ApplicationEvent) []any { return []any{&e.At, &e.Actor, &e.From, &e.To, &e.Note} })

// addEvent appends ev to the history of application id.
func (s *Store) addEvent(ctx context.Context, tx *Tx, id int64, ev posguard.ApplicationEvent) error {
	_, err := tx.Exec(ctx, "add application event", `INSERT INTO application_events (application_id, `+appEventTable.cols+`)
		VALUES `+values(1, 6), append([]any{id}, appEventTable.values(s, &ev)...)...)
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
	return queryAll(ctx, s.DB, "application history", appEventTable.val,
		`SELECT `+appEventTable.cols+` FROM application_events WHERE application_id = ? ORDER BY id`, id)
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

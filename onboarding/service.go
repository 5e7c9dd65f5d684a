package onboarding

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// Service runs applications and terminals. Set Store, Merchants, Terminals
// and Verifier; the other fields have defaults.
type Service struct {
	Store     posguard.ApplicationStore
	Merchants posguard.MerchantStore
	Terminals posguard.TerminalStore
	Verifier  posguard.Verifier
	// Audit records every change; nil records none.
	Audit *Auditor
	// Limits returns the default limits of a merchant kind; nil uses
	// DefaultLimits.
	Limits func(kind string) posguard.Limits
	// Changed, if set, is told about a merchant or terminal whose stored
	// record changed (the switch forgets its cached copy).
	Changed func(merchantID, terminalID string)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Logger receives internal errors; nil logs nowhere.
	Logger *slog.Logger

	idMu sync.Mutex // one new merchant or terminal ID at a time
}

// DefaultLimits are the limits a new merchant gets by kind (fen): an
// individual 5,000 元 a payment and 50,000 元 a day, a small merchant
// 20,000 and 200,000 元, an enterprise 50,000 and 5,000,000 元.
func DefaultLimits(kind string) posguard.Limits {
	switch kind {
	case posguard.KindIndividual:
		return posguard.Limits{PerTxn: 500000, Daily: 5000000, DailyCount: 200}
	case posguard.KindSmall:
		return posguard.Limits{PerTxn: 2000000, Daily: 20000000, DailyCount: 500}
	}
	return posguard.Limits{PerTxn: 5000000, Daily: 500000000, DailyCount: 10000}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) changed(mid, tid string) {
	if s.Changed != nil {
		s.Changed(mid, tid)
	}
}

// Create stores a new draft application. Its kind must be known; the other
// fields are checked on submit. When a.MerchantID is set it must name a
// pending_kyc merchant, whose verification the application completes.
func (s *Service) Create(ctx context.Context, actor Actor, a *posguard.Application) error {
	if !posguard.ValidKind(a.Kind) {
		return posguard.Errorf(posguard.EINVALID, "kind must be individual, small or enterprise")
	}
	if a.MerchantID != "" {
		m, err := s.Merchants.Merchant(ctx, a.MerchantID)
		if err != nil {
			return err
		}
		if m.Status != posguard.MerchantPendingKYC {
			return posguard.Errorf(posguard.ECONFLICT, "merchant %s is %s, not pending_kyc", m.ID, m.Status)
		}
	}
	a.State, a.CreatedBy = posguard.AppDraft, actor.Name
	if err := s.Store.CreateApplication(ctx, a); err != nil {
		return err
	}
	s.Audit.Record(ctx, actor, "application.create", appObject(a.ID), "ok", nil, AuditView(a))
	return nil
}

// Patch is a partial update of an application: nil fields are kept.
type Patch struct {
	Kind, Name, MCC, LicenseNo, LegalName, LegalIDNo, Phone, Address, FeePlan *string
	Account                                                                   *posguard.SettlementAccount
}

// Update applies p to a draft or returned application; a returned one goes
// back to draft. ECONFLICT in another state.
func (s *Service) Update(ctx context.Context, actor Actor, id int64, p Patch) (*posguard.Application, error) {
	a, err := s.Store.Application(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State != posguard.AppDraft && a.State != posguard.AppReturned {
		return nil, posguard.Errorf(posguard.ECONFLICT, "application %d is %s: only a draft or returned application can be changed", id, a.State)
	}
	before := AuditView(a)
	from := a.State
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	if p.Kind != nil && !posguard.ValidKind(*p.Kind) {
		return nil, posguard.Errorf(posguard.EINVALID, "kind must be individual, small or enterprise")
	}
	set(&a.Kind, p.Kind)
	set(&a.Name, p.Name)
	set(&a.MCC, p.MCC)
	set(&a.LicenseNo, p.LicenseNo)
	set(&a.LegalName, p.LegalName)
	set(&a.LegalIDNo, p.LegalIDNo)
	set(&a.Phone, p.Phone)
	set(&a.Address, p.Address)
	set(&a.FeePlan, p.FeePlan)
	if p.Account != nil {
		a.Account.Bank = strings.TrimSpace(p.Account.Bank)
		a.Account.Number = strings.TrimSpace(p.Account.Number)
		a.Account.Name = strings.TrimSpace(p.Account.Name)
	}
	a.State = posguard.AppDraft
	if err := s.Store.UpdateApplication(ctx, a, from, posguard.ApplicationEvent{Actor: actor.Name, From: string(from), To: string(a.State), Note: "updated"}); err != nil {
		return nil, err
	}
	s.Audit.Record(ctx, actor, "application.update", appObject(id), "ok", before, AuditView(a))
	return a, nil
}

// AddDocument attaches a document to a draft or returned application. Its
// content type is sniffed (JPEG, PNG or PDF); EINVALID for anything else,
// for an unknown kind, or over MaxDocument bytes.
func (s *Service) AddDocument(ctx context.Context, actor Actor, id int64, kind string, data []byte) (*posguard.Document, error) {
	if !posguard.ValidDocKind(kind) {
		return nil, posguard.Errorf(posguard.EINVALID, "kind must be license, id_front, id_back, storefront or account_proof")
	}
	if len(data) > MaxDocument {
		return nil, posguard.Errorf(posguard.EINVALID, "document of %d bytes is over the limit of %d", len(data), MaxDocument)
	}
	ct := SniffDocument(data)
	if ct == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "a document must be a JPEG, PNG or PDF file")
	}
	a, err := s.Store.Application(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State != posguard.AppDraft && a.State != posguard.AppReturned {
		return nil, posguard.Errorf(posguard.ECONFLICT, "application %d is %s: documents can be added only to a draft or returned application", id, a.State)
	}
	d := &posguard.Document{ApplicationID: id, Kind: kind, ContentType: ct, Data: data}
	if err := s.Store.AddDocument(ctx, d); err != nil {
		return nil, err
	}
	s.Audit.Record(ctx, actor, "application.document", appObject(id), "ok", nil,
		map[string]any{"document": d.ID, "kind": kind, "content_type": ct, "size": d.Size, "sha256": d.SHA256})
	return d, nil
}

// Submit runs the automatic checks and verification of a draft application
// and moves it to pending_review (all passed), returned (a check failed
// that the applicant can correct) or rejected (a blacklist hit).
func (s *Service) Submit(ctx context.Context, actor Actor, id int64) (*posguard.Application, error) {
	a, err := s.Store.Application(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State != posguard.AppDraft {
		return nil, posguard.Errorf(posguard.ECONFLICT, "application %d is %s: only a draft can be submitted", id, a.State)
	}
	o, err := s.runChecks(ctx, a)
	if err != nil {
		return nil, err
	}
	a.Checks = o.checks
	note := "every check passed"
	switch {
	case o.blackHit:
		a.State, note = posguard.AppRejected, "blacklist hit"
		a.Reason = "blacklist"
	case !o.passed():
		a.State = posguard.AppReturned
		a.Returned = map[string]string{}
		var failed []string
		for _, c := range o.checks {
			if !c.Passed {
				failed = append(failed, c.Name)
				if c.Field != "" {
					a.Returned[c.Field] = c.Reason.EN
				}
			}
		}
		note = "failed: " + strings.Join(failed, ", ")
	default:
		a.State = posguard.AppPendingReview
		a.Returned = nil
	}
	if err := s.Store.UpdateApplication(ctx, a, posguard.AppDraft, posguard.ApplicationEvent{Actor: actor.Name, From: string(posguard.AppDraft), To: string(a.State), Note: note}); err != nil {
		return nil, err
	}
	s.Audit.Record(ctx, actor, "application.submit", appObject(id), "ok",
		map[string]any{"state": posguard.AppDraft}, map[string]any{"state": a.State, "note": note})
	return a, nil
}

// review loads a pending_review application for a reviewer: EFORBIDDEN when
// the reviewer created it (maker-checker).
func (s *Service) review(ctx context.Context, actor Actor, id int64) (*posguard.Application, error) {
	a, err := s.Store.Application(ctx, id)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(a.CreatedBy, actor.Name) {
		s.Audit.Record(ctx, actor, "application.review", appObject(id), posguard.EFORBIDDEN, nil, nil)
		return nil, posguard.Errorf(posguard.EFORBIDDEN, "the creator of application %d may not review it", id)
	}
	if a.State != posguard.AppPendingReview {
		return nil, posguard.Errorf(posguard.ECONFLICT, "application %d is %s, not pending_review", id, a.State)
	}
	return a, nil
}

// Approve approves a pending_review application: a new merchant (new
// 15-character ID, its kind's default limits, the fee plan) is created
// active, or the pending_kyc merchant it completes becomes active.
func (s *Service) Approve(ctx context.Context, actor Actor, id int64) (*posguard.Application, error) {
	a, err := s.review(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var m *posguard.Merchant
	action := "created"
	if a.MerchantID != "" {
		if m, err = s.Merchants.Merchant(ctx, a.MerchantID); err != nil {
			return nil, err
		}
		action = "verified"
	} else {
		mid, err := s.newMerchantID(ctx, a.MCC)
		if err != nil {
			return nil, err
		}
		m = &posguard.Merchant{ID: mid, Limits: s.limits(a.Kind)}
	}
	m.Name, m.MCC, m.Kind, m.FeePlan = a.Name, a.MCC, a.Kind, a.FeePlan
	m.Status = posguard.MerchantActive
	m.Account = posguard.SettlementAccount{Bank: a.Account.Bank, Number: a.Account.Number, Name: a.Account.Name, Status: "ok"}
	a.State, a.MerchantID, a.ReviewedBy = posguard.AppApproved, m.ID, actor.Name
	// The application, the merchant's identity and the merchant are stored
	// in one transaction: an approval is never half done.
	if err := s.Store.ApproveApplication(ctx, a, posguard.AppPendingReview, posguard.ApplicationEvent{Actor: actor.Name,
		From: string(posguard.AppPendingReview), To: string(a.State), Note: "merchant " + m.ID}, m); err != nil {
		return nil, err
	}
	s.changed(m.ID, "")
	s.event(ctx, actor, m.ID, action, "application "+strconv.FormatInt(id, 10))
	s.Audit.Record(ctx, actor, "application.approve", appObject(id), "ok",
		map[string]any{"state": posguard.AppPendingReview}, map[string]any{"state": a.State, "merchant_id": m.ID})
	return a, nil
}

// Reject rejects a pending_review application with a reason.
func (s *Service) Reject(ctx context.Context, actor Actor, id int64, reason string) (*posguard.Application, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "a rejection needs a reason")
	}
	a, err := s.review(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	a.State, a.Reason, a.ReviewedBy = posguard.AppRejected, reason, actor.Name
	if err := s.Store.UpdateApplication(ctx, a, posguard.AppPendingReview, posguard.ApplicationEvent{Actor: actor.Name, From: string(posguard.AppPendingReview), To: string(a.State), Note: reason}); err != nil {
		return nil, err
	}
	s.Audit.Record(ctx, actor, "application.reject", appObject(id), "ok",
		map[string]any{"state": posguard.AppPendingReview}, map[string]any{"state": a.State, "reason": reason})
	return a, nil
}

// Return sends a pending_review application back to the applicant with a
// reason per field to correct.
func (s *Service) Return(ctx context.Context, actor Actor, id int64, fields map[string]string) (*posguard.Application, error) {
	if len(fields) == 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "a return names at least one field and its reason")
	}
	a, err := s.review(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	a.State, a.Returned, a.ReviewedBy = posguard.AppReturned, fields, actor.Name
	if err := s.Store.UpdateApplication(ctx, a, posguard.AppPendingReview, posguard.ApplicationEvent{Actor: actor.Name, From: string(posguard.AppPendingReview), To: string(a.State), Note: "fields: " + strings.Join(keys, ", ")}); err != nil {
		return nil, err
	}
	s.Audit.Record(ctx, actor, "application.return", appObject(id), "ok",
		map[string]any{"state": posguard.AppPendingReview}, map[string]any{"state": a.State, "fields": fields})
	return a, nil
}

// limits returns the default limits of kind.
func (s *Service) limits(kind string) posguard.Limits {
	if s.Limits != nil {
		return s.Limits(kind)
	}
	return DefaultLimits(kind)
}

// newMerchantID returns an unused 15-character merchant ID: 898, the area
// code 3100, the MCC and a 4-digit sequence (the style of the seed's IDs).
func (s *Service) newMerchantID(ctx context.Context, mcc string) (string, error) {
	if len(mcc) != 4 {
		mcc = "5999"
	}
	s.idMu.Lock()
	defer s.idMu.Unlock()
	all, err := s.Merchants.Merchants(ctx)
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	for _, m := range all {
		used[m.ID] = true
	}
	for n := len(all) + 1; n < 10000; n++ {
		id := fmt.Sprintf("8983100%s%04d", mcc, n)
		if !used[id] {
			return id, nil
		}
	}
	return "", posguard.Errorf(posguard.ECONFLICT, "no merchant ID left for MCC %s", mcc)
}

// event appends a line to a merchant's history.
func (s *Service) event(ctx context.Context, actor Actor, mid, action, reason string) {
	e := &posguard.MerchantEvent{MerchantID: mid, At: s.now(), Actor: actor.Name, Action: action, Reason: reason}
	if err := s.Store.AddMerchantEvent(ctx, e); err != nil && s.Logger != nil {
		s.Logger.Error("merchant history", "merchant", mid, "err", err)
	}
}

func appObject(id int64) string { return "application/" + strconv.FormatInt(id, 10) }

// AuditView is what the audit log keeps of an application: the account
// number masked, no documents.
func AuditView(a *posguard.Application) map[string]any {
	return map[string]any{"kind": a.Kind, "name": a.Name, "mcc": a.MCC, "license_no": a.LicenseNo,
		"legal_name": a.LegalName, "legal_id_no": MaskAccount(a.LegalIDNo), "phone": MaskAccount(a.Phone),
		"settlement_account": map[string]string{"bank": a.Account.Bank, "number": MaskAccount(a.Account.Number), "name": a.Account.Name},
		"fee_plan":           a.FeePlan, "state": a.State}
}

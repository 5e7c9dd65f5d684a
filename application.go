package posguard

import (
	"context"
	"time"
)

// ApplicationState is where a merchant application (进件) is in its life:
//
//	draft ──submit──▶ pending_review ──approve──▶ approved (merchant created)
//	  ▲    │                 │  └──reject──▶ rejected
//	  │    │                 └──return──▶ returned
//	  │    ├─▶ returned (a check the applicant can correct failed)
//	  │    └─▶ rejected (blacklist hit)
//	  └──PATCH── returned
const (
	AppDraft         ApplicationState = "draft"
	AppPendingReview ApplicationState = "pending_review"
	AppReturned      ApplicationState = "returned"
	AppApproved      ApplicationState = "approved"
	AppRejected      ApplicationState = "rejected"
)

// ApplicationState is one of the App* constants.
type ApplicationState string

// Open reports whether an application in state s still counts against
// duplicates (it is neither approved nor rejected).
func (s ApplicationState) Open() bool {
	return s == AppDraft || s == AppPendingReview || s == AppReturned
}

// Merchant kinds an application names.
const (
	KindIndividual = "individual" // 个体工商户 or a natural person: no licence required
	KindSmall      = "small"      // 小微商户
	KindEnterprise = "enterprise" // 企业
)

// ValidKind reports whether k is a merchant kind.
func ValidKind(k string) bool { return k == KindIndividual || k == KindSmall || k == KindEnterprise }

// Document kinds an application may carry.
const (
	DocLicense      = "license"
	DocIDFront      = "id_front"
	DocIDBack       = "id_back"
	DocStorefront   = "storefront"
	DocAccountProof = "account_proof"
)

// ValidDocKind reports whether k is a document kind.
func ValidDocKind(k string) bool {
	switch k {
	case DocLicense, DocIDFront, DocIDBack, DocStorefront, DocAccountProof:
		return true
	}
	return false
}

// Text is a sentence in Chinese and English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// Check is the outcome of one automatic check of an application.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Reason Text   `json:"reason"`
	Field  string `json:"field,omitempty"` // the field to correct when it failed
}

// Application is a merchant's application to be acquired (进件). When
// MerchantID is set on creation it completes the verification of an
// existing pending_kyc merchant instead of creating a new one.
type Application struct {
	ID         int64
	Kind       string
	Name       string
	MCC        string
	LicenseNo  string // unified social credit code (GB 32100), 18 characters
	LegalName  string
	LegalIDNo  string // resident ID number (GB 11643), 18 characters
	Phone      string
	Address    string
	Account    SettlementAccount
	FeePlan    string
	State      ApplicationState
	Checks     []Check
	Returned   map[string]string // field → reason, when a reviewer returned it
	Reason     string            // the rejection reason
	MerchantID string            // the merchant created (or completed) on approval
	CreatedBy  string
	ReviewedBy string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ApplicationEvent is one line of an application's (or merchant's) history.
type ApplicationEvent struct {
	At    time.Time
	Actor string
	From  string // state before ("" on creation)
	To    string // state after
	Note  string
}

// Document is a file attached to an application. Data is filled only by
// ApplicationStore.Document.
type Document struct {
	ID            int64
	ApplicationID int64
	Kind          string
	ContentType   string // sniffed: image/jpeg, image/png or application/pdf
	Size          int
	SHA256        string
	Data          []byte
	CreatedAt     time.Time
}

// MerchantEvent is one line of a merchant's status history (approved,
// frozen, unfrozen…), shown to the merchant.
type MerchantEvent struct {
	ID         int64
	MerchantID string
	At         time.Time
	Actor      string
	Action     string // created | verified | frozen | unfrozen | terminal_bound | terminal_unbound …
	Reason     string
	Detail     string // JSON, no secrets
}

// ApplicationStore keeps applications, their documents and history, the
// identities of onboarded merchants (for duplicates), the blacklist and
// merchants' status history.
type ApplicationStore interface {
	// CreateApplication stores a (state draft) with a creation event and
	// sets its ID, CreatedAt and UpdatedAt.
	CreateApplication(ctx context.Context, a *Application) error
	// Application returns the application with id; ENOTFOUND if none.
	Application(ctx context.Context, id int64) (*Application, error)
	// Applications returns applications in state (all when empty), newest
	// first, at most limit (capped by the store).
	Applications(ctx context.Context, state ApplicationState, limit int) ([]*Application, error)
	// UpdateApplication replaces a's data and state when its stored state is
	// from, appending ev to its history, in one transaction. ECONFLICT when
	// the stored state is not from; ENOTFOUND if there is no such
	// application.
	UpdateApplication(ctx context.Context, a *Application, from ApplicationState, ev ApplicationEvent) error
	// ApproveApplication is UpdateApplication (a moves from state from,
	// with ev) together with PutMerchantIdentity and PutMerchant(m), in one
	// transaction: nothing is stored unless all is. ECONFLICT when the
	// stored state is not from; EINVALID for a merchant PutMerchant refuses.
	ApproveApplication(ctx context.Context, a *Application, from ApplicationState, ev ApplicationEvent, m *Merchant) error
	// ApplicationHistory returns an application's events, oldest first.
	ApplicationHistory(ctx context.Context, id int64) ([]ApplicationEvent, error)
	// AddDocument stores d (its Data, Kind, ContentType) and sets its ID,
	// Size, SHA256 and CreatedAt. ENOTFOUND for an unknown application.
	AddDocument(ctx context.Context, d *Document) error
	// Documents returns an application's documents without their data.
	Documents(ctx context.Context, appID int64) ([]*Document, error)
	// Document returns one document with its data; ENOTFOUND if none.
	Document(ctx context.Context, id int64) (*Document, error)
	// Duplicates returns the IDs ("application/N" or "merchant/MID") of open
	// applications other than except, and of onboarded merchants, that carry
	// licenseNo (when not empty) or idNo.
	Duplicates(ctx context.Context, except int64, licenseNo, idNo string) ([]string, error)
	// PutMerchantIdentity records the licence and ID numbers a merchant was
	// onboarded with.
	PutMerchantIdentity(ctx context.Context, merchantID, licenseNo, idNo string) error
	// AddBlacklist adds value (an ID number, licence number, phone or
	// account number) to the blacklist with a reason.
	AddBlacklist(ctx context.Context, value, reason string) error
	// Blacklisted returns the reason of the first of values on the
	// blacklist, and whether one was.
	Blacklisted(ctx context.Context, values ...string) (string, bool, error)
	// Bind records b (TerminalID, SerialNo, MerchantID, Model) and sets
	// BoundAt. ECONFLICT if the serial number is bound already or the
	// terminal ID is taken.
	Bind(ctx context.Context, b *TerminalBinding) error
	// Unbind ends a terminal's binding and returns it; ENOTFOUND if the
	// terminal is not bound.
	Unbind(ctx context.Context, terminalID string) (*TerminalBinding, error)
	// MoveBinding moves a bound terminal to another merchant; ENOTFOUND if
	// it is not bound.
	MoveBinding(ctx context.Context, terminalID, merchantID string) error
	// Binding returns a terminal's current binding; ENOTFOUND if none.
	Binding(ctx context.Context, terminalID string) (*TerminalBinding, error)
	// Bindings returns a merchant's current bindings ordered by terminal.
	Bindings(ctx context.Context, merchantID string) ([]*TerminalBinding, error)
	// AddMerchantEvent appends e to its merchant's history.
	AddMerchantEvent(ctx context.Context, e *MerchantEvent) error
	// MerchantEvents returns a merchant's history, newest first.
	MerchantEvents(ctx context.Context, merchantID string, limit int) ([]*MerchantEvent, error)
}

// TerminalBinding ties a terminal ID to a device's serial number at a
// merchant. A serial number is bound to one terminal at a time.
type TerminalBinding struct {
	TerminalID string
	SerialNo   string
	MerchantID string
	Model      string
	BoundAt    time.Time
}

// Identity is what real-name verification (四要素) compares: name, resident
// ID number, bank account number and the phone registered with it.
type Identity struct {
	Name    string
	IDNo    string
	Phone   string
	Account string
}

// Verification is a verification service's answer.
type Verification struct {
	// Match is true when all four elements belong together.
	Match bool
	// Mismatch names the elements that did not match ("name", "id_no",
	// "phone", "account"); empty when the identity is unknown altogether.
	Mismatch []string
}

// Verifier checks an identity with a real-name verification service (a
// bank-card four-element service). Returns EUNAVAILABLE or ETIMEOUT when
// the service cannot answer; a mismatch is an answer, not an error.
type Verifier interface {
	Verify(ctx context.Context, id Identity) (Verification, error)
}

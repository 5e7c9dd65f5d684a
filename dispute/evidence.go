package dispute

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/onboarding"
)

// MaxStatement is the longest statement text accepted, in bytes.
const MaxStatement = 8 << 10

// MaxFile is the largest evidence file accepted (as onboarding documents).
const MaxFile = onboarding.MaxDocument

// textEvidence is a piece of text evidence, card numbers masked.
func textEvidence(id, source, kind, name, author, text string) *posguard.DisputeEvidence {
	data := []byte(posguard.MaskCardNumbers(text))
	sum := sha256.Sum256(data)
	return &posguard.DisputeEvidence{DisputeID: id, Source: source, Kind: kind, Name: name,
		ContentType: "text/plain; charset=utf-8", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Data: data, Author: author}
}

// source is where evidence added by a comes from.
func (a Actor) source() string {
	if a.Role == posguard.RoleMerchant {
		return posguard.EvidenceByMerchant
	}
	return posguard.EvidenceByStaff
}

// AddStatement attaches a statement (text) by a to active dispute id.
// EINVALID for an empty or too long text; ECONFLICT once decided.
func (s *Service) AddStatement(ctx context.Context, id string, a Actor, text string) (*posguard.DisputeEvidence, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxStatement || !utf8.ValidString(text) {
		return nil, posguard.Errorf(posguard.EINVALID, "text: want 1 to %d bytes of UTF-8 text", MaxStatement)
	}
	return s.attach(ctx, id, a, textEvidence(id, a.source(), posguard.EvidenceText, "statement.txt", a.Name, text))
}

// AddFile attaches a file by a to active dispute id: a JPEG, PNG or PDF
// judged by its content, at most MaxFile bytes (as onboarding documents).
func (s *Service) AddFile(ctx context.Context, id string, a Actor, name string, data []byte) (*posguard.DisputeEvidence, error) {
	if len(data) == 0 || len(data) > MaxFile {
		return nil, posguard.Errorf(posguard.EINVALID, "file: %d bytes, want 1 to %d", len(data), MaxFile)
	}
	ct := onboarding.SniffDocument(data)
	if ct == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "file: must be a JPEG, PNG or PDF file")
	}
	name = cleanName(name)
	sum := sha256.Sum256(data)
	e := &posguard.DisputeEvidence{DisputeID: id, Source: a.source(), Kind: posguard.EvidenceFile, Name: name,
		ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Data: data, Author: a.Name}
	return s.attach(ctx, id, a, e)
}

// cleanName keeps a file name printable and short, card numbers masked.
func cleanName(n string) string {
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == '"' {
			return '_'
		}
		return r
	}, n)
	if !utf8.ValidString(n) {
		n = strings.ToValidUTF8(n, "_")
	}
	if len(n) > 100 {
		n = n[:100]
		n = strings.ToValidUTF8(n, "")
	}
	if n == "" {
		n = "evidence"
	}
	return posguard.MaskCardNumbers(n)
}

// attach stores e on dispute id. A merchant answering a request for more
// moves the dispute (and its case) back to open.
func (s *Service) attach(ctx context.Context, id string, a Actor, e *posguard.DisputeEvidence) (*posguard.DisputeEvidence, error) {
	d, err := s.visible(ctx, id, a)
	if err != nil {
		return nil, err
	}
	if !d.State.Active() && !Escalatable(d, s.now()) {
		return nil, posguard.Errorf(posguard.ECONFLICT, "dispute %s is %s: no more evidence", id, d.State)
	}
	posguard.NoteAudit(ctx, e) // a request's audit record shows it, in its transaction
	if err := s.Store.AddDisputeEvidence(ctx, e); err != nil {
		return nil, err
	}
	s.caseEntry(ctx, d, posguard.EntryNote, a.Name, fmt.Sprintf("补充证据 evidence attached: %s (%s, %d bytes, sha256 %s)", e.Name, e.ContentType, e.Size, e.SHA256[:16]))
	s.note(ctx, d.TxnID, fmt.Sprintf("%s %s: evidence %s attached by %s", kindName(d.Kind), d.ID, e.Name, a.Name))
	s.audit(ctx, a, "dispute.evidence", object(id), "ok", map[string]any{"evidence": e.ID, "kind": e.Kind, "name": e.Name,
		"content_type": e.ContentType, "size": e.Size, "sha256": e.SHA256})
	if d.State == posguard.DisputeWaitingMerchant && a.Role == posguard.RoleMerchant {
		if err := s.Store.UpdateDispute(ctx, posguard.DisputeUpdate{ID: id, FromStates: []posguard.DisputeState{posguard.DisputeWaitingMerchant},
			State: posguard.DisputeOpen}); err == nil {
			s.moveCase(ctx, d, posguard.CaseInvestigating, a.Name, "商户已补充材料 the merchant answered")
		}
	}
	e.Data = nil
	return e, nil
}

// moveCase moves d's case to status (when it may), with an entry.
func (s *Service) moveCase(ctx context.Context, d *posguard.Dispute, status posguard.CaseStatus, author, text string) {
	if d.CaseID == 0 {
		return
	}
	c, err := s.Store.Case(ctx, d.CaseID)
	if err != nil || !c.Status.CanMoveTo(status) {
		s.caseEntry(ctx, d, posguard.EntryStep, author, text)
		return
	}
	err = s.Store.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: c.Status, Status: status, At: s.now(),
		Entry: &posguard.CaseEntry{Kind: posguard.EntryStatus, Author: author, Text: posguard.MaskFreeText(text), At: s.now()}})
	if err != nil {
		s.log().Error("dispute: case status", "case", c.ID, "err", err)
	}
}

// resolveCase resolves d's case with outcome.
func (s *Service) resolveCase(ctx context.Context, d *posguard.Dispute, author, outcome string) {
	if d.CaseID == 0 {
		return
	}
	c, err := s.Store.Case(ctx, d.CaseID)
	if err != nil || !c.Status.CanMoveTo(posguard.CaseResolved) {
		s.caseEntry(ctx, d, posguard.EntryOutcome, author, outcome)
		return
	}
	now := s.now()
	err = s.Store.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: c.Status, Status: posguard.CaseResolved,
		Outcome: posguard.MaskFreeText(outcome), At: now,
		Entry: &posguard.CaseEntry{Kind: posguard.EntryOutcome, Author: author, Text: posguard.MaskFreeText(outcome), At: now}})
	if err != nil {
		s.log().Error("dispute: resolve case", "case", c.ID, "err", err)
	}
}

package onboarding

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// Binding is a terminal bound to a serial number at a merchant.
type Binding = posguard.TerminalBinding

// NewTerminal is a terminal just created: its record, binding and master
// key delivered as two components and a check value. The components exist
// only in this answer; the store keeps the TMK sealed.
type NewTerminal struct {
	Terminal   *posguard.Terminal
	SerialNo   string
	Components [2]string // 32 hex characters each
	KCV        string    // 6 hex characters
}

// CreateTerminal creates a terminal for an active or pending_kyc merchant,
// bound to serialNo, with a new double-length TMK split into two XOR
// components. ECONFLICT if serialNo is bound to a terminal already.
func (s *Service) CreateTerminal(ctx context.Context, actor Actor, merchantID, serialNo, model, scheme string) (*NewTerminal, error) {
	serialNo = strings.TrimSpace(serialNo)
	if serialNo == "" || len(serialNo) > 64 {
		return nil, posguard.Errorf(posguard.EINVALID, "serial_no must be 1 to 64 characters")
	}
	if scheme == "" {
		scheme = posguard.KeyScheme003
	}
	if scheme != posguard.KeyScheme001 && scheme != posguard.KeyScheme003 && scheme != posguard.KeyScheme004 {
		return nil, posguard.Errorf(posguard.EINVALID, "key_scheme must be 001, 003 or 004")
	}
	m, err := s.Merchants.Merchant(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	if m.Status == posguard.MerchantClosed {
		return nil, posguard.Errorf(posguard.ECONFLICT, "merchant %s is closed", m.ID)
	}
	var c1, c2 [16]byte
	if _, err := rand.Read(c1[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(c2[:]); err != nil {
		return nil, err
	}
	keys.SetOddParity(c1[:])
	keys.SetOddParity(c2[:])
	tmk := make([]byte, 16)
	for i := range tmk {
		tmk[i] = c1[i] ^ c2[i]
	}
	// The XOR of two odd-parity components has even parity; the TMK is
	// given odd parity (as a DES key should have) by flipping the low bit
	// of component 2 where needed, so the components still XOR to it.
	for i := range tmk {
		if !keys.HasOddParity(tmk[i : i+1]) {
			c2[i] ^= 1
			tmk[i] ^= 1
		}
	}
	s.idMu.Lock()
	defer s.idMu.Unlock()
	tid, err := s.newTerminalID(ctx)
	if err != nil {
		return nil, err
	}
	b := &posguard.TerminalBinding{TerminalID: tid, SerialNo: serialNo, MerchantID: m.ID, Model: model}
	if err := s.Store.Bind(ctx, b); err != nil {
		return nil, err
	}
	t := &posguard.Terminal{ID: tid, MerchantID: m.ID, TMK: tmk, KeyScheme: scheme, MAC: posguard.MACCupsECB,
		Model: model, Status: posguard.TerminalActive}
	if err := s.Terminals.PutTerminal(ctx, t); err != nil {
		return nil, err
	}
	s.changed(m.ID, tid)
	s.event(ctx, actor, m.ID, "terminal_bound", tid+" serial "+serialNo)
	s.Audit.Record(ctx, actor, "terminal.create", "terminals/"+tid, "ok", nil,
		map[string]any{"merchant_id": m.ID, "serial_no": serialNo, "model": model, "key_scheme": scheme, "tmk_kcv": kcv(tmk)})
	return &NewTerminal{Terminal: t, SerialNo: serialNo, KCV: kcv(tmk),
		Components: [2]string{strings.ToUpper(hex.EncodeToString(c1[:])), strings.ToUpper(hex.EncodeToString(c2[:]))}}, nil
}

// kcv is the key check value: the first 3 bytes of the key encrypting
// zeros, 6 hex characters.
func kcv(key []byte) string { return strings.ToUpper(hex.EncodeToString(keys.CheckValue(key)[:3])) }

// newTerminalID returns the next unused 8-digit terminal ID after the
// highest numeric one (at least 20000001).
func (s *Service) newTerminalID(ctx context.Context) (string, error) {
	all, err := s.Terminals.Terminals(ctx)
	if err != nil {
		return "", err
	}
	next := 20000001
	for _, t := range all {
		var n int
		if _, err := fmt.Sscanf(t.ID, "%08d", &n); err == nil && len(t.ID) == 8 && n >= next {
			next = n + 1
		}
	}
	if next > 99999999 {
		return "", posguard.Errorf(posguard.ECONFLICT, "no terminal ID left")
	}
	return fmt.Sprintf("%08d", next), nil
}

// Unbind ends a terminal's binding to its serial number and disables it:
// the serial number may be bound again, the terminal gets 97.
func (s *Service) Unbind(ctx context.Context, actor Actor, tid string) (*posguard.Terminal, error) {
	t, err := s.Terminals.Terminal(ctx, tid)
	if err != nil {
		return nil, err
	}
	b, err := s.Store.Unbind(ctx, tid)
	if err != nil {
		return nil, err
	}
	t.Status = posguard.TerminalDisabled
	if err := s.Terminals.PutTerminal(ctx, t); err != nil {
		return nil, err
	}
	s.changed(t.MerchantID, tid)
	s.event(ctx, actor, t.MerchantID, "terminal_unbound", tid+" serial "+b.SerialNo)
	s.Audit.Record(ctx, actor, "terminal.unbind", "terminals/"+tid, "ok",
		map[string]any{"serial_no": b.SerialNo, "status": posguard.TerminalActive}, map[string]any{"serial_no": "", "status": t.Status})
	return t, nil
}

// Move binds a terminal (and its serial number) to another merchant; it
// must sign on again there.
func (s *Service) Move(ctx context.Context, actor Actor, tid, merchantID string) (*posguard.Terminal, error) {
	t, err := s.Terminals.Terminal(ctx, tid)
	if err != nil {
		return nil, err
	}
	m, err := s.Merchants.Merchant(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	if m.ID == t.MerchantID {
		return nil, posguard.Errorf(posguard.ECONFLICT, "terminal %s is already at merchant %s", tid, m.ID)
	}
	if err := s.Store.MoveBinding(ctx, tid, m.ID); err != nil {
		return nil, err
	}
	from := t.MerchantID
	t.MerchantID = m.ID
	if err := s.Terminals.PutTerminal(ctx, t); err != nil {
		return nil, err
	}
	if err := s.Terminals.SetSignedOff(ctx, tid, s.now()); err != nil {
		return nil, err
	}
	s.changed(from, tid)
	s.changed(m.ID, tid)
	s.event(ctx, actor, from, "terminal_moved_out", tid+" to "+m.ID)
	s.event(ctx, actor, m.ID, "terminal_moved_in", tid+" from "+from)
	s.Audit.Record(ctx, actor, "terminal.move", "terminals/"+tid, "ok", map[string]any{"merchant_id": from}, map[string]any{"merchant_id": m.ID})
	return t, nil
}

// SetStatus disables or re-enables a terminal (its binding stays).
func (s *Service) SetStatus(ctx context.Context, actor Actor, tid string, st posguard.TerminalStatus) (*posguard.Terminal, error) {
	if st != posguard.TerminalActive && st != posguard.TerminalDisabled {
		return nil, posguard.Errorf(posguard.EINVALID, "status must be active or disabled")
	}
	t, err := s.Terminals.Terminal(ctx, tid)
	if err != nil {
		return nil, err
	}
	before := t.Status
	if st == posguard.TerminalActive {
		if _, err := s.Store.Binding(ctx, tid); err != nil {
			if posguard.ErrorCode(err) == posguard.ENOTFOUND {
				return nil, posguard.Errorf(posguard.ECONFLICT, "terminal %s is unbound: create a new one", tid)
			}
		}
	}
	t.Status = st
	if err := s.Terminals.PutTerminal(ctx, t); err != nil {
		return nil, err
	}
	s.changed(t.MerchantID, tid)
	s.Audit.Record(ctx, actor, "terminal.status", "terminals/"+tid, "ok", map[string]any{"status": before}, map[string]any{"status": st})
	return t, nil
}

// MerchantTerminals lists a merchant's terminals with their serial numbers.
func (s *Service) MerchantTerminals(ctx context.Context, merchantID string) ([]*posguard.Terminal, map[string]string, error) {
	all, err := s.Terminals.Terminals(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []*posguard.Terminal
	for _, t := range all {
		if t.MerchantID == merchantID {
			t.TMK, t.Keys = nil, posguard.WorkingKeys{}
			out = append(out, t)
		}
	}
	bs, err := s.Store.Bindings(ctx, merchantID)
	if err != nil {
		return nil, nil, err
	}
	serials := map[string]string{}
	for _, b := range bs {
		serials[b.TerminalID] = b.SerialNo
	}
	return out, serials, nil
}

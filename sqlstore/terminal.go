package sqlstore

import "github.com/posguard/posguard"

// TerminalStatus checks a terminal about to be put and returns the status to
// store: active when empty. EINVALID for an empty ID or an unknown status.
func TerminalStatus(t *posguard.Terminal) (posguard.TerminalStatus, error) {
	if t == nil || t.ID == "" {
		return "", posguard.Errorf(posguard.EINVALID, "terminal: empty ID")
	}
	status := t.Status
	if status == "" {
		status = posguard.TerminalActive
	}
	if status != posguard.TerminalActive && status != posguard.TerminalDisabled {
		return "", posguard.Errorf(posguard.EINVALID, "terminal %s: unknown status %q", t.ID, t.Status)
	}
	return status, nil
}

// Where terminal keys are sealed: each value is bound to its terminal and
// column (posguard.SealAD), so it does not open in another row.
var terminalKeyColumns = [4]string{"tmk_sealed", "pik_sealed", "mak_sealed", "tdk_sealed"}

// TerminalKeyAD returns the associated data of a terminal's sealed key in
// column (tmk_sealed, pik_sealed, mak_sealed or tdk_sealed).
func TerminalKeyAD(id, column string) []byte { return posguard.SealAD("terminals", column, id) }

// SealTMK returns a terminal's TMK sealed for its column (nil when empty).
func SealTMK(sealer posguard.Sealer, t *posguard.Terminal) ([]byte, error) {
	tmk, err := SealKey(sealer, t.TMK, TerminalKeyAD(t.ID, "tmk_sealed"))
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "terminal %s: seal TMK", t.ID)
	}
	return tmk, nil
}

// SignOnColumns checks a sign-on's batch (empty keeps the open one) and
// returns the PIK, MAK and TDK sealed for their columns.
func SignOnColumns(sealer posguard.Sealer, id string, keys posguard.WorkingKeys, batch string) ([3][]byte, error) {
	var sealed [3][]byte
	if batch != "" {
		if err := CheckBatch(id, batch); err != nil {
			return sealed, err
		}
	}
	for i, k := range [][]byte{keys.PIK, keys.MAK, keys.TDK} {
		var err error
		if sealed[i], err = SealKey(sealer, k, TerminalKeyAD(id, terminalKeyColumns[i+1])); err != nil {
			return sealed, posguard.WrapError(posguard.EINTERNAL, err, "terminal %s: seal working key", id)
		}
	}
	return sealed, nil
}

// OpenTerminalKeys unseals the stored TMK and working keys into t. EINTERNAL
// naming the terminal and column when one does not open: altered, copied
// from another row, or sealed under another host key.
func OpenTerminalKeys(sealer posguard.Sealer, t *posguard.Terminal, tmk, pik, mak, tdk []byte) error {
	for i, k := range []struct {
		dst    *[]byte
		sealed []byte
	}{{&t.TMK, tmk}, {&t.Keys.PIK, pik}, {&t.Keys.MAK, mak}, {&t.Keys.TDK, tdk}} {
		var err error
		if *k.dst, err = OpenKey(sealer, k.sealed, TerminalKeyAD(t.ID, terminalKeyColumns[i])); err != nil {
			return posguard.Errorf(posguard.EINTERNAL,
				"terminal %s: %s does not open: it was altered, copied from another row, or sealed under another host key", t.ID, terminalKeyColumns[i])
		}
	}
	return nil
}

// SealKey encrypts a key for storage bound to ad; an empty key is stored as
// NULL.
func SealKey(sealer posguard.Sealer, key, ad []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, nil
	}
	return sealer.Seal(key, ad)
}

// OpenKey decrypts a stored key sealed with ad; NULL is a nil key.
func OpenKey(sealer posguard.Sealer, sealed, ad []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	return sealer.Open(sealed, ad)
}

// CheckBatch is EINVALID unless batch is a six-digit batch number.
func CheckBatch(id, batch string) error {
	if len(batch) != 6 {
		return batchError(id, batch)
	}
	for _, c := range batch {
		if c < '0' || c > '9' {
			return batchError(id, batch)
		}
	}
	return nil
}

// batchError is the error for a malformed batch number.
func batchError(id, batch string) error {
	return posguard.Errorf(posguard.EINVALID, "terminal %s: batch %q is not six digits", id, batch)
}

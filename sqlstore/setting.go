package sqlstore

import "github.com/posguard/posguard"

// SettingValue returns the stored form of a setting: sealed under the host
// key when secret, and never nil (the column is NOT NULL: an empty value is
// still a value).
func SettingValue(sealer posguard.Sealer, name string, value []byte, secret bool) ([]byte, error) {
	v := value
	if secret {
		sealed, err := sealer.Seal(value, SettingAD(name))
		if err != nil {
			return nil, posguard.WrapError(posguard.EINTERNAL, err, "seal setting %s", name)
		}
		v = sealed
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// OpenSetting returns a stored setting's value, unsealed when secret.
func OpenSetting(sealer posguard.Sealer, name string, stored []byte, secret bool) ([]byte, error) {
	if !secret {
		return stored, nil
	}
	v, err := sealer.Open(stored, SettingAD(name))
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "open setting %s: altered, copied from another setting, or sealed under another host key", name)
	}
	return v, nil
}

// SettingNotSet is the error for a setting that was never put.
func SettingNotSet(name string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "setting %s not set", name)
}

// SettingAD returns the associated data of a secret setting's sealed value.
func SettingAD(name string) []byte { return posguard.SealAD("settings", "value", name) }

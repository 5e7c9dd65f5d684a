package posguard

import "context"

// Setting names kept in the store.
const (
	SettingAcquirerID = "acquirer.id"           // field 32
	SettingZonePINKey = "acquirer.zone_pin_key" // shared with the network; sealed
	// SettingHostKeyCheck is the check value of the host key the store's
	// sealed data is sealed under (keys.HostKey.CheckValue).
	SettingHostKeyCheck = "host_key.check"
)

// SettingStore keeps host settings that come with the world file (the
// acquirer's identity and its zone PIN key), so a host started on a database
// needs no other configuration.
type SettingStore interface {
	// PutSetting stores value under name; a secret value is sealed at rest.
	PutSetting(ctx context.Context, name string, value []byte, secret bool) error
	// Setting returns the value under name (unsealed); ENOTFOUND if unset.
	Setting(ctx context.Context, name string) ([]byte, error)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// allowSharedHostKey is set by --allow-shared-host-key, a flag of every
// command: a host key file that group or others may read is then accepted
// with a warning instead of refused.
var allowSharedHostKey atomic.Bool

// addHostKeyFlags adds the flags every command shares about the host key.
func addHostKeyFlags(fs *flag.FlagSet) {
	fs.BoolFunc("allow-shared-host-key", "accept a host key file that group or others may read (a warning is logged)", func(v string) error {
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		allowSharedHostKey.Store(b)
		return nil
	})
}

func parseBool(v string) (bool, error) {
	switch v {
	case "", "1", "t", "true", "TRUE", "True", "yes":
		return true, nil
	case "0", "f", "false", "FALSE", "False", "no":
		return false, nil
	}
	return false, fmt.Errorf("want true or false, got %q", v)
}

// checkHostKey makes sure hk is the key the store's sealed data was sealed
// under, before any command reads or writes a sealed value:
//
//   - the store keeps the key's check value (setting host_key.check); a key
//     whose check value differs is refused;
//   - a store from before the check value is tried with one of its sealed
//     values instead, then gets the check value;
//   - a key file that does not exist (newKey holds a fresh key's contents)
//     is written only for a store holding no sealed data and no check value:
//     otherwise the command refuses, naming the file, and nothing is sealed
//     under a key nobody keeps.
func checkHostKey(ctx context.Context, st hostStore, hk *keys.HostKey, path string, newKey []byte, log *slog.Logger) error {
	missing := func() error {
		return fmt.Errorf("host key file %s does not exist, and the store holds data sealed under a host key: restore that file (a new key is created only for a store without sealed data)", path)
	}
	wrong := func() error {
		return fmt.Errorf("host key file %s does not match the store: its data was sealed under another host key (use that key's file)", path)
	}
	stored, err := st.Setting(ctx, posguard.SettingHostKeyCheck)
	switch {
	case err == nil:
		if string(stored) != hk.CheckValue() {
			if newKey != nil {
				return missing()
			}
			return wrong()
		}
	case posguard.ErrorCode(err) == posguard.ENOTFOUND:
		sample, ad, err := st.SealedSample(ctx)
		if err != nil {
			return fmt.Errorf("host key check: %w", err)
		}
		if sample != nil {
			if newKey != nil {
				return missing()
			}
			if _, err := hk.Open(sample, ad); err != nil {
				return wrong()
			}
		}
	default:
		return fmt.Errorf("host key check: %w", err)
	}
	if newKey != nil {
		if err := keys.CreateHostKeyFile(path, newKey); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("host key file %s was created by another process meanwhile: run the command again", path)
			}
			return fmt.Errorf("host key: %w", err)
		}
		log.Warn("created a new host key; keep it safe: without it the stored terminal keys cannot be read", "path", path)
	}
	if stored == nil {
		if err := st.PutSetting(ctx, posguard.SettingHostKeyCheck, []byte(hk.CheckValue()), false); err != nil {
			return fmt.Errorf("host key check: %w", err)
		}
	}
	return nil
}

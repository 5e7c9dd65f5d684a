package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/onboarding/onboardingsql"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/sqlite"
)

// hostStore is what the commands need of a store.
type hostStore interface {
	posguard.Store
	posguard.SettingStore
	posguard.CaseStore
	posguard.AnalyticsStore
	posguard.IncidentStore
	// Money is the ledger, settlement and payout side.
	Money() posguard.MoneyStore
	// Access is the users, tokens, account changes and audit log side.
	Access() posguard.AccessStore
	// Onboarding is applications, bindings, risk rules and hits.
	Onboarding() *onboardingsql.Store
	Ping(ctx context.Context) error
	// HasSealedData and SealedSample tell whether the store holds data
	// sealed under a host key, and give one such value to try a key on.
	HasSealedData(ctx context.Context) (bool, error)
	SealedSample(ctx context.Context) ([]byte, error)
	Close() error
}

// openStore opens the store named by dsn ("sqlite:PATH" or a postgres://
// URL) with the host key from keyFile. When keyFile is empty the key lives
// beside a SQLite database (PATH.hostkey) or in ./posguard.hostkey for
// PostgreSQL. The key must be the one the store's sealed data was sealed
// under (checkHostKey): a missing key file is created only for a store that
// holds no sealed data, and the log says so.
func openStore(ctx context.Context, dsn, keyFile string, log *slog.Logger) (hostStore, *keys.HostKey, error) {
	var open func(hk *keys.HostKey) (hostStore, error)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, nil, fmt.Errorf("--db sqlite: needs a path, e.g. sqlite:posguard.db")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, err
			}
		}
		if keyFile == "" {
			keyFile = path + ".hostkey"
		}
		open = func(hk *keys.HostKey) (hostStore, error) { return sqlite.Open(path, hk) }
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if keyFile == "" {
			keyFile = "posguard.hostkey"
		}
		open = func(hk *keys.HostKey) (hostStore, error) { return postgres.Open(ctx, dsn, hk) }
	default:
		return nil, nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", redactDSN(dsn))
	}
	hk, newKey, err := loadHostKey(keyFile, log)
	if err != nil {
		return nil, nil, err
	}
	st, err := open(hk)
	if err != nil {
		return nil, nil, err
	}
	if err := checkHostKey(ctx, st, hk, keyFile, newKey, log); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, hk, nil
}

// loadHostKey reads the key file at path; when there is none it returns a
// fresh key and the file contents to write (newKey), which checkHostKey
// writes only if the store may get a new key.
func loadHostKey(path string, log *slog.Logger) (hk *keys.HostKey, newKey []byte, err error) {
	hk, shared, err := keys.LoadHostKeyFile(path, allowSharedHostKey.Load())
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		hk, data, gerr := keys.GenerateHostKey()
		if gerr != nil {
			return nil, nil, fmt.Errorf("host key: %w", gerr)
		}
		return hk, data, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("host key: %w", err)
	}
	if shared {
		log.Warn("the host key file may be read by group or others; accepted because of --allow-shared-host-key: chmod 600 it", "path", path)
	}
	log.Debug("host key loaded", "path", path)
	return hk, nil, nil
}

// redactDSN hides a password in a database URL.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				return dsn[:i+3] + rest[:c] + ":***" + rest[at:]
			}
		}
	}
	return dsn
}

// newLogger returns the JSON or text logger the commands share.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

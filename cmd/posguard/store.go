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
	Ping(ctx context.Context) error
}

// openStore opens the store named by dsn ("sqlite:PATH" or a postgres://
// URL) with the host key from keyFile. When keyFile is empty the key lives
// beside a SQLite database (PATH.hostkey) or in ./posguard.hostkey for
// PostgreSQL; a missing key file is created, and the log says so.
func openStore(ctx context.Context, dsn, keyFile string, log *slog.Logger) (hostStore, *keys.HostKey, error) {
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
		hk, err := loadHostKey(keyFile, log)
		if err != nil {
			return nil, nil, err
		}
		st, err := sqlite.Open(path, hk)
		if err != nil {
			return nil, nil, err
		}
		return st, hk, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if keyFile == "" {
			keyFile = "posguard.hostkey"
		}
		hk, err := loadHostKey(keyFile, log)
		if err != nil {
			return nil, nil, err
		}
		st, err := postgres.Open(ctx, dsn, hk)
		if err != nil {
			return nil, nil, err
		}
		return st, hk, nil
	}
	return nil, nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", redactDSN(dsn))
}

func loadHostKey(path string, log *slog.Logger) (*keys.HostKey, error) {
	hk, created, err := keys.LoadOrCreateHostKey(path)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if created {
		log.Warn("created a new host key; keep it safe: without it the stored terminal keys cannot be read", "path", path)
	} else {
		log.Debug("host key loaded", "path", path)
	}
	return hk, nil
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

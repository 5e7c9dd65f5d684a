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
	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/sqlite"
)

// hostStore is what the commands need of a store: the host's, and a way to
// check the host key against the data sealed under it.
type hostStore interface {
	host.Store
	// Onboarding is applications, bindings, risk rules and hits.
	Onboarding() posguard.OnboardingStore
	// HasSealedData and SealedSample tell whether the store holds data
	// sealed under a host key, and give one such value (and its associated
	// data) to try a key on.
	HasSealedData(ctx context.Context) (bool, error)
	SealedSample(ctx context.Context) (sealed, ad []byte, err error)
	// UpgradeSealing re-seals, once and atomically, values sealed before
	// they were bound to their rows; it returns how many.
	UpgradeSealing(ctx context.Context) (int, error)
	Close() error
}

// openStore opens the store named by dsn ("sqlite:PATH" or a postgres://
// URL) with the host key from keyFile. When keyFile is empty the key lives
// beside a SQLite database (PATH.hostkey) or in ./posguard.hostkey for
// PostgreSQL. The key must be the one the store's sealed data was sealed
// under (checkHostKey). Only with create (serve, demo, seed) are a missing
// folder, SQLite database and host key created (a key only for a store that
// holds no sealed data, and the log says so); every other command refuses a
// database or key that is not there, so a mistyped --db creates nothing.
func openStore(ctx context.Context, dsn, keyFile string, create bool, log *slog.Logger) (hostStore, *keys.HostKey, error) {
	var open func(hk *keys.HostKey) (hostStore, error)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, nil, fmt.Errorf("--db sqlite: needs a path, e.g. sqlite:posguard.db")
		}
		if keyFile == "" {
			keyFile = path + ".hostkey"
		}
		if !create {
			if err := mustExist(path, "database", "--db sqlite:"+path); err != nil {
				return nil, nil, err
			}
		} else if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, err
			}
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
	if !create {
		if err := mustExist(keyFile, "host key", "--host-key-file "+keyFile); err != nil {
			return nil, nil, err
		}
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
	// Only now that the key is known to be the store's: values sealed
	// before they were bound to their rows are re-sealed, all in one
	// transaction, once.
	if n, err := st.UpgradeSealing(ctx); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("host key file %s: re-seal the store's values bound to their rows: %w", keyFile, err)
	} else if n > 0 {
		log.Info("re-sealed the store's secret values, each bound to its row", "values", n)
	}
	return st, hk, nil
}

// lockSQLite takes the single-instance lock of a SQLite database (dsn
// "sqlite:PATH") for what, the command; nil and no error for PostgreSQL,
// where several instances share the database. A second serve, demo or
// migrate on the same file is refused with an error naming the file and the
// holder.
func lockSQLite(dsn, what string) (*sqlite.Lock, error) {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok || path == "" {
		return nil, nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	return sqlite.Acquire(path, what)
}

// mustExist returns a clear error when path does not exist.
func mustExist(path, what, named string) error {
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("no %s: %s does not exist (%s); check the path: only serve, demo and seed create a database and its host key", what, path, named)
		}
		return err
	}
	return nil
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

// logOpts is the --log-format flag every command that logs has.
type logOpts struct {
	LogFormat string
}

func (o *logOpts) addLogFlags(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&o.LogFormat, "log-format", "text", "log lines as text (key=value) or json (one JSON object a line)")
}

// logger returns the logger for level in the chosen format.
func (o *logOpts) logger(w io.Writer, level string) *slog.Logger {
	return newLogger(w, level, o.LogFormat)
}

// checkLogFormat refuses a --log-format other than text or json.
func checkLogFormat(f string) error {
	if f != "" && f != "text" && f != "json" {
		return fmt.Errorf("--log-format %q: want text or json", f)
	}
	return nil
}

// newLogger returns the text (default) or JSON logger the commands share.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/sqlite"
)

// openStore opens the store named by dsn ("sqlite:PATH" or a postgres://
// URL) with the host key from keyFile. When keyFile is empty the key lives
// beside a SQLite database (PATH.hostkey) or in ./posguard.hostkey for
// PostgreSQL. Only with create (serve, demo, seed) are a missing folder,
// SQLite database and host key created (and the log says so); every other
// command refuses a database or key that is not there, so a mistyped --db
// creates nothing.
func openStore(ctx context.Context, dsn, keyFile string, create bool, log *slog.Logger) (host.Store, *keys.HostKey, error) {
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
			if err := mustExist(keyFile, "host key", "the host key of "+path); err != nil {
				return nil, nil, err
			}
		} else if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, err
			}
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
		if !create {
			if err := mustExist(keyFile, "host key", "--host-key-file "+keyFile); err != nil {
				return nil, nil, err
			}
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

// mustExist returns a clear error when path does not exist.
func mustExist(path, what, named string) error {
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("no %s at %s (%s): check the path; only serve, demo and seed create a database", what, path, named)
		}
		return err
	}
	return nil
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

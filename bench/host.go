package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/host"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/simnet"
	"github.com/posguard/posguard/sqlite"
)

// HostConfig says how to run the in-process host.
type HostConfig struct {
	// DB is "sqlite:PATH" (a file that must not exist yet) or a
	// postgres:// URL; the bench then works in a fresh schema of its own,
	// dropped at Close. Empty: SQLite in a temporary directory.
	DB string
	// World is seeded into the store and given to the simulated network.
	World *seed.World
	// Faults is the simulated network's fault spec (simnet.ParseFaults).
	Faults string
	// UpstreamTimeout is the host's wait for the network (default 2 s).
	UpstreamTimeout time.Duration
	// UpstreamConns is the number of host-to-network connections
	// (default 2, as posguard serve).
	UpstreamConns int
	// GroupCommit turns the store's group commit on (the default in
	// posguard) or off.
	GroupCommit bool
	// CommitWindow is how long a group-commit batch waits for more writes
	// (0, the default: only those already waiting join).
	CommitWindow time.Duration
	// API serves the HTTP API (with its audit, authentication and QR
	// routes) on a loopback port, Host.APIAddr; the card bench needs none.
	API bool
}

// benchStore is what the host needs of a store, and the group-commit
// switches the bench turns.
type benchStore interface {
	host.Store
	SetGroupCommit(on bool)
	SetCommitWindow(d time.Duration)
}

// Host is posguard as `posguard serve` assembles it (package host: store,
// switch, network link, reversal worker, analytics and incident detection,
// case loop, ledger poster, payouts, terminal server, the API) and the
// simulated card network, running in this process on loopback ports. The
// HTTP API is assembled but not served: no request reaches it in a bench.
type Host struct {
	// Addr is the terminal address.
	Addr string
	// APIAddr is the HTTP API's address (HostConfig.API).
	APIAddr string
	// Net is the simulated network.
	Net *simnet.Network
	// Posguard is the assembled host.
	Posguard *host.Host

	store    benchStore
	cancel   context.CancelFunc
	hostDone chan struct{} // closed when the host's Run returns
	wg       sync.WaitGroup
	tmpDir   string
	dropPG   func()
	netLn    net.Listener
	closeMu  sync.Once
}

// StartHost opens and seeds the store and starts the network and the host.
func StartHost(ctx context.Context, cfg HostConfig) (h *Host, err error) {
	if cfg.World == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "bench: no world")
	}
	if _, err := simnet.ParseFaults(cfg.Faults); err != nil {
		return nil, err
	}
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = 2 * time.Second
	}
	if cfg.UpstreamConns <= 0 {
		cfg.UpstreamConns = 2
	}
	h = &Host{}
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	log := slog.New(slog.DiscardHandler)
	hk, err := h.openStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	h.store.SetGroupCommit(cfg.GroupCommit)
	h.store.SetCommitWindow(cfg.CommitWindow)
	w := cfg.World
	if err := h.store.PutSetting(ctx, posguard.SettingAcquirerID, []byte(w.Acquirer.ID), false); err != nil {
		return nil, err
	}
	if err := h.store.PutSetting(ctx, posguard.SettingZonePINKey, w.Acquirer.ZonePINKey, true); err != nil {
		return nil, err
	}
	if _, err := seed.Load(ctx, h.store, w); err != nil {
		return nil, err
	}
	// The wallet sections, as posguard seed loads them (the QR engine
	// reads the channels when the host is assembled).
	for i := range w.WalletChannels {
		if err := h.store.QR().PutWalletChannel(ctx, &w.WalletChannels[i]); err != nil {
			return nil, err
		}
	}
	for i := range w.Wallets {
		if err := h.store.QR().PutMerchantWallet(ctx, &w.Wallets[i]); err != nil {
			return nil, err
		}
	}

	h.Net = simnet.New(w.Cards, w.Acquirer.ZonePINKey, simnet.Options{Seed: 1, Faults: cfg.Faults, Logger: log})
	if h.netLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		pprof.Do(context.Background(), pprof.Labels(PartLabel, "simnet"), func(context.Context) { _ = h.Net.Serve(h.netLn) })
	}()

	h.Posguard, err = host.New(ctx, host.Config{Store: h.store, HostKey: hk, Network: []string{h.netLn.Addr().String()},
		UpstreamConns: cfg.UpstreamConns, UpstreamTimeout: cfg.UpstreamTimeout, Logger: log})
	if err != nil {
		return nil, err
	}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h.Addr = tl.Addr().String()
	var hl net.Listener
	if cfg.API {
		if hl, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			tl.Close()
			return nil, err
		}
		h.APIAddr = hl.Addr().String()
		h.Posguard.HTTP = &nethttp.Server{Handler: h.Posguard.API.Handler(), ReadHeaderTimeout: 10 * time.Second}
	}
	ready := make(chan struct{})
	errc := make(chan error, 1)
	h.hostDone = make(chan struct{})
	go func() {
		defer close(h.hostDone)
		errc <- h.Posguard.Run(runCtx, tl, hl, func() { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-errc:
		return nil, fmt.Errorf("bench: host: %w", err)
	}
	return h, nil
}

// openStore opens the store cfg.DB names and returns the host key.
func (h *Host) openStore(ctx context.Context, db string) (*keys.HostKey, error) {
	dir, err := os.MkdirTemp("", "posguard-bench-")
	if err != nil {
		return nil, err
	}
	h.tmpDir = dir
	hk, _, err := keys.LoadOrCreateHostKey(filepath.Join(dir, "bench.hostkey"))
	if err != nil {
		return nil, err
	}
	switch {
	case db == "" || strings.HasPrefix(db, "sqlite:"):
		path := strings.TrimPrefix(db, "sqlite:")
		if path == "" {
			path = filepath.Join(dir, "bench.db")
		} else if _, err := os.Stat(path); err == nil {
			return nil, posguard.Errorf(posguard.EINVALID, "bench: %s exists; the bench needs a fresh database", path)
		}
		st, err := sqlite.Open(path, hk)
		if err != nil {
			return nil, err
		}
		h.store = st
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		url, drop, err := freshSchema(ctx, db)
		if err != nil {
			return nil, err
		}
		h.dropPG = drop
		st, err := postgres.Open(ctx, url, hk)
		if err != nil {
			return nil, err
		}
		h.store = st
	default:
		return nil, posguard.Errorf(posguard.EINVALID, "bench: --db wants sqlite:PATH or a postgres:// URL")
	}
	return hk, nil
}

// freshSchema creates a schema for one bench run and returns the URL that
// uses it and a function that drops it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "bench: postgres connect")
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("posguard_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "bench: create schema")
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	return base + sep + "search_path=" + schema, drop, nil
}

// Close stops the host and the network and removes what the run created.
func (h *Host) Close() error {
	var errs []error
	h.closeMu.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if h.cancel != nil {
			h.cancel() // the host drains its terminals, then stops
		}
		if h.hostDone != nil {
			<-h.hostDone
		}
		if h.Posguard != nil {
			h.Posguard.Close()
		}
		if h.Net != nil {
			_ = h.Net.Shutdown(ctx)
		}
		h.wg.Wait()
		if h.store != nil {
			errs = append(errs, h.store.Close())
		}
		if h.dropPG != nil {
			h.dropPG()
		}
		if h.tmpDir != "" {
			errs = append(errs, os.RemoveAll(h.tmpDir))
		}
	})
	return errors.Join(errs...)
}

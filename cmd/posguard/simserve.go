package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	nethttp "net/http"
	"sync"
	"time"
)

// simFlags is what the simulator commands (simnet, simwallet) share: the
// address of the simulated protocol and of its admin API, the fault spec,
// the random seed and the log level, and serving both listeners.
type simFlags struct {
	Addr      string
	AdminAddr string
	Faults    string
	Seed      uint64
	LogLevel  string

	mu                    sync.Mutex
	boundAddr, boundAdmin string
}

// simDefaults are a simulator's flag defaults and help.
type simDefaults struct {
	addr, addrHelp   string
	admin, adminHelp string
	faultsExample    string
}

// addFlags registers the shared flags on fs.
func (f *simFlags) addFlags(fs *flag.FlagSet, d simDefaults) {
	fs.StringVar(&f.Addr, "addr", d.addr, d.addrHelp)
	fs.StringVar(&f.AdminAddr, "admin-addr", d.admin, d.adminHelp)
	fs.StringVar(&f.Faults, "faults", "", "fault spec, e.g. "+d.faultsExample)
	fs.Uint64Var(&f.Seed, "seed", 0, "random seed for faults (0: time-based)")
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// Addrs returns the bound protocol and admin addresses (after Ready).
func (f *simFlags) Addrs() (addr, admin string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.boundAddr, f.boundAdmin
}

// seed returns --seed, or a time-based seed when it is 0.
func (f *simFlags) seed() uint64 {
	if f.Seed == 0 {
		return uint64(time.Now().UnixNano())
	}
	return f.Seed
}

// simServer is a simulator's protocol or admin server.
type simServer interface {
	Serve(l net.Listener) error
	Shutdown(ctx context.Context) error
}

// serve binds --addr and --admin-addr, closes ready, serves proto and admin
// on them until ctx ends or one of them fails, then shuts both down. Once
// both listen it logs msg, the protocol's address (as protoKey, after
// scheme) and attrs.
func (f *simFlags) serve(ctx context.Context, ready chan struct{}, log *slog.Logger, proto, admin simServer,
	msg, protoKey, scheme string, attrs ...any) error {
	pl, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	al, err := net.Listen("tcp", f.AdminAddr)
	if err != nil {
		pl.Close()
		return fmt.Errorf("--admin-addr: %w", err)
	}
	f.mu.Lock()
	f.boundAddr, f.boundAdmin = pl.Addr().String(), al.Addr().String()
	f.mu.Unlock()
	errc := make(chan error, 2)
	go func() { errc <- ignoreClosed(proto.Serve(pl)) }()
	go func() { errc <- ignoreClosed(admin.Serve(al)) }()
	log.Info(msg, append([]any{protoKey, scheme + pl.Addr().String(), "admin", "http://" + al.Addr().String(), "faults", f.Faults}, attrs...)...)
	close(ready)
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = admin.Shutdown(sctx)
	_ = proto.Shutdown(sctx)
	return err
}

// httpServer serves h with the simulators' header timeout.
func httpServer(h nethttp.Handler) *nethttp.Server {
	return &nethttp.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
}

// ignoreClosed drops the error a server returns after a clean shutdown.
func ignoreClosed(err error) error {
	if errors.Is(err, nethttp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

package main

import (
	"log/slog"
	"net"
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard/internal/netlimit"
	"github.com/posguard/posguard/terminal"
)

// connLimits are serve's limits on what peers may hold: connections on
// both ports (in total and, on the terminal port, per source address) and
// the HTTP server's timeouts. docs/security.md lists them with their
// defaults.
type connLimits struct {
	TermMaxConns     int
	TermMaxPerSource int
	TermIdleTimeout  time.Duration
	HTTPMaxConns     int
	HTTPMaxPerSource int
	HTTPReadHeader   time.Duration
	HTTPReadTimeout  time.Duration
	HTTPWriteTimeout time.Duration
	HTTPIdleTimeout  time.Duration
}

func (l *connLimits) addFlags(fs interface {
	DurationVar(*time.Duration, string, time.Duration, string)
	IntVar(*int, string, int, string)
}) {
	fs.IntVar(&l.TermMaxConns, "max-conns", terminal.DefaultMaxConns, "most terminal connections at once")
	fs.IntVar(&l.TermMaxPerSource, "max-conns-per-source", terminal.DefaultMaxConnsPerSource, "most terminal connections at once from one IP address")
	fs.DurationVar(&l.TermIdleTimeout, "terminal-idle-timeout", terminal.DefaultIdleTimeout, "close a terminal connection that sends no message for this long (keep-alive frames do not count)")
	fs.IntVar(&l.HTTPMaxConns, "http-max-conns", 1024, "most HTTP connections at once (more are closed at once)")
	fs.IntVar(&l.HTTPMaxPerSource, "http-max-conns-per-source", DefaultHTTPMaxConnsPerSource, "most HTTP connections at once from one IP address (0: no per-source limit; raise it behind a proxy)")
	fs.DurationVar(&l.HTTPReadHeader, "http-read-header-timeout", 10*time.Second, "time for an HTTP request's headers")
	fs.DurationVar(&l.HTTPReadTimeout, "http-read-timeout", 30*time.Second, "time for a whole HTTP request")
	fs.DurationVar(&l.HTTPWriteTimeout, "http-write-timeout", 60*time.Second, "time to write an HTTP response")
	fs.DurationVar(&l.HTTPIdleTimeout, "http-idle-timeout", 2*time.Minute, "close an idle HTTP keep-alive connection after this long")
}

// terminalServer applies the limits to the terminal server s.
func (l *connLimits) terminalServer(s *terminal.Server) *terminal.Server {
	s.MaxConns, s.MaxConnsPerSource, s.IdleTimeout = l.TermMaxConns, l.TermMaxPerSource, l.TermIdleTimeout
	return s
}

// DefaultHTTPMaxConnsPerSource is the default of --http-max-conns-per-source:
// a quarter of the default total, far above what a browser (6 or so) or an
// API client needs, so that one source cannot take every HTTP connection.
const DefaultHTTPMaxConnsPerSource = 256

// httpServer returns the HTTP server for h with the timeouts, and hl
// limited to HTTPMaxConns connections, HTTPMaxPerSource from one address.
func (l *connLimits) httpServer(h nethttp.Handler, hl net.Listener, log *slog.Logger) (*nethttp.Server, net.Listener) {
	srv := &nethttp.Server{Handler: h, ReadHeaderTimeout: l.HTTPReadHeader, ReadTimeout: l.HTTPReadTimeout,
		WriteTimeout: l.HTTPWriteTimeout, IdleTimeout: l.HTTPIdleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return srv, netlimit.LimitPerSource(hl, l.HTTPMaxConns, l.HTTPMaxPerSource)
}

// checkFiles warns when the open-file limit is below what both ports' limits
// may need at once.
func (l *connLimits) checkFiles(log *slog.Logger) {
	term := l.TermMaxConns
	if term <= 0 {
		term = terminal.DefaultMaxConns
	}
	netlimit.CheckFiles(log, term+max(l.HTTPMaxConns, 0))
}

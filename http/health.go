package http

import (
	"context"
	"log/slog"
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
)

// pinger is a store that can check its database connection.
type pinger interface {
	Ping(ctx context.Context) error
}

// writeChecker is a store that can tell whether its writes succeed; the
// error's message names why not (read-only, disk full, writes fail).
type writeChecker interface {
	WriteHealth(ctx context.Context) error
}

// healthTimeout bounds the store check of /healthz.
const healthTimeout = 3 * time.Second

// healthz serves GET /healthz: 200 with {"status": "ok", "store": "ok", …}
// and the components from s.Health, or 503 with status and store
// "unavailable" when the store does not answer, or does not take writes
// (then "reason" says why: read-only, disk full, writes fail). The store's
// error is logged, not returned.
func (s *Server) healthz(w nethttp.ResponseWriter, r *nethttp.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	out := map[string]string{}
	if s.Health != nil {
		for k, v := range s.Health(ctx) {
			out[k] = v
		}
	}
	var err error
	if p, ok := s.Store.(pinger); ok {
		err = p.Ping(ctx)
	} else {
		_, err = s.Store.MaxID(ctx)
	}
	reason := ""
	if wc, ok := s.Store.(writeChecker); ok && err == nil {
		if err = wc.WriteHealth(ctx); err != nil {
			reason = posguard.ErrorMessage(err)
		}
	}
	status := nethttp.StatusOK
	out["status"], out["store"] = "ok", "ok"
	if err != nil {
		if reason != "" {
			out["reason"] = reason
		}
		s.logger().LogAttrs(ctx, slog.LevelError, "http: health check: store", slog.String("err", err.Error()))
		status = nethttp.StatusServiceUnavailable
		out["status"], out["store"] = "unavailable", "unavailable"
	}
	writeJSON(w, status, out)
}

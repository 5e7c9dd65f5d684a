package access

import (
	"bytes"
	"context"
	"io"
	nethttp "net/http"
	"slices"

	"github.com/posguard/posguard"
)

// Routes registered with HandleAtKnownVersion authenticate and read their
// caches at the last cache version the instance knows, without reading it
// (docs/qr.md, "Caches"). The rule "a change committed by any instance or
// command is seen by the next request that starts after it" holds because
// nothing such a request does counts before the version is confirmed:
//
//   - its first durable or outward act is a store write conditional on the
//     version (posguard.VersionCheck): written only if the version still
//     holds, which confirms it; ESTALE and nothing written otherwise;
//   - any other answer (an error, a repeat answered from the store) and
//     any audit record first read the version;
//   - when the version moved, whatever the run answered is discarded and
//     the request runs again from the start, body included, at the version
//     read, exactly as a route registered with Handle runs.

// HandleAtKnownVersion registers h like Handle, for a route whose
// handler's first durable or outward act is a write the store makes
// conditional on the request's posguard.VersionCheck. Without
// Auth.Versions, or before the instance has read a version, it is Handle.
func (rt *Router) HandleAtKnownVersion(pattern string, h nethttp.Handler, roles ...posguard.Role) {
	rt.handle(pattern, h, true, roles)
}

// atKnownVersion wraps h for route (see HandleAtKnownVersion).
func (rt *Router) atKnownVersion(route Route, h nethttp.Handler) nethttp.Handler {
	a := rt.auth
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		v, ok := a.knownVersion()
		if !ok {
			rt.serve(w, r, route, h, 0, false)
			return
		}
		check := &posguard.VersionCheck{Version: v}
		ctx := posguard.WithVersionCheck(r.Context(), check)
		secret, viaCookie, err := credentials(r)
		var u *posguard.User
		if err == nil {
			u, err = a.UserForSecret(ctx, secret)
		}
		if err != nil || !route.Admits(u.Role) || viaCookie {
			// A refusal (or a console request, which needs its CSRF
			// check) is served as Handle serves it: at a version read now.
			rt.serve(w, r, route, h, 0, false)
			return
		}
		body := &replayBody{rc: r.Body}
		if n := r.ContentLength; n > 0 && n <= 64<<10 {
			body.buf = make([]byte, 0, n)
		}
		r1 := r.WithContext(WithUser(ctx, u))
		r1.Body = body
		cw := &checkedWriter{w: w, a: a, ctx: ctx, c: check}
		h.ServeHTTP(cw, r1)
		if cw.decide() {
			return // answered at a confirmed version
		}
		if cw.err != nil {
			rt.deny(w, r, cw.err)
			return
		}
		// The version moved on before anything counted: run again from the
		// start at the version read (or read it now).
		a.reruns.Add(1)
		r2 := r.WithContext(r.Context())
		r2.Body = body.replay()
		rt.serve(w, r2, route, h, cw.fresh, cw.haveFresh)
	})
}

// confirm settles c by reading the cache version, unless a conditional
// write already did; it reports whether c is confirmed (false when the
// version moved on or could not be read).
func (a *Auth) confirm(ctx context.Context, c *posguard.VersionCheck) bool {
	if c.Pending() {
		v, err := a.readVersion(ctx)
		switch {
		case err != nil:
			return false
		case v == c.Version:
			c.Confirm()
		default:
			c.MarkStale()
		}
	}
	return c.Confirmed()
}

// checkedWriter passes a handler's answer on only once the request's
// version is confirmed: at its first use it settles the check (reading the
// version when no conditional write did) and, when the version moved on or
// could not be read, discards everything the handler writes.
type checkedWriter struct {
	w   nethttp.ResponseWriter
	a   *Auth
	ctx context.Context
	c   *posguard.VersionCheck

	decided, pass bool
	fresh         int64 // the version read, when haveFresh
	haveFresh     bool
	err           error // the version's read failed
	discard       nethttp.Header
}

// decide settles the check once and reports whether the answer passes.
func (cw *checkedWriter) decide() bool {
	if cw.decided {
		return cw.pass
	}
	cw.decided = true
	if cw.c.Pending() {
		v, err := cw.a.readVersion(cw.ctx)
		if err != nil {
			cw.err = err
			return false
		}
		cw.fresh, cw.haveFresh = v, true
		if v == cw.c.Version {
			cw.c.Confirm()
		} else {
			cw.c.MarkStale()
		}
	}
	cw.pass = cw.c.Confirmed()
	return cw.pass
}

func (cw *checkedWriter) Header() nethttp.Header {
	if cw.decide() {
		return cw.w.Header()
	}
	if cw.discard == nil {
		cw.discard = nethttp.Header{}
	}
	return cw.discard
}

func (cw *checkedWriter) WriteHeader(status int) {
	if cw.decide() {
		cw.w.WriteHeader(status)
	}
}

func (cw *checkedWriter) Write(b []byte) (int, error) {
	if cw.decide() {
		return cw.w.Write(b)
	}
	return len(b), nil
}

// replayBody is a request body that keeps what was read from it, so that
// a request run again reads the same bytes.
type replayBody struct {
	rc  io.ReadCloser
	buf []byte
}

func (b *replayBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.buf = append(b.buf, p[:n]...)
	return n, err
}

func (b *replayBody) Close() error { return b.rc.Close() }

// replay returns a body that reads again what was read, then the rest.
func (b *replayBody) replay() io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(slices.Clone(b.buf)), b.rc), b.rc}
}

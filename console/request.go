package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

//go:embed templates/*.html static
var assets embed.FS

// pages holds each page's template, parsed with the layout.
var pages = parsePages()

// parsePages parses templates/layout.html with every other template.
func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").ParseFS(assets, "templates/layout.html", "templates/parts.html"))
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		out[base] = template.Must(template.Must(layout.Clone()).ParseFS(assets, n))
	}
	return out
}

// request is one page request: who asks, in which language, and the
// helpers templates call ($.T, $.Yuan, $.Time…).
type request struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	user *posguard.User
	lang string
	csrf string
	// object and changes are what a state-changing request acted on, for
	// its audit record ("case/12"; JSON before/after when data changed).
	object, changes string
	// refused is the audit outcome (an error code) of a request whose
	// handler answered a refusal itself, re-rendering its form.
	refused string
	// audit is the audit record of a state-changing request, waiting in
	// the request's context for the change's transaction (nil otherwise).
	audit *pageAudit
}

// newRequest starts a request, remembering a ?lang= choice in a cookie.
func (s *Server) newRequest(w http.ResponseWriter, r *http.Request, u *posguard.User) *request {
	lang, chosen := pickLang(r)
	if chosen {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.Secure || r.TLS != nil})
	}
	return &request{s: s, w: w, r: r, user: u, lang: lang}
}

// view is what a page template receives: the request (for its helpers),
// the page's title and its data.
type view struct {
	*request
	Title string
	Data  any
	// Flash is a message shown above the page (after an action).
	Flash string
	// Problem is an error message shown above the page.
	Problem string
}

// T returns the message key in the request's language.
func (q *request) T(key string, args ...any) string { return tr(q.lang, key, args...) }

// Lang is the request's language ("zh" or "en").
func (q *request) Lang() string { return q.lang }

// HTMLLang is the page's lang attribute.
func (q *request) HTMLLang() string {
	if q.lang == langEN {
		return "en"
	}
	return "zh-CN"
}

// User is the logged-in user (nil on the login and error pages).
func (q *request) User() *posguard.User { return q.user }

// CSRF is the token each form carries in the field csrf_token.
func (q *request) CSRF() string { return q.csrf }

// Path is the request's path (the navigation marks the current page).
func (q *request) Path() string { return q.r.URL.Path }

// Yuan renders fen as 元.
func (q *request) Yuan(a posguard.Amount) string { return yuan(q.lang, a) }

// Time renders t in UTC+8.
func (q *request) Time(t time.Time) string { return clock(t) }

// Day renders t's date in UTC+8.
func (q *request) Day(t time.Time) string { return day(t) }

// Pct renders a ratio as a percentage.
func (q *request) Pct(r float64) string { return percent(r) }

// Mask masks card-number-like digit runs in free text.
func (q *request) Mask(s string) string { return maskDigitRuns(s) }

// LangURL is the current page's address in the other language.
func (q *request) LangURL(lang string) string {
	v := q.r.URL.Query()
	v.Set("lang", lang)
	return q.r.URL.Path + "?" + v.Encode()
}

// Query returns the request's query parameter name.
func (q *request) Query(name string) string { return q.r.URL.Query().Get(name) }

// render writes page name with status.
func (q *request) render(status int, name, titleKey string, data any) error {
	return q.renderView(status, name, &view{request: q, Title: q.T(titleKey), Data: data,
		Flash: q.flash()})
}

// renderView executes the page template into a buffer first, so a
// template failure becomes an error page rather than half a page.
func (q *request) renderView(status int, name string, v *view) error {
	t, ok := pages[name]
	if !ok {
		return posguard.Errorf(posguard.EINTERNAL, "no template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return posguard.Errorf(posguard.EINTERNAL, "template %s: %v", name, err)
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	q.w.WriteHeader(status)
	_, _ = q.w.Write(buf.Bytes())
	return nil
}

// flash returns the message an action left for the next page (?done=key).
func (q *request) flash() string {
	if k := q.r.URL.Query().Get("done"); k != "" {
		if m, ok := catalog[q.lang]["done."+k]; ok {
			return m
		}
	}
	return ""
}

// redirect sends the browser to path after a successful action; done names
// the message shown there.
func (q *request) redirect(path, done string) error {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + url.QueryEscape(done)
	}
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
	return nil
}

// renderError answers err as a page: 404 for ENOTFOUND (the same page for
// a missing object and one the user may not see), 400 with the reason for
// EINVALID, 409 for ECONFLICT, 403 for a bad CSRF token, the login page for
// EUNAUTHORIZED, and a logged 500 with a generic message for anything
// else. No raw error text beyond a caller-safe message, no stack trace.
func (q *request) renderError(err error) {
	status, key, msg := http.StatusInternalServerError, "error.internal", ""
	switch {
	default:
		switch posguard.ErrorCode(err) {
		case posguard.EFORBIDDEN:
			status, key = http.StatusForbidden, "error.forbidden"
		case posguard.ENOTFOUND:
			status, key = http.StatusNotFound, "error.notfound"
		case posguard.EINVALID:
			status, key, msg = http.StatusBadRequest, "error.invalid", posguard.ErrorMessage(err)
		case posguard.ECONFLICT:
			status, key, msg = http.StatusConflict, "error.conflict", posguard.ErrorMessage(err)
		case posguard.EUNAUTHORIZED:
			status, key = http.StatusUnauthorized, "error.unauthorized"
		case posguard.EUNAVAILABLE, posguard.ETIMEOUT:
			status, key = http.StatusServiceUnavailable, "error.unavailable"
		}
	}
	if status >= 500 {
		q.s.logger().LogAttrs(q.r.Context(), slog.LevelError, "console: error",
			slog.String("method", q.r.Method), slog.String("path", q.r.URL.Path), slog.String("err", err.Error()))
	}
	v := &view{request: q, Title: q.T(key), Data: struct {
		Status  int
		Key     string
		Message string
	}{status, key, maskDigitRuns(msg)}}
	if rerr := q.renderView(status, "error", v); rerr != nil {
		q.s.logger().Error("console: error page", "err", rerr)
		http.Error(q.w, http.StatusText(status), status)
	}
}

// Now is the current time (for links such as "today's failures").
func (q *request) Now() time.Time { return q.s.now() }

// Dur renders a duration roughly (minutes, hours or days) in the page's
// language.
func (q *request) Dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Hour:
		return q.T("dur.minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return q.T("dur.hours", int(d/time.Hour))
	}
	return q.T("dur.days", int(d/(24*time.Hour)))
}

// Bi picks the page's language from a "中文 / English" text (the form the
// case and incident services write causes in); other text is returned as
// it is. Card-number-like digit runs are masked either way.
func (q *request) Bi(s string) string {
	zh, en, ok := strings.Cut(s, " / ")
	if !ok {
		return maskDigitRuns(s)
	}
	if q.lang == langEN {
		return maskDigitRuns(en)
	}
	return maskDigitRuns(zh)
}

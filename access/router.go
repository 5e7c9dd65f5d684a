package access

import (
	"fmt"
	nethttp "net/http"
	"slices"
	"strings"

	"github.com/posguard/posguard"
)

// Public is the pseudo-role of a route anyone may call without credentials
// (GET /healthz, GET /v1/openapi.json, the login form). No user has it.
const Public posguard.Role = "public"

// Everyone admits every authenticated user (staff and merchant users).
var Everyone = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleRisk, posguard.RoleFinance, posguard.RoleMerchant}

// Staff admits the acquirer's roles (admin, operator, risk, finance) and
// any extra roles given.
func Staff(extra ...posguard.Role) []posguard.Role {
	return append(slices.Clone(posguard.StaffRoles), extra...)
}

// Route is one registered route and the roles it admits.
type Route struct {
	Pattern string          // a net/http pattern with a method: "GET /v1/cases/{id}"
	Roles   []posguard.Role // the roles admitted; [Public] for an open route
}

// Method and Path split the pattern.
func (r Route) Method() string { m, _, _ := strings.Cut(r.Pattern, " "); return m }

// Path is the pattern's path ("/v1/cases/{id}").
func (r Route) Path() string { _, p, _ := strings.Cut(r.Pattern, " "); return p }

// Admits reports whether role may use the route.
func (r Route) Admits(role posguard.Role) bool {
	return slices.Contains(r.Roles, Public) || (role.Valid() && slices.Contains(r.Roles, role))
}

// Router is a net/http ServeMux whose every route states the roles it
// admits. A request to a route is authenticated (Auth.Authenticate), refused
// with EUNAUTHORIZED or EFORBIDDEN through Deny when it may not pass, checked
// for a CSRF token when it changes state with a session cookie, and handed to
// the route's handler with the user in its context (UserFromContext).
type Router struct {
	auth   *Auth
	deny   func(w nethttp.ResponseWriter, r *nethttp.Request, err error)
	mux    *nethttp.ServeMux
	routes []Route
}

// NewRouter returns a Router authenticating with auth and answering refusals
// with deny (the API answers JSON errors, the console a login redirect or a
// page). err passed to deny has code EUNAUTHORIZED, EFORBIDDEN, or that of a
// store failure; on EFORBIDDEN the request's context carries the user
// (UserFromContext), so that deny can tell a merchant user (the console
// answers 404) and record who was refused.
func NewRouter(auth *Auth, deny func(w nethttp.ResponseWriter, r *nethttp.Request, err error)) *Router {
	return &Router{auth: auth, deny: deny, mux: nethttp.NewServeMux()}
}

// Handle registers h for pattern (which must name its method) admitting
// roles. It panics, at start, when roles is empty, names an unknown role,
// mixes Public with real roles, or the pattern has no method: access must be
// declared, never forgotten.
func (rt *Router) Handle(pattern string, h nethttp.Handler, roles ...posguard.Role) {
	rt.handle(pattern, h, false, roles)
}

// handle is Handle, and HandleAtKnownVersion when atKnown.
func (rt *Router) handle(pattern string, h nethttp.Handler, atKnown bool, roles []posguard.Role) {
	if len(roles) == 0 {
		panic(fmt.Sprintf("access: route %q declares no roles", pattern))
	}
	if !strings.Contains(pattern, " ") || strings.HasPrefix(pattern, "/") {
		panic(fmt.Sprintf("access: route %q has no method", pattern))
	}
	for _, role := range roles {
		if role == Public && len(roles) > 1 {
			panic(fmt.Sprintf("access: route %q mixes Public with roles", pattern))
		}
		if role != Public && !role.Valid() {
			panic(fmt.Sprintf("access: route %q admits unknown role %q", pattern, role))
		}
	}
	route := Route{Pattern: pattern, Roles: slices.Clone(roles)}
	rt.routes = append(rt.routes, route)
	if atKnown && !slices.Contains(roles, Public) {
		rt.mux.Handle(pattern, rt.atKnownVersion(route, h))
		return
	}
	rt.mux.Handle(pattern, rt.guard(route, h))
}

// HandleFunc is Handle for a function.
func (rt *Router) HandleFunc(pattern string, f func(nethttp.ResponseWriter, *nethttp.Request), roles ...posguard.Role) {
	rt.Handle(pattern, nethttp.HandlerFunc(f), roles...)
}

// Routes returns the registered routes in registration order.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// Mux is the underlying ServeMux (to find a request's route or answer
// unmatched requests); register only through Handle.
func (rt *Router) Mux() *nethttp.ServeMux { return rt.mux }

// ServeHTTP dispatches to the matching route.
func (rt *Router) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) { rt.mux.ServeHTTP(w, r) }

// guard wraps h with route's authentication and authorization.
func (rt *Router) guard(route Route, h nethttp.Handler) nethttp.Handler {
	if slices.Contains(route.Roles, Public) {
		return h
	}
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		rt.serve(w, r, route, h, 0, false)
	})
}

// serve authenticates r for route at cache version v when read (v was read
// after r started), or at a version it reads, and hands it to h.
func (rt *Router) serve(w nethttp.ResponseWriter, r *nethttp.Request, route Route, h nethttp.Handler, v int64, read bool) {
	u, viaCookie, ctx, err := rt.auth.authenticateAt(r, v, read)
	if err != nil {
		rt.deny(w, r, err)
		return
	}
	// The user is known from here on: a refusal's handler may record who
	// was refused. The context keeps the cache version authentication
	// read, for the handler's own cached reads.
	r = r.WithContext(WithUser(ctx, u))
	if !route.Admits(u.Role) {
		rt.deny(w, r, posguard.Errorf(posguard.EFORBIDDEN, "the %s role may not use %s", u.Role, route.Pattern))
		return
	}
	if viaCookie && !safeMethod(r.Method) {
		if err := rt.auth.CheckCSRF(r); err != nil {
			rt.deny(w, r, err)
			return
		}
	}
	h.ServeHTTP(w, r)
}

// safeMethod reports whether method changes nothing (no CSRF token needed).
func safeMethod(m string) bool {
	return m == nethttp.MethodGet || m == nethttp.MethodHead || m == nethttp.MethodOptions
}

package access

import (
	"context"

	"github.com/posguard/posguard"
)

type userKey struct{}

// WithUser returns ctx carrying u (the router does this for every
// authenticated request).
func WithUser(ctx context.Context, u *posguard.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext returns the authenticated user of a request's context, or
// nil on a public route.
func UserFromContext(ctx context.Context) *posguard.User {
	u, _ := ctx.Value(userKey{}).(*posguard.User)
	return u
}

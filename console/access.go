package console

import (
	"slices"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// Role sets of the route table (spec/backoffice.md §1, §5).
var (
	allRoles    = access.Everyone
	staffRoles  = posguard.StaffRoles
	publicRoute = []posguard.Role{access.Public}
	resettlers  = []posguard.Role{posguard.RoleFinance, posguard.RoleAdmin}
	noticeRoles = []posguard.Role{posguard.RoleOperator, posguard.RoleAdmin}
	adminOnly   = []posguard.Role{posguard.RoleAdmin}
)

// is reports whether u has one of roles.
func is(u *posguard.User, roles ...posguard.Role) bool {
	return u != nil && slices.Contains(roles, u.Role)
}

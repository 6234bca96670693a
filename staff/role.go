package staff

// Role is what a staff account may do.
type Role string

// The roles.
const (
	RoleAdmin    Role = "admin"    // network staff: read and change everything
	RoleOperator Role = "operator" // one organisation's venues, NAS, APs and plans
	RoleViewer   Role = "viewer"   // read-only; of one organisation when Org is set
)

func (r Role) valid() bool { return r == RoleAdmin || r == RoleOperator || r == RoleViewer }

// Principal is who a request acts for.
type Principal struct {
	Username string `json:"username"`
	Role     Role   `json:"role"`
	Org      string `json:"org,omitempty"`
	// Via is "token" or "session" (a console sign-in), which must pass
	// CSRF checks.
	Via string `json:"via"`
}

// Actor names the principal in the audit log.
func (p Principal) Actor() string { return "staff:" + p.Username }

// IsAdmin reports whether p may do everything.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// Scope is the one organisation p is limited to, or "" for all of them.
func (p Principal) Scope() string {
	if p.Role == RoleAdmin {
		return ""
	}
	return p.Org
}

// CanRead reports whether p may see org's data ("" = network-wide data).
func (p Principal) CanRead(org string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleViewer:
		return p.Org == "" || org == "" || org == p.Org
	case RoleOperator:
		return org == "" || org == p.Org
	}
	return false
}

// CanReadOwned reports whether p may see a record that belongs to org and
// is kept from other organisations, such as a voucher batch with its
// codes. Unlike shared data, where "" means everyone's (a network-wide
// plan, which every operator may offer), such a record of no organisation
// belongs to the network's own staff: only admins see it.
func (p Principal) CanReadOwned(org string) bool {
	if org == "" {
		return p.IsAdmin()
	}
	return p.CanRead(org)
}

// CanWrite reports whether p may change org's data; only admins change
// network-wide data (org "").
func (p Principal) CanWrite(org string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleOperator:
		return org != "" && org == p.Org
	}
	return false
}

package staff

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/token"
	"github.com/wifihk/wifihk/internal/web"
)

// Staff is a staff account. Only hashes of its password and API token are
// kept.
type Staff struct {
	Username     string    `json:"username"`
	Role         Role      `json:"role"`
	Org          string    `json:"org,omitempty"`
	PasswordHash string    `json:"password_hash,omitempty"`
	TokenHash    string    `json:"token_hash,omitempty"`
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// HasPassword reports whether the account can log in to the console.
func (s Staff) HasPassword() bool { return s.PasswordHash != "" }

// Options configure a Service. Zero values take the documented defaults.
type Options struct {
	// BcryptCost is the password hashing cost. Default bcrypt.DefaultCost
	// (10); tests may use bcrypt.MinCost.
	BcryptCost int
	// SignInTTL is how long a console sign-in lasts. Default 12h.
	SignInTTL time.Duration
	// From its MaxFailures-th failed login in a row a username backs off
	// (internal/web Backoff): 1s, doubling after each further failure, at
	// most LockFor; 15 minutes without a failure start it over. Defaults 5
	// and 30s, so that an attacker cannot keep a real user out for long.
	MaxFailures int
	LockFor     time.Duration
	// OrgExists, when set, checks the organisation of operators and
	// scoped viewers.
	OrgExists func(code string) bool
}

// Service keeps staff accounts, their tokens and console sign-ins.
type Service struct {
	db   *store.DB
	opt  Options
	now  func() time.Time
	fail *web.Backoff // by username
	// dummyHash is checked for unknown usernames, so that they take as
	// long as known ones.
	dummyHash []byte
}

// New returns a Service over db.
func New(db *store.DB, opt Options) *Service {
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.DefaultCost
	}
	if opt.SignInTTL == 0 {
		opt.SignInTTL = 12 * time.Hour
	}
	if opt.MaxFailures == 0 {
		opt.MaxFailures = 5
	}
	if opt.LockFor == 0 {
		opt.LockFor = 30 * time.Second
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a password"), opt.BcryptCost)
	s := &Service{db: db, opt: opt, now: time.Now, dummyHash: dummy}
	s.fail = &web.Backoff{Free: opt.MaxFailures, Max: opt.LockFor, Now: func() time.Time { return s.now() }}
	return s
}

// tokenRec is a token hash's record in the tokens bucket, which staff owns
// (agents' tokens are hotspots' agent_tokens).
type tokenRec struct {
	Kind    string    `json:"kind"` // "staff" (API token) or "session" (console sign-in)
	ID      string    `json:"id"`   // username
	Expires time.Time `json:"expires,omitzero"`
}

const (
	kindStaff  = "staff"
	kindSignIn = "session" // the stored kind of a console sign-in
	// Token prefixes say what a leaked string is (as GitHub's ghp_ do).
	apiTokenPrefix    = "whs_"
	signInTokenPrefix = "whc_"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// StaffInput is what creating a staff account takes.
type StaffInput struct {
	Username string `json:"username"`
	Role     Role   `json:"role"`
	Org      string `json:"org,omitempty"`
	Password string `json:"password,omitempty"` // "" = API token only
}

func (s *Service) checkRoleOrg(role Role, org string) error {
	switch {
	case !role.valid():
		return fieldErr("role", "%q is not admin, operator or viewer", role)
	case role == RoleOperator && org == "":
		return fieldErr("org", "an operator needs an organisation")
	case role == RoleAdmin && org != "":
		return fieldErr("org", "an admin is not limited to an organisation")
	case org != "" && s.opt.OrgExists != nil && !s.opt.OrgExists(org):
		return fieldErr("org", "no organisation %q", org)
	}
	return nil
}

func checkPassword(pw string) error {
	switch {
	case len(pw) < 10:
		return fieldErr("password", "must be at least 10 characters")
	case len(pw) > 72:
		return fieldErr("password", "must be at most 72 bytes (bcrypt)")
	}
	return nil
}

// AddStaff creates an account and returns it with its API token, which is
// shown only now.
func (s *Service) AddStaff(in StaffInput) (Staff, string, error) {
	in.Username = strings.TrimSpace(in.Username)
	if !usernameRE.MatchString(in.Username) {
		return Staff{}, "", fieldErr("username", "%q must be 2-32 lower-case letters, digits, '.', '_' or '-'", in.Username)
	}
	if err := s.checkRoleOrg(in.Role, in.Org); err != nil {
		return Staff{}, "", err
	}
	st := Staff{Username: in.Username, Role: in.Role, Org: in.Org, Created: s.now().UTC()}
	st.Updated = st.Created
	if in.Password != "" {
		if err := checkPassword(in.Password); err != nil {
			return Staff{}, "", err
		}
		h, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.opt.BcryptCost)
		if err != nil {
			return Staff{}, "", fmt.Errorf("auth: %w", err)
		}
		st.PasswordHash = string(h)
	}
	token, hash := token.New(apiTokenPrefix)
	st.TokenHash = hash
	err := s.db.Update(func(tx *store.Tx) error {
		if err := tx.Insert(store.Staff, st.Username, st); err != nil {
			return fmt.Errorf("%w: %q", ErrExists, st.Username)
		}
		return tx.Put(store.Tokens, hash, tokenRec{Kind: kindStaff, ID: st.Username})
	})
	if err != nil {
		return Staff{}, "", err
	}
	return st, token, nil
}

// Staff returns one account.
func (s *Service) Staff(username string) (Staff, error) {
	var st Staff
	err := s.db.View(func(tx *store.Tx) error { return getStaff(tx, username, &st) })
	return st, err
}

func getStaff(tx *store.Tx, username string, st *Staff) error {
	err := tx.Get(store.Staff, username, st)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrNotFound, username)
	}
	return err
}

// ListStaff returns every account by username.
func (s *Service) ListStaff() ([]Staff, error) {
	var out []Staff
	err := s.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List(tx, store.Staff, store.Query[Staff]{})
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, err
}

// StaffUpdate changes the fields that are set.
type StaffUpdate struct {
	Role     *Role   `json:"role,omitempty"`
	Org      *string `json:"org,omitempty"`
	Password *string `json:"password,omitempty"` // "" removes console login
	Disabled *bool   `json:"disabled,omitempty"`
}

// UpdateStaff changes an account.
func (s *Service) UpdateStaff(username string, u StaffUpdate) (Staff, error) {
	var hash *string
	if u.Password != nil {
		h := ""
		if *u.Password != "" {
			if err := checkPassword(*u.Password); err != nil {
				return Staff{}, err
			}
			b, err := bcrypt.GenerateFromPassword([]byte(*u.Password), s.opt.BcryptCost)
			if err != nil {
				return Staff{}, fmt.Errorf("auth: %w", err)
			}
			h = string(b)
		}
		hash = &h
	}
	var st Staff
	err := s.db.Update(func(tx *store.Tx) error {
		if err := getStaff(tx, username, &st); err != nil {
			return err
		}
		if u.Role != nil {
			st.Role = *u.Role
		}
		if u.Org != nil {
			st.Org = *u.Org
		}
		if err := s.checkRoleOrg(st.Role, st.Org); err != nil {
			return err
		}
		if hash != nil {
			st.PasswordHash = *hash
		}
		if u.Disabled != nil {
			st.Disabled = *u.Disabled
		}
		if err := keepAnAdmin(tx, username, st); err != nil {
			return err
		}
		st.Updated = s.now().UTC()
		return tx.Put(store.Staff, username, st)
	})
	return st, err
}

// activeAdmin reports whether st can manage staff.
func (st Staff) activeAdmin() bool { return st.Role == RoleAdmin && !st.Disabled }

// keepAnAdmin refuses to let username become next (the zero Staff when it
// is deleted) if that leaves no active admin: nobody could then manage
// staff, and only an offline admin command could repair it.
func keepAnAdmin(tx *store.Tx, username string, next Staff) error {
	if next.activeAdmin() {
		return nil
	}
	others, err := store.List(tx, store.Staff, store.Query[Staff]{Limit: 1,
		Keep: func(st *Staff) bool { return st.Username != username && st.activeAdmin() }})
	if err != nil {
		return err
	}
	var cur Staff
	if err := getStaff(tx, username, &cur); err != nil {
		return err
	}
	if len(others) == 0 && cur.activeAdmin() {
		return ErrLastAdmin
	}
	return nil
}

// DeleteStaff removes an account and its API token; its console sign-ins
// stop working at once.
func (s *Service) DeleteStaff(username string) error {
	return s.db.Update(func(tx *store.Tx) error {
		st, err := dropToken(tx, username)
		if err != nil {
			return err
		}
		if err := keepAnAdmin(tx, username, Staff{}); err != nil {
			return err
		}
		return tx.Delete(store.Staff, st.Username)
	})
}

// dropToken reads username's account and deletes its API token's record.
func dropToken(tx *store.Tx, username string) (Staff, error) {
	var st Staff
	if err := getStaff(tx, username, &st); err != nil {
		return st, err
	}
	if st.TokenHash != "" {
		if err := tx.Delete(store.Tokens, st.TokenHash); err != nil {
			return st, err
		}
	}
	return st, nil
}

// RotateToken replaces an account's API token: the old one stops working
// and the new one is returned, shown only now.
func (s *Service) RotateToken(username string) (string, error) {
	token, hash := token.New(apiTokenPrefix)
	err := s.db.Update(func(tx *store.Tx) error {
		st, err := dropToken(tx, username)
		if err != nil {
			return err
		}
		st.TokenHash, st.Updated = hash, s.now().UTC()
		if err := tx.Put(store.Staff, username, st); err != nil {
			return err
		}
		return tx.Put(store.Tokens, hash, tokenRec{Kind: kindStaff, ID: username})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate returns the principal of an API token.
func (s *Service) Authenticate(tok string) (Principal, error) {
	return s.principal(tok, kindStaff)
}

// principal resolves a token of kind to its enabled account.
func (s *Service) principal(tok, kind string) (Principal, error) {
	if tok == "" || len(tok) > 200 {
		return Principal{}, ErrUnauthenticated
	}
	var p Principal
	err := s.db.View(func(tx *store.Tx) error {
		var rec tokenRec
		if err := tx.Get(store.Tokens, token.Hash(tok), &rec); err != nil || rec.Kind != kind {
			return ErrUnauthenticated
		}
		if !rec.Expires.IsZero() && !s.now().Before(rec.Expires) {
			return ErrUnauthenticated
		}
		var st Staff
		if err := tx.Get(store.Staff, rec.ID, &st); err != nil || st.Disabled {
			return ErrUnauthenticated
		}
		p = Principal{Username: st.Username, Role: st.Role, Org: st.Org, Via: "token"}
		return nil
	})
	return p, err
}

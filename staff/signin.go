package staff

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/token"
)

// SignIn is a staff member signed in to the console with a password.
type SignIn struct {
	Token     string    `json:"-"` // the cookie's value, shown only now
	Principal Principal `json:"principal"`
	Expires   time.Time `json:"expires"`
}

// Login checks a staff password and signs the staff member in to the
// console. Unknown
// usernames take as long as wrong passwords, and a username with too many
// failures in a row backs off (a *Throttled error, wrapping ErrThrottled,
// says how long).
func (s *Service) Login(username, password string) (SignIn, error) {
	if err := s.throttled(username); err != nil {
		return SignIn{}, err
	}
	st, err := s.Staff(username)
	hash := s.dummyHash
	if err == nil && st.PasswordHash != "" {
		hash = []byte(st.PasswordHash)
	}
	bad := bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil
	if err != nil || st.PasswordHash == "" || st.Disabled || bad {
		s.failed(username)
		return SignIn{}, ErrUnauthenticated
	}
	s.succeeded(username)
	token, hash2 := token.New(signInTokenPrefix)
	in := SignIn{Token: token, Expires: s.now().Add(s.opt.SignInTTL).UTC(),
		Principal: Principal{Username: st.Username, Role: st.Role, Org: st.Org, Via: "session"}}
	err = s.db.Update(func(tx *store.Tx) error {
		return tx.Put(store.Tokens, hash2, tokenRec{Kind: kindSignIn, ID: st.Username, Expires: in.Expires})
	})
	if err != nil {
		return SignIn{}, err
	}
	return in, nil
}

// Logout ends a console sign-in; ending an unknown one is not an error.
func (s *Service) Logout(tok string) error {
	return s.db.Update(func(tx *store.Tx) error {
		var rec tokenRec
		h := token.Hash(tok)
		if err := tx.Get(store.Tokens, h, &rec); err != nil || rec.Kind != kindSignIn {
			return nil
		}
		return tx.Delete(store.Tokens, h)
	})
}

// SignInPrincipal returns the principal of a console sign-in token.
func (s *Service) SignInPrincipal(tok string) (Principal, error) {
	p, err := s.principal(tok, kindSignIn)
	p.Via = "session"
	return p, err
}

// PurgeSignIns deletes expired sign-ins and returns how many it deleted.
func (s *Service) PurgeSignIns() (int, error) {
	n := 0
	now := s.now()
	err := s.db.Update(func(tx *store.Tx) error {
		var dead []string
		err := tx.Scan(store.Tokens, "", func(key string, dec func(any) error) (bool, error) {
			var rec tokenRec
			if dec(&rec) == nil && rec.Kind == kindSignIn && !now.Before(rec.Expires) {
				dead = append(dead, key)
			}
			return true, nil
		})
		for _, k := range dead {
			if err == nil {
				err = tx.Delete(store.Tokens, k)
			}
		}
		n = len(dead)
		return err
	})
	return n, err
}

func (s *Service) throttled(username string) error {
	if d := s.fail.Wait(username); d > 0 {
		return &Throttled{After: d}
	}
	return nil
}

func (s *Service) failed(username string) { s.fail.Failed(username) }

func (s *Service) succeeded(username string) { s.fail.Succeeded(username) }

// CookieName is the console sign-in cookie. Its value "wifihk_session"
// stays as browsers hold it.
const CookieName = "wifihk_session"

// SetCookie sends the sign-in cookie: HttpOnly, SameSite=Strict, Secure
// when the request came over TLS.
func SetCookie(w http.ResponseWriter, r *http.Request, in SignIn) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: in.Token, Path: "/", Expires: in.Expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// ClearCookie removes the sign-in cookie.
func ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// ErrNoCredentials means a request carries neither a token nor a sign-in
// cookie.
var ErrNoCredentials = errors.New("auth: no credentials")

// FromRequest authenticates a request by its "Authorization: Bearer" API
// token or, failing that, its sign-in cookie. A cookie-authenticated
// request that changes something must also pass SameOrigin.
func (s *Service) FromRequest(r *http.Request) (Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return Principal{}, ErrUnauthenticated
		}
		return s.Authenticate(strings.TrimSpace(token))
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return s.SignInPrincipal(c.Value)
	}
	return Principal{}, ErrNoCredentials
}

// SameOrigin reports whether a browser request came from this site, from
// Sec-Fetch-Site or else Origin. It guards cookie-authenticated changes
// against cross-site requests (with SameSite=Strict as a second line).
func SameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	_, host, _ := strings.Cut(origin, "://")
	return host == r.Host
}

package radius

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
)

// Credentials is what the authenticator reads about visitors;
// visitors.Store implements it.
type Credentials interface {
	Get(username string) (visitors.Credential, error)
	Secret(c visitors.Credential) (string, error)
	Consume(username string) error
	// UseFreeSession counts a remembered device's free session against
	// its daily allowance (visitors.ErrNoFreeLeft when spent).
	UseFreeSession(mac string, perDay int) error
	Device(mac string) (visitors.Device, error)
}

// OpenSessions counts an account's open sessions; sessions.Store
// implements it.
type OpenSessions interface {
	OpenCount(username string, stale time.Duration) (int, error)
}

// Plans finds the plan for a NAS's visitors; hotspots.Registry implements it.
type Plans interface {
	PlanForNAS(n hotspots.NAS, def hotspots.Plan) hotspots.Plan
}

// AuthConfig configures an Authenticator.
type AuthConfig struct {
	Credentials Credentials   // required
	Sessions    OpenSessions  // required
	Plans       Plans         // required
	DefaultPlan hotspots.Plan // where no venue plan applies
	Metrics     *Metrics      // required
	Log         *slog.Logger
	// PAPCacheTTL is how long a verified password is remembered. Default 5m.
	PAPCacheTTL time.Duration
	// EAP configures the answers to Access-Requests that carry
	// EAP-Message (802.1X); nil rejects them. Its NTHash is set here.
	EAP *eap.Config
	// CUIKey keys the Chargeable-User-Identity pseudonyms (cui.go); nil
	// answers no NAS's request for one.
	CUIKey []byte
	// MaxHashing caps concurrent argon2id checks (each takes 64 MiB).
	// Default GOMAXPROCS.
	MaxHashing int
	Now        func() time.Time
}

// Authenticator answers Access-Requests: PAP, CHAP and MAC authentication.
type Authenticator struct {
	cfg     AuthConfig
	eap     *eap.Server // nil without AuthConfig.EAP
	log     *slog.Logger
	pap     *papCache
	hashing chan struct{}
	// planAttrs holds each plan's encoded reply attributes.
	planAttrs planAttrCache
}

// NewAuthenticator checks cfg and returns an Authenticator.
func NewAuthenticator(cfg AuthConfig) (*Authenticator, error) {
	if cfg.Credentials == nil || cfg.Sessions == nil || cfg.Plans == nil || cfg.Metrics == nil {
		return nil, errors.New("radius: Credentials, Sessions, Plans and Metrics are required")
	}
	if err := cfg.DefaultPlan.Validate(); err != nil {
		return nil, fmt.Errorf("radius: DefaultPlan: %w", err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.PAPCacheTTL <= 0 {
		cfg.PAPCacheTTL = 5 * time.Minute
	}
	if cfg.MaxHashing <= 0 {
		cfg.MaxHashing = runtime.GOMAXPROCS(0)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authenticator{cfg: cfg, log: cfg.Log.With("component", "radius-auth"),
		pap: newPAPCache(cfg.PAPCacheTTL, 100_000), hashing: make(chan struct{}, cfg.MaxHashing)}
	if cfg.EAP != nil {
		ec := *cfg.EAP
		ec.NTHash = a.ntHash
		if ec.Log == nil {
			ec.Log = cfg.Log
		}
		var err error
		if a.eap, err = eap.New(ec); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Reasons an Access-Request is rejected: labels of wifihk_radius_auth_total.
const (
	resultAccept      = "accept"
	rejectUnknown     = "unknown_user"
	rejectPassword    = "bad_password"
	rejectNoMethod    = "no_method"
	rejectNoCHAP      = "chap_not_enabled"
	rejectUnusable    = "credential_unusable"
	rejectWrongDevice = "wrong_device"
	rejectSimUse      = "simultaneous_use"
	rejectPlan        = "plan_refuses"
	rejectAllowance   = "free_allowance_used"
)

// rejection is why a request is refused; err is for the log only.
type rejection struct {
	reason string
	err    error
}

// ServeRADIUS implements Handler.
func (a *Authenticator) ServeRADIUS(ctx context.Context, r *Request) (Response, error) {
	if r.Get(eap.AttrEAPMessage) != nil {
		return a.serveEAP(ctx, r)
	}
	grant, rej, err := a.authenticate(ctx, r)
	if err != nil {
		return Response{}, err // a store failure: no answer, the NAS retries
	}
	if rej != nil {
		return a.reject(r, rej), nil
	}
	a.cfg.Metrics.auth.WithLabelValues(resultAccept).Inc()
	attrs := grant.attributes(&a.planAttrs)
	attrs = append(attrs, a.cui(r, rfc2865.UserName_GetString(r.Packet))...)
	return Response{Code: layeh.CodeAccessAccept, Attributes: attrs}, nil
}

// reject counts and logs a rejection and makes its Access-Reject.
func (a *Authenticator) reject(r *Request, rej *rejection) Response {
	a.cfg.Metrics.auth.WithLabelValues(rej.reason).Inc()
	a.log.Info("access rejected", "nas", r.NAS.Name, "reason", rej.reason, "mac", maskMAC(rfc2865.CallingStationID_GetString(r.Packet)))
	attrs := layeh.Attributes{}
	attrs.Add(rfc2865.ReplyMessage_Type, layeh.Attribute("Login failed"))
	return Response{Code: layeh.CodeAccessReject, Attributes: attrs}
}

// authenticate decides. A nil rejection and nil error is an accept.
func (a *Authenticator) authenticate(ctx context.Context, r *Request) (grant, *rejection, error) {
	username := rfc2865.UserName_GetString(r.Packet)
	mac := normalMAC(rfc2865.CallingStationID_GetString(r.Packet))
	var cred visitors.Credential
	var rej *rejection
	var err error
	um := normalMAC(username)
	byMAC := um != "" && um == mac
	if byMAC {
		cred, rej, err = a.macAuth(mac)
	} else {
		cred, rej, err = a.passwordAuth(ctx, r, username)
	}
	if rej != nil || err != nil {
		return grant{}, rej, err
	}
	return a.admit(cred, username, r, mac, byMAC)
}

// admit applies the rules that follow a verified credential: device and
// NAS binding, the plan, Simultaneous-Use, allowances and uses left.
func (a *Authenticator) admit(cred visitors.Credential, username string, r *Request, mac string, byMAC bool) (grant, *rejection, error) {
	if rej := a.checkBinding(cred, r.NAS, mac); rej != nil {
		return grant{}, rej, nil
	}
	plan, err := visitors.Admit(cred, r.NAS, a.cfg.Plans.PlanForNAS(r.NAS, a.cfg.DefaultPlan))
	if err != nil {
		return grant{}, &rejection{rejectPlan, err}, nil
	}
	if rej, err := a.checkSimultaneous(username, plan); rej != nil || err != nil {
		return grant{}, rej, err
	}
	if byMAC && cred.Kind == visitors.KindOneTime && plan.Kind == hotspots.PlanFreeTimed {
		// A device remembered after a click-through: its sessions count
		// against the plan's daily allowance as a free pass's do.
		if err := a.cfg.Credentials.UseFreeSession(mac, plan.SessionsPerDay); errors.Is(err, visitors.ErrNoFreeLeft) {
			return grant{}, &rejection{rejectAllowance, err}, nil
		} else if err != nil {
			return grant{}, nil, err
		}
	}
	if cred.UsesLeft > 0 {
		err := a.cfg.Credentials.Consume(cred.Username)
		switch {
		case errors.Is(err, visitors.ErrUsedUp):
			return grant{}, &rejection{rejectUnusable, err}, nil
		case errors.Is(err, visitors.ErrNoFreeLeft):
			return grant{}, &rejection{rejectAllowance, err}, nil
		case err != nil:
			return grant{}, nil, err
		}
	}
	return newGrant(plan, cred, a.cfg.Now()), nil, nil
}

// macAuth signs in a device the store remembers (User-Name is its MAC).
func (a *Authenticator) macAuth(mac string) (visitors.Credential, *rejection, error) {
	d, err := a.cfg.Credentials.Device(mac)
	if errors.Is(err, visitors.ErrUnknownDevice) {
		return visitors.Credential{}, &rejection{rejectUnknown, err}, nil
	} else if err != nil {
		return visitors.Credential{}, nil, err
	}
	return a.usable(d.Username)
}

func (a *Authenticator) usable(username string) (visitors.Credential, *rejection, error) {
	c, err := a.cfg.Credentials.Get(username)
	if errors.Is(err, visitors.ErrUnknown) {
		return c, &rejection{rejectUnknown, err}, nil
	} else if err != nil {
		return c, nil, err
	}
	if err := c.Usable(a.cfg.Now()); err != nil {
		return c, &rejection{rejectUnusable, err}, nil
	}
	return c, nil, nil
}

// passwordAuth checks PAP (User-Password) or CHAP (CHAP-Password).
func (a *Authenticator) passwordAuth(ctx context.Context, r *Request, username string) (visitors.Credential, *rejection, error) {
	chapPW := rfc2865.CHAPPassword_Get(r.Packet)
	pw, pwErr := rfc2865.UserPassword_LookupString(r.Packet)
	if chapPW == nil && pwErr != nil {
		return visitors.Credential{}, &rejection{rejectNoMethod, pwErr}, nil
	}
	c, rej, err := a.usable(username)
	if rej != nil || err != nil {
		return c, rej, err
	}
	if chapPW != nil {
		return c, a.checkCHAP(c, r.Packet, chapPW), nil
	}
	ok, err := a.checkPAP(ctx, c, pw)
	if err != nil {
		return c, nil, err
	}
	if !ok {
		return c, &rejection{rejectPassword, nil}, nil
	}
	return c, nil, nil
}

func (a *Authenticator) checkCHAP(c visitors.Credential, p *layeh.Packet, chapPW []byte) *rejection {
	secret, err := a.cfg.Credentials.Secret(c)
	if err != nil {
		return &rejection{rejectNoCHAP, err}
	}
	challenge := rfc2865.CHAPChallenge_Get(p)
	if challenge == nil {
		challenge = p.Authenticator[:] // RFC 2865 §2.2
	}
	if !verifyCHAP(chapPW, challenge, secret) {
		return &rejection{rejectPassword, nil}
	}
	return nil
}

// checkPAP checks a password against the argon2id hash, or the sealed
// secret of a machine-made credential that has no hash.
func (a *Authenticator) checkPAP(ctx context.Context, c visitors.Credential, pw string) (bool, error) {
	if c.PasswordHash == "" {
		secret, err := a.cfg.Credentials.Secret(c)
		if err != nil {
			return false, nil
		}
		return constantTimeEqual(secret, pw), nil
	}
	key := a.pap.key(c.Username, pw, c.PasswordHash)
	hit, wait := a.pap.claim(key)
	if hit {
		return true, nil
	}
	if wait == nil {
		return a.hashChecked(ctx, c, pw, key)
	}
	select { // the same password is being checked: share its result
	case <-wait:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if hit, _ := a.pap.claim(key); hit {
		return true, nil
	}
	return a.hashOnce(ctx, c, pw, key)
}

// hashOnce checks by argon2id after a shared check failed (a wrong
// password): it does not claim the key again, so wrong guesses queue on
// the hashing limit instead of on each other.
func (a *Authenticator) hashOnce(ctx context.Context, c visitors.Credential, pw string, key [32]byte) (bool, error) {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	ok := visitors.CheckPassword(c.PasswordHash, pw)
	<-a.hashing
	if ok {
		a.pap.add(key)
	}
	return ok, nil
}

// hashChecked runs the claimed argon2id check and releases the key.
func (a *Authenticator) hashChecked(ctx context.Context, c visitors.Credential, pw string, key [32]byte) (ok bool, err error) {
	defer func() { a.pap.release(key, ok) }()
	return a.hashOnce(ctx, c, pw, key)
}

func (a *Authenticator) checkBinding(c visitors.Credential, n hotspots.NAS, mac string) *rejection {
	if c.BoundMAC != "" && normalMAC(c.BoundMAC) != mac {
		return &rejection{rejectWrongDevice, visitors.ErrWrongDevice}
	}
	if c.BoundNAS != "" && c.BoundNAS != n.ID {
		return &rejection{rejectWrongDevice, visitors.ErrWrongDevice}
	}
	return nil
}

// checkSimultaneous applies the plan's Simultaneous-Use limit, counted from
// accounting. Sessions silent for three interim intervals are not counted.
func (a *Authenticator) checkSimultaneous(username string, plan hotspots.Plan) (*rejection, error) {
	if plan.SimultaneousUse <= 0 {
		return nil, nil
	}
	stale := 3 * time.Duration(plan.InterimInterval) * time.Second
	n, err := a.cfg.Sessions.OpenCount(username, stale)
	if err != nil {
		return nil, err
	}
	if n >= plan.SimultaneousUse {
		return &rejection{rejectSimUse, nil}, nil
	}
	return nil, nil
}

// newGrantID returns a random ID for the Class attribute.
func newGrantID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

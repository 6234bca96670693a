package visitors

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
)

// OneTimeTTL is how long a portal-issued credential waits for its logon.
const OneTimeTTL = 5 * time.Minute

// OneTimeInput is what the portal issues a one-time credential for.
type OneTimeInput struct {
	MAC  string         // the device, lower-case colon form
	NAS  string         // the gateway's NAS ID
	Plan *hotspots.Plan // the plan it was issued under, nil for the venue's
	// Account is the signed-in account it stands for ("" for click-through),
	// and Org that account's organisation, which a members plan checks.
	Account string
	Org     string
	TTL     time.Duration // default OneTimeTTL
}

// IssueOneTime stores a fresh credential bound to one device at one
// gateway, usable once, and returns it with its cleartext password for the
// UAM logon. Many concurrent calls share one commit.
//
// ExpiresAt is TTL plus the plan's session length: the RADIUS server cuts
// a session short at its credential's expiry, so a logon at the end of
// the TTL must still get the whole session.
func (s *Store) IssueOneTime(in OneTimeInput) (Credential, string, error) {
	if in.MAC == "" || in.NAS == "" {
		return Credential{}, "", errors.New("visitors: one-time credential: MAC and NAS are required")
	}
	if in.TTL <= 0 {
		in.TTL = OneTimeTTL
	}
	now := s.now().UTC()
	secret := randomString(secretAlphabet, 20)
	c := Credential{
		Username: oneTimeName(now), Kind: KindOneTime,
		SecretSealed: s.Seal(secret), BoundMAC: in.MAC, BoundNAS: in.NAS,
		ExpiresAt: oneTimeExpiry(now, in), UsesLeft: 1, Plan: in.Plan, Org: in.Org, Contact: in.Account, Created: now,
	}
	if err := s.insertBatch(c); err != nil {
		return Credential{}, "", err
	}
	return c, secret, nil
}

func oneTimeExpiry(now time.Time, in OneTimeInput) time.Time {
	exp := now.Add(in.TTL)
	if in.Plan != nil {
		exp = exp.Add(time.Duration(in.Plan.SessionTimeout) * time.Second)
	}
	return exp
}

// DevicePassInput is a remembered device's standing credential.
type DevicePassInput struct {
	MAC  string
	Plan *hotspots.Plan
	Days int
}

// RememberFreeDevice gives a click-through device a credential that lasts
// Days and remembers the MAC with it, so MAC authentication lets it in;
// the plan's daily allowance still applies.
func (s *Store) RememberFreeDevice(in DevicePassInput) error {
	if in.Days < 1 || in.Days > 365 {
		return fmt.Errorf("visitors: remember: %d days is not 1-365", in.Days)
	}
	until := s.now().UTC().AddDate(0, 0, in.Days)
	c := Credential{Username: "dev-" + randomString(codeAlphabet, 14), Kind: KindOneTime,
		BoundMAC: in.MAC, ExpiresAt: until, UsesLeft: -1, Plan: in.Plan}
	if err := s.insertBatch(c); err != nil {
		return err
	}
	return s.RememberDevice(Device{MAC: in.MAC, Username: c.Username, ExpiresAt: until})
}

// RememberAccountDevice remembers a device for a signed-in account for days.
func (s *Store) RememberAccountDevice(mac, account string, days int) error {
	if days < 1 || days > 365 {
		return fmt.Errorf("visitors: remember: %d days is not 1-365", days)
	}
	return s.RememberDevice(Device{MAC: mac, Username: account, ExpiresAt: s.now().UTC().AddDate(0, 0, days)})
}

// insertBatch is Insert through the store's group commit.
func (s *Store) insertBatch(c Credential) error {
	if c.Created.IsZero() {
		c.Created = s.now().UTC()
	}
	return s.db.Batch(func(tx *store.Tx) error {
		if tx.Has(store.Visitors, c.Username) || tx.Has(store.Credentials, c.Username) {
			return fmt.Errorf("%w: %q", ErrExists, c.Username)
		}
		return tx.Put(bucketOf(c.Kind), c.Username, c)
	})
}

// oneTimeName is a fresh one-time username: "ot-", the time in
// milliseconds in nine characters that sort in time order, and eight
// random ones. Names issued together then sit together at the end of the
// credentials bucket, so a group commit of many logins writes a few
// pages instead of one page per login. The secret, not the name, is
// what authenticates.
func oneTimeName(now time.Time) string {
	const digits = "23456789ABCDEFGHJKMNPQRSTUVWXYZ" // codeAlphabet in byte order
	var b [9]byte
	ms := uint64(now.UnixMilli())
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[ms%uint64(len(digits))]
		ms /= uint64(len(digits))
	}
	return "ot-" + string(b[:]) + randomString(codeAlphabet, 8)
}

// Alphabets without look-alikes (no 0/O, 1/I/L) for codes people type.
const (
	codeAlphabet   = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	secretAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
)

// randomString draws n characters uniformly from alphabet.
func randomString(alphabet string, n int) string {
	out := make([]byte, n)
	buf := make([]byte, n*2)
	for i := 0; i < n; {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < 256-256%len(alphabet) && i < n { // no modulo bias
				out[i] = alphabet[int(b)%len(alphabet)]
				i++
			}
		}
	}
	return string(out)
}

// ErrNoFreeLeft means the device has had all its free sessions today.
var ErrNoFreeLeft = errors.New("visitors: no free sessions left today for this device")

// hkZone is Hong Kong time (UTC+8, no daylight saving): free sessions are
// counted per calendar day there.
var hkZone = time.FixedZone("HKT", 8*3600)

// freeDayKey is the allowances record of a device's click-through
// sessions on one Hong Kong day.
func freeDayKey(mac string, t time.Time) string {
	return "portal/" + mac + "/" + t.In(hkZone).Format("2006-01-02")
}

type freeDay struct {
	Used int `json:"used"`
	// Passes are the free passes accepted that day, so none is accepted
	// twice outside its retry window: each its nonce, then "@" and the
	// Unix second it was accepted (older records have no time), the latest
	// maxPassesKept.
	Passes []string `json:"passes,omitempty"`
}

// FreeUsedToday is how many click-through sessions RADIUS has accepted
// for mac today.
func (s *Store) FreeUsedToday(mac string) (int, error) {
	var d freeDay
	key := freeDayKey(mac, s.now())
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.Allowances, key, &d) })
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return d.with(s.held.get(key)).Used, err // freeheld.go
}

// IssueFree returns a click-through credential, a free pass (freepass.go),
// for a device under a plan that allows perDay sessions a day per device
// (0 = no limit), with the sessions used today. It writes nothing: the
// session is counted when RADIUS accepts the pass, so a click that never
// reaches the gateway costs the visitor nothing, and clicking Connect
// again and again yields no more sessions than the allowance. It fails
// with ErrNoFreeLeft when none is left.
func (s *Store) IssueFree(in OneTimeInput, perDay int) (Credential, string, int, error) {
	if in.MAC == "" || in.NAS == "" {
		return Credential{}, "", 0, errors.New("visitors: one-time credential: MAC and NAS are required")
	}
	if in.TTL <= 0 {
		in.TTL = OneTimeTTL
	}
	used, err := s.FreeUsedToday(in.MAC)
	if err != nil {
		return Credential{}, "", 0, err
	}
	if perDay > 0 && used >= perDay {
		return Credential{}, "", used, ErrNoFreeLeft
	}
	c, secret, err := s.issuePass(in, perDay)
	return c, secret, used, err
}

// PurgeOneTime deletes the stored one-time credentials (an account's
// portal logons) that expired before cutoff, and returns how many. Their
// names sort by issue time and a credential expires after it is issued,
// so the scan stops at the first one issued after cutoff.
func (s *Store) PurgeOneTime(cutoff time.Time) (int, error) {
	last := oneTimeName(cutoff)[:len("ot-")+9] // the cutoff's time characters
	expired := expiredBefore(cutoff)
	return s.purge("one-time credentials", store.Credentials, "ot-", func(k string, dec func(any) error) (bool, bool, error) {
		if k > last {
			return false, true, nil
		}
		return expired(k, dec)
	})
}

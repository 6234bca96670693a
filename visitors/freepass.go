package visitors

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// A free pass is the click-through credential. Issuing one writes
// nothing: its name carries what it is bound to (device, gateway, when it
// was issued, the session length and the day's allowance), with a MAC
// under a key derived from master.key, and its CHAP secret is derived from
// the name under the same key. RADIUS counts it against the device's daily
// allowance and marks it used in the one commit that accepts it, so a
// click-through login costs one commit, any node holding master.key can
// check a pass, and a pass never used costs nothing.

// passPrefix starts every free pass's name.
const passPrefix = "fp-"

var passEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// passTagLen is the length of the name's MAC: 80 bits.
const passTagLen = 10

// pass is a free pass's content.
type pass struct {
	issued  time.Time     // whole seconds
	ttl     time.Duration // how long after issue RADIUS accepts it
	session time.Duration // the plan's session length when issued
	perDay  int           // the plan's sessions a day per device, 0 = no limit
	mac     net.HardwareAddr
	nonce   [6]byte
	nas     string
}

// Layout: version 1, issued (4, Unix seconds), TTL (2, seconds), session
// (4, seconds), perDay (1), MAC (6), nonce (6), NAS ID length (1) and NAS
// ID, then the tag.
const passFixed = 1 + 4 + 2 + 4 + 1 + 6 + 6 + 1

func (s *Store) passName(p pass) string {
	b := make([]byte, 0, passFixed+len(p.nas)+passTagLen)
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(p.issued.Unix()))
	b = binary.BigEndian.AppendUint16(b, uint16(p.ttl/time.Second))
	b = binary.BigEndian.AppendUint32(b, uint32(p.session/time.Second))
	b = append(b, byte(p.perDay))
	b = append(b, p.mac...)
	b = append(b, p.nonce[:]...)
	b = append(b, byte(len(p.nas)))
	b = append(b, p.nas...)
	b = append(b, s.passMAC("name", b)[:passTagLen]...)
	return passPrefix + passEncoding.EncodeToString(b)
}

func (s *Store) passMAC(use string, b []byte) []byte {
	m := hmac.New(sha256.New, s.passKey)
	m.Write([]byte(use))
	m.Write(b)
	return m.Sum(nil)
}

// errNotPass is parsePass's answer for anything that is not a genuine pass.
var errNotPass = errors.New("visitors: not a free pass")

// parsePass checks a name from outside (a RADIUS User-Name) and returns
// the pass it names.
func (s *Store) parsePass(name string) (pass, error) {
	enc := strings.TrimPrefix(name, passPrefix)
	raw, err := passEncoding.DecodeString(enc)
	if !strings.HasPrefix(name, passPrefix) || err != nil || len(raw) < passFixed+passTagLen ||
		passEncoding.EncodeToString(raw) != enc { // one name per pass
		return pass{}, errNotPass
	}
	body, tag := raw[:len(raw)-passTagLen], raw[len(raw)-passTagLen:]
	if !hmac.Equal(tag, s.passMAC("name", body)[:passTagLen]) {
		return pass{}, errNotPass
	}
	if body[0] != 1 || int(body[passFixed-1]) != len(body)-passFixed {
		return pass{}, errNotPass
	}
	p := pass{
		issued:  time.Unix(int64(binary.BigEndian.Uint32(body[1:5])), 0).UTC(),
		ttl:     time.Duration(binary.BigEndian.Uint16(body[5:7])) * time.Second,
		session: time.Duration(binary.BigEndian.Uint32(body[7:11])) * time.Second,
		perDay:  int(body[11]),
		mac:     net.HardwareAddr(slices.Clone(body[12:18])),
		nas:     string(body[passFixed:]),
	}
	copy(p.nonce[:], body[18:24])
	return p, nil
}

// lookupPass parses username when it is a free pass's name (ok), and
// answers ErrUnknown when it has the prefix but is not a genuine pass.
func (s *Store) lookupPass(username string) (p pass, ok bool, err error) {
	if !strings.HasPrefix(username, passPrefix) {
		return pass{}, false, nil
	}
	if p, err = s.parsePass(username); err != nil {
		return pass{}, true, ErrUnknown
	}
	return p, true, nil
}

// credential is the pass as a Credential: a one-time credential bound to
// its device and gateway, usable until issued+TTL. Its expiry, which caps
// the session, is issued+TTL+session, as for a stored one-time credential.
func (s *Store) passCredential(name string, p pass) Credential {
	c := Credential{
		Username: name, Kind: KindOneTime, BoundMAC: p.mac.String(), BoundNAS: p.nas,
		ExpiresAt: p.issued.Add(p.ttl + p.session), UsesLeft: 1, Created: p.issued,
		derivedSecret: hex.EncodeToString(s.passMAC("secret", []byte(name))[:12]),
	}
	if !s.now().Before(p.issued.Add(p.ttl)) {
		c.ExpiresAt = p.issued.Add(p.ttl) // too late for a logon
	}
	return c
}

// issuePass makes a free pass for in under a plan that allows perDay
// sessions a day (0 = no limit).
func (s *Store) issuePass(in OneTimeInput, perDay int) (Credential, string, error) {
	mac, err := net.ParseMAC(in.MAC)
	if err != nil || len(mac) != 6 {
		return Credential{}, "", errors.New("visitors: free pass: MAC is not a 6-byte address")
	}
	if len(in.NAS) > 255 || perDay > 255 || perDay < 0 || in.TTL > math.MaxUint16*time.Second {
		return Credential{}, "", errors.New("visitors: free pass: NAS ID, allowance or TTL out of range")
	}
	p := pass{issued: s.now().UTC().Truncate(time.Second), ttl: in.TTL, perDay: perDay, mac: mac, nas: in.NAS}
	if in.Plan != nil {
		p.session = time.Duration(in.Plan.SessionTimeout) * time.Second
	}
	rand.Read(p.nonce[:])
	name := s.passName(p)
	c := s.passCredential(name, p)
	return c, c.derivedSecret, nil
}

// maxPassesKept bounds the passes a device's day remembers as used; a
// pass is accepted only within its TTL, so only recent ones matter.
const maxPassesKept = 64

// usePass counts an accepted pass against its device's allowance for the
// day it was issued and marks it used, in one group commit. It fails with
// ErrUsedUp for a pass used before and ErrNoFreeLeft when the day's
// allowance is spent.
func (s *Store) usePass(p pass) error {
	return s.countFree(freeDayKey(p.mac.String(), p.issued), hex.EncodeToString(p.nonce[:]), p.perDay)
}

// passRetryWindow is how long after a pass is accepted the same pass is
// accepted again without counting: its gateway's retries of the one
// login, perhaps to another node after the first answered and died before
// the Access-Accept reached the gateway. A pass is bound to one device at
// one gateway, so a second Accept inside the window is the same login;
// after it, the pass is used up.
const passRetryWindow = 30 * time.Second

// UseFreeSession counts a session of a remembered device, let in by MAC
// authentication without a pass, against its daily allowance perDay (0 =
// no limit); it fails with ErrNoFreeLeft when that is spent.
func (s *Store) UseFreeSession(mac string, perDay int) error {
	return s.countFree(freeDayKey(mac, s.now()), "", perDay)
}

// countFree adds one session to the allowances record at key, refusing
// when perDay are used, and notes pass (when set) as used, refusing one
// used before.
func (s *Store) countFree(key, pass string, perDay int) error {
	var refusal error
	var held freeDay
	now := s.now()
	err := s.db.Batch(func(tx *store.Tx) error {
		held = s.held.get(key) // Batch may run this again
		var d freeDay
		if err := tx.Get(store.Allowances, key, &d); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		d = d.with(held)
		if refusal = d.decide(pass, perDay, now); refusal != nil {
			// An error would make bbolt roll back the whole group and run
			// it again, then run this one alone: a commit more per refusal.
			return nil
		}
		return tx.Put(store.Allowances, key, d.add(pass, now))
	})
	if err != nil {
		return s.countHeld(key, pass, perDay, err) // freeheld.go
	}
	if refusal == nil {
		s.held.stored(key, held)
	}
	if errors.Is(refusal, errRetried) {
		return nil
	}
	return refusal
}

package visitors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
)

// VoucherSpec is a batch of vouchers an operator asks for.
type VoucherSpec struct {
	Count      int           // 1-1000 codes
	Duration   time.Duration // each session's length (Session-Timeout)
	Uses       int           // logons each code allows, 1-1000
	DataCapMB  int64         // per session, 0 = none
	ValidDays  int           // days until the codes expire, default 30
	Org        string        // the organisation printing them ("" = network-wide)
	Note       string        // what the operator wrote on the batch
	CreatedBy  string
	BandUpKbps int // optional caps, 0 = none
	BandDnKbps int
}

// A voucher's code is never stored. Its credential is kept under a name
// derived from the code, "vc-" and 32 hex digits of an HMAC-SHA256 of the
// code under a key from master.key, and the portal logs it on under that
// name, so neither the database nor the accounting records reveal a code,
// and a typed code finds its voucher with one lookup. The codes are shown
// once, in CreateVouchers' answer (and the page printed from it); a batch
// read back has each code's last 4 characters and state only.
//
// internal/store's schema 4 migration names vouchers made before this the
// same way: a change here needs a migration of its own.
const voucherPrefix = "vc-"

// voucherKeyLabel names the key that voucher names are derived under.
const voucherKeyLabel = "visitors voucher"

// voucherName is the stored name, and RADIUS User-Name, of code.
func (s *Store) voucherName(code string) string {
	m := hmac.New(sha256.New, s.voucherKey)
	m.Write([]byte(code))
	return voucherPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// VoucherBatch is the record of one printed batch.
type VoucherBatch struct {
	ID string `json:"id"`
	// Codes are the codes, in CreateVouchers' answer only: never stored.
	Codes []string `json:"-"`
	// Names are the codes' stored names, and Hints their last 4
	// characters, in the order of Codes.
	Names []string `json:"names"`
	Hints []string `json:"hints"`
	// Vouchers is each code's state, not stored.
	Vouchers  []VoucherState `json:"-"`
	Duration  int            `json:"duration_s"`
	Uses      int            `json:"uses"`
	DataCapMB int64          `json:"data_cap_mb"`
	Org       string         `json:"org,omitempty"`
	Note      string         `json:"note,omitempty"`
	CreatedBy string         `json:"created_by,omitempty"`
	ExpiresAt time.Time      `json:"expires_at"`
	Created   time.Time      `json:"created"`
	// Revoked is when staff disabled the batch's codes, and by whom.
	Revoked   time.Time `json:"revoked,omitempty"`
	RevokedBy string    `json:"revoked_by,omitempty"`
}

// VoucherState is what staff may know of one code of a batch.
type VoucherState struct {
	// Masked is the code as printed with all but its last 4 characters
	// hidden: *****-*GH23.
	Masked   string `json:"masked_code"`
	UsesLeft int    `json:"uses_left"`
	// Status is usable, used_up, expired, disabled or deleted.
	Status string `json:"status"`
}

// hintLen is how many of a code's last characters a batch keeps.
const hintLen = 4

func maskVoucher(hint string) string {
	return FormatVoucher(strings.Repeat("*", 10-len(hint)) + hint)
}

// voucherBatchKey is where a batch lives in the portal_events bucket.
func voucherBatchKey(id string) string { return "voucher-batch/" + id }

func (v VoucherSpec) validate() error {
	switch {
	case v.Count < 1 || v.Count > 1000:
		return fmt.Errorf("visitors: count: %d is not 1-1000", v.Count)
	case v.Duration < time.Minute || v.Duration > 31*24*time.Hour:
		return fmt.Errorf("visitors: duration: %v is not between 1m and 744h", v.Duration)
	case v.Uses < 1 || v.Uses > 1000:
		return fmt.Errorf("visitors: uses: %d is not 1-1000", v.Uses)
	case v.DataCapMB < 0:
		return errors.New("visitors: data-cap: must not be negative")
	case v.ValidDays < 0 || v.ValidDays > 366:
		return fmt.Errorf("visitors: valid-days: %d is not 0-366", v.ValidDays)
	case len(v.Note) > 200:
		return errors.New("visitors: note: longer than 200 characters")
	}
	return nil
}

// CreateVouchers makes a batch of voucher codes, each a credential of its
// own with the batch's plan, in one transaction.
func (s *Store) CreateVouchers(v VoucherSpec) (VoucherBatch, error) {
	if err := v.validate(); err != nil {
		return VoucherBatch{}, err
	}
	if v.ValidDays == 0 {
		v.ValidDays = 30
	}
	now := s.now().UTC()
	plan := hotspots.Plan{Name: "voucher", Kind: hotspots.PlanVoucher, SessionTimeout: int(v.Duration.Seconds()),
		DataCapMB: v.DataCapMB, BandwidthUpKbps: v.BandUpKbps, BandwidthDownKbps: v.BandDnKbps,
		IdleTimeout: 600, InterimInterval: 300}
	b := VoucherBatch{Duration: plan.SessionTimeout, Uses: v.Uses, DataCapMB: v.DataCapMB, Org: v.Org,
		Note: v.Note, CreatedBy: v.CreatedBy, ExpiresAt: now.AddDate(0, 0, v.ValidDays), Created: now}
	err := s.db.Update(func(tx *store.Tx) error {
		seq, err := tx.NextID(store.PortalEvents)
		if err != nil {
			return err
		}
		b.ID = fmt.Sprintf("vb-%d", seq)
		b.Codes, b.Names, b.Hints, b.Vouchers = nil, nil, nil, nil
		for len(b.Codes) < v.Count {
			code := randomString(codeAlphabet, 10)
			name := s.voucherName(code)
			if tx.Has(store.Visitors, name) || tx.Has(store.Credentials, name) {
				continue
			}
			c := Credential{Username: name, Kind: KindVoucher, SecretSealed: s.Seal(randomString(secretAlphabet, 20)),
				ExpiresAt: b.ExpiresAt, UsesLeft: v.Uses, Plan: &plan, Org: v.Org, Created: now}
			if err := tx.Put(store.Credentials, name, c); err != nil {
				return err
			}
			b.Codes = append(b.Codes, code)
			b.Names = append(b.Names, name)
			b.Hints = append(b.Hints, code[len(code)-hintLen:])
			b.Vouchers = append(b.Vouchers, VoucherState{Masked: maskVoucher(b.Hints[len(b.Hints)-1]), UsesLeft: v.Uses, Status: "usable"})
		}
		return tx.Put(store.PortalEvents, voucherBatchKey(b.ID), b)
	})
	if err != nil {
		return VoucherBatch{}, fmt.Errorf("visitors: vouchers: %w", err)
	}
	return b, nil
}

// VoucherBatchByID returns a batch with the state of each of its codes,
// but not the codes.
func (s *Store) VoucherBatchByID(id string) (VoucherBatch, error) {
	var b VoucherBatch
	now := s.now()
	err := s.db.View(func(tx *store.Tx) error {
		if err := tx.Get(store.PortalEvents, voucherBatchKey(id), &b); err != nil {
			return err
		}
		return fillVoucherStates(tx, &b, now)
	})
	if errors.Is(err, store.ErrNotFound) {
		return b, fmt.Errorf("visitors: no voucher batch %q", id)
	}
	return b, err
}

// fillVoucherStates reads the state of each code of b.
func fillVoucherStates(tx *store.Tx, b *VoucherBatch, now time.Time) error {
	for i, name := range b.Names {
		st := VoucherState{Status: "deleted"}
		if i < len(b.Hints) {
			st.Masked = maskVoucher(b.Hints[i])
		}
		var c Credential
		switch err := tx.Get(store.Credentials, name, &c); {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			st.UsesLeft, st.Status = c.UsesLeft, voucherStatus(c.Usable(now))
		}
		b.Vouchers = append(b.Vouchers, st)
	}
	return nil
}

func voucherStatus(usable error) string {
	switch {
	case usable == nil:
		return "usable"
	case errors.Is(usable, ErrUsedUp):
		return "used_up"
	case errors.Is(usable, ErrExpired):
		return "expired"
	case errors.Is(usable, ErrDisabled):
		return "disabled"
	}
	return usable.Error()
}

// NormalizeVoucher turns what a visitor typed ("abcd-efgh 23") into a code.
func NormalizeVoucher(typed string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(codeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", fmt.Errorf("visitors: voucher: %q is not a voucher character", r)
		}
	}
	if b.Len() != 10 {
		return "", errors.New("visitors: voucher: a code has 10 characters")
	}
	return b.String(), nil
}

// Voucher returns a usable voucher by code (as NormalizeVoucher gives
// it); its Username is the voucher's stored name, which the portal logs
// on with.
func (s *Store) Voucher(code string) (Credential, error) {
	c, err := s.Get(s.voucherName(code))
	if err != nil {
		return c, err
	}
	if c.Kind != KindVoucher {
		return c, ErrUnknown
	}
	return c, c.Usable(s.now())
}

// FormatVoucher prints a code in groups for reading aloud: ABCDE-FGH23.
func FormatVoucher(code string) string {
	if len(code) != 10 {
		return code
	}
	return code[:5] + "-" + code[5:]
}

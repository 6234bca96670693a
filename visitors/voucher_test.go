package visitors

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCreateVouchers(t *testing.T) {
	s := newTestStore(t)
	b, err := s.CreateVouchers(VoucherSpec{Count: 5, Duration: time.Hour, Uses: 2, DataCapMB: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Codes) != 5 {
		t.Fatalf("%d codes", len(b.Codes))
	}
	c, err := s.Voucher(b.Codes[0])
	if err != nil || c.UsesLeft != 2 || c.Plan == nil || c.Plan.SessionTimeout != 3600 || c.Plan.DataCapMB != 500 {
		t.Fatalf("voucher %+v, %v", c, err)
	}
	if err := c.Plan.Validate(); err != nil {
		t.Fatalf("voucher plan invalid: %v", err)
	}
	typed := strings.ToLower(FormatVoucher(b.Codes[1]))
	if code, err := NormalizeVoucher(typed); err != nil || code != b.Codes[1] {
		t.Fatalf("NormalizeVoucher(%q) = %q, %v", typed, code, err)
	}
	again, err := s.VoucherBatchByID(b.ID)
	if err != nil || len(again.Codes) != 0 || len(again.Vouchers) != 5 {
		t.Fatalf("batch %+v, %v", again, err)
	}
	for _, bad := range []VoucherSpec{{Count: 0, Duration: time.Hour, Uses: 1}, {Count: 1, Duration: time.Second, Uses: 1}, {Count: 1, Duration: time.Hour}} {
		if _, err := s.CreateVouchers(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if _, err := s.Voucher("ZZZZZZZZZZ"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := NormalizeVoucher("ABC"); err == nil {
		t.Fatal("short code accepted")
	}
}

// Codes are stored as keyed hashes: the database file holds no code, in
// any form, yet a code finds its voucher; read back, a batch shows each
// code masked, with its state.
func TestVoucherCodesAreNotStored(t *testing.T) {
	s := newTestStore(t)
	b, err := s.CreateVouchers(VoucherSpec{Count: 20, Duration: time.Hour, Uses: 1})
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if _, err := s.db.Backup(&file); err != nil {
		t.Fatal(err)
	}
	for _, code := range b.Codes {
		for _, form := range []string{code, FormatVoucher(code), strings.ToLower(code)} {
			if bytes.Contains(file.Bytes(), []byte(form)) {
				t.Fatalf("the database holds code %s", form)
			}
		}
	}
	// The name is an HMAC of the code under the key derived for vouchers,
	// as internal/store's schema 4 migration computes it.
	m := hmac.New(sha256.New, s.sealer.Key("visitors voucher"))
	m.Write([]byte(b.Codes[0]))
	want := "vc-" + hex.EncodeToString(m.Sum(nil)[:16])
	c, err := s.Voucher(b.Codes[0])
	if err != nil || c.Username != want || b.Names[0] != want {
		t.Fatalf("voucher %q (batch names %q), %v; want name %s", c.Username, b.Names[0], err, want)
	}
	if err := s.Consume(c.Username); err != nil {
		t.Fatal(err)
	}
	again, err := s.VoucherBatchByID(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	first, second := again.Vouchers[0], again.Vouchers[1]
	if first.Masked != "*****-*"+b.Codes[0][6:] || first.Status != "used_up" || first.UsesLeft != 0 ||
		second.Status != "usable" || second.UsesLeft != 1 {
		t.Fatalf("states %+v, %+v (codes %s, %s)", first, second, b.Codes[0], b.Codes[1])
	}
	if _, err := s.Voucher(b.Codes[0]); !errors.Is(err, ErrUsedUp) {
		t.Fatalf("spent voucher: %v", err)
	}
}

package visitors

import (
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
	if err != nil || len(again.Codes) != 5 {
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

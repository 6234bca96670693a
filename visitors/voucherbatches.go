package visitors

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// VoucherSummary counts a batch's codes by status.
type VoucherSummary struct {
	Codes, Usable, Used, UsedUp, Expired, Disabled int
}

// Summary counts b's codes by their state; Used counts codes logged on
// with at least once.
func (b VoucherBatch) Summary() VoucherSummary {
	s := VoucherSummary{Codes: len(b.Vouchers)}
	for _, v := range b.Vouchers {
		if v.UsesLeft < b.Uses {
			s.Used++
		}
		switch v.Status {
		case "usable":
			s.Usable++
		case "used_up":
			s.UsedUp++
		case "expired":
			s.Expired++
		case "disabled", "deleted":
			s.Disabled++
		}
	}
	return s
}

// ListVoucherBatches returns the newest batches of the organisations
// mayRead accepts, at most limit, with each code's state.
func (s *Store) ListVoucherBatches(mayRead func(org string) bool, limit int) ([]VoucherBatch, error) {
	var out []VoucherBatch
	now := s.now()
	err := s.db.View(func(tx *store.Tx) error {
		bs, err := store.List(tx, store.PortalEvents, store.Query[VoucherBatch]{Prefix: voucherBatchKey(""),
			Keep: func(b *VoucherBatch) bool { return mayRead(b.Org) }})
		if err != nil {
			return err
		}
		sort.Slice(bs, func(i, j int) bool { return bs[i].Created.After(bs[j].Created) })
		out = bs[:min(len(bs), limit)]
		for i := range out {
			if err := fillVoucherStates(tx, &out[i], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("visitors: voucher batches: %w", err)
	}
	return out, nil
}

// RevokeVoucherBatch disables every code of batch id that is still
// stored, so none logs on again, and records who revoked it. It answers
// how many codes it disabled; a second revoke disables none.
func (s *Store) RevokeVoucherBatch(id, by string) (int, error) {
	n := 0
	err := s.db.Update(func(tx *store.Tx) error {
		var b VoucherBatch
		if err := tx.Get(store.PortalEvents, voucherBatchKey(id), &b); err != nil {
			return err
		}
		for _, name := range b.Names {
			var c Credential
			switch err := tx.Get(store.Credentials, name, &c); {
			case errors.Is(err, store.ErrNotFound):
				continue
			case err != nil:
				return err
			}
			if c.Disabled || !strings.HasPrefix(name, voucherPrefix) {
				continue
			}
			c.Disabled = true
			if err := tx.Put(store.Credentials, name, c); err != nil {
				return err
			}
			n++
		}
		if b.Revoked.IsZero() {
			b.Revoked, b.RevokedBy = s.now().UTC().Truncate(time.Second), by
		}
		return tx.Put(store.PortalEvents, voucherBatchKey(id), b)
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("visitors: no voucher batch %q", id)
	}
	if err != nil {
		return 0, fmt.Errorf("visitors: revoke %s: %w", id, err)
	}
	return n, nil
}

package visitors

import (
	"fmt"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// purgeChunk bounds the records one purge transaction deletes.
const purgeChunk = 1000

// purge deletes the records of bucket under prefix that old accepts, in
// chunks of purgeChunk (a short read, then a short write each), and
// returns how many. old's stop, when true, ends the scan at that key (for
// keys that sort by time).
func (s *Store) purge(what, bucket, prefix string, old func(key string, dec func(any) error) (del, stop bool, err error)) (int, error) {
	total, from := 0, prefix
	for {
		var keys []string
		next := ""
		err := s.db.View(func(tx *store.Tx) error {
			return tx.ScanFrom(bucket, prefix, from, func(k string, dec func(any) error) (bool, error) {
				if len(keys) == purgeChunk {
					next = k
					return false, nil
				}
				del, stop, err := old(k, dec)
				if del {
					keys = append(keys, k)
				}
				return !stop, err
			})
		})
		if err == nil && len(keys) > 0 {
			err = s.db.Update(func(tx *store.Tx) error {
				for _, k := range keys {
					if err := tx.Delete(bucket, k); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err != nil {
			return total, fmt.Errorf("visitors: purge %s: %w", what, err)
		}
		total += len(keys)
		if next == "" {
			return total, nil
		}
		from = next
	}
}

// expiredBefore accepts records whose expires_at is set and before cutoff.
func expiredBefore(cutoff time.Time) func(string, func(any) error) (bool, bool, error) {
	return func(_ string, dec func(any) error) (bool, bool, error) {
		var r struct {
			ExpiresAt time.Time `json:"expires_at"`
		}
		if err := dec(&r); err != nil {
			return false, true, err
		}
		return !r.ExpiresAt.IsZero() && r.ExpiresAt.Before(cutoff), false, nil
	}
}

// PurgeDevices forgets the remembered devices that expired before cutoff
// (a device remembered without expiry stays until the visitor forgets it).
func (s *Store) PurgeDevices(cutoff time.Time) (int, error) {
	return s.purge("devices", store.Devices, "", expiredBefore(cutoff))
}

// PurgeCodes deletes the sign-up and reset codes that expired before
// cutoff and were never used: they hold the contact they were sent to.
func (s *Store) PurgeCodes(cutoff time.Time) (int, error) {
	return s.purge("codes", store.PortalEvents, "otp/", expiredBefore(cutoff))
}

// PurgeAllowances deletes the per-device daily counts of free sessions
// for days (Hong Kong time) that ended before cutoff.
func (s *Store) PurgeAllowances(cutoff time.Time) (int, error) {
	keep := cutoff.In(hkZone).Format("2006-01-02")
	return s.purge("allowances", store.Allowances, "portal/", func(k string, _ func(any) error) (bool, bool, error) {
		day := k[max(0, len(k)-len("2006-01-02")):]
		return day < keep, false, nil
	})
}

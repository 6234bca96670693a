package telemetry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/internal/store"
)

// Bucket is 5 minutes of one AP's or one venue's traffic.
type Bucket struct {
	Start   time.Time `json:"start"`
	Reports int       `json:"reports"`
	// APs that reported into a venue bucket.
	APs []string `json:"aps,omitempty"`
	// ClientsMax is the largest per-report client count; ClientsAvg the
	// mean number of clients (summed over a venue's APs).
	ClientsMax  int     `json:"clients_max"`
	ClientsAvg  float64 `json:"clients_avg"`
	ClientSum   int     `json:"client_sum"`
	BytesUp     uint64  `json:"bytes_up"`
	BytesDown   uint64  `json:"bytes_down"`
	PacketsUp   uint64  `json:"packets_up"`
	PacketsDown uint64  `json:"packets_down"`
}

func apSeriesKey(apID string, t time.Time) string {
	return "ap/" + apID + "/" + store.SeqKey(uint64(t.Unix()))
}

func venueSeriesKey(venue string, t time.Time) string {
	return "venue/" + venue + "/" + store.SeqKey(uint64(t.Unix()))
}

// addToBucket adds a report's figures to the bucket at key; apID is set
// for venue buckets.
func addToBucket(tx *store.Tx, key string, start time.Time, apID string, r *wire.APStats) error {
	var b Bucket
	if err := tx.Get(store.Series, key, &b); err != nil && err != store.ErrNotFound {
		return err
	}
	b.Start = start
	b.Reports++
	if apID != "" && !slices.Contains(b.APs, apID) {
		b.APs = append(b.APs, apID)
	}
	b.ClientsMax = max(b.ClientsMax, r.ClientsInterval)
	b.ClientSum = int(min(addSat(uint64(max(b.ClientSum, 0)), uint64(max(r.ClientsInterval, 0))), math.MaxInt))
	n := 1
	if len(b.APs) > 0 {
		n = len(b.APs)
	}
	b.ClientsAvg = float64(b.ClientSum) * float64(n) / float64(b.Reports)
	b.BytesUp = addSat(b.BytesUp, r.BytesUp)
	b.BytesDown = addSat(b.BytesDown, r.BytesDown)
	b.PacketsUp = addSat(b.PacketsUp, r.PacketsUp)
	b.PacketsDown = addSat(b.PacketsDown, r.PacketsDown)
	return tx.Put(store.Series, key, &b)
}

// addSat returns a+b, or the largest uint64 where that would wrap: the
// totals built from reports stop at their ceiling rather than start again
// from a small number. (DecodeReport's bounds keep any one report far
// below it.)
func addSat(a, b uint64) uint64 {
	if s, carry := bits.Add64(a, b, 0); carry == 0 {
		return s
	}
	return math.MaxUint64
}

// APSeries returns an AP's buckets that start in [from, to).
func (s *Service) APSeries(apID string, from, to time.Time) ([]Bucket, error) {
	return s.series("ap/"+apID+"/", from, to)
}

// VenueSeries returns a venue's ("ORG/LOCATIONID") buckets in [from, to).
func (s *Service) VenueSeries(venue string, from, to time.Time) ([]Bucket, error) {
	return s.series("venue/"+venue+"/", from, to)
}

func (s *Service) series(prefix string, from, to time.Time) ([]Bucket, error) {
	out := []Bucket{}
	lo, hi := prefix+store.SeqKey(uint64(max(from.Unix(), 0))), prefix+store.SeqKey(uint64(max(to.Unix(), 0)))
	s.readBarrier()
	err := s.db.View(func(tx *store.Tx) error {
		list, err := store.List(tx, store.Series, store.Query[Bucket]{Prefix: prefix, From: lo, To: hi})
		out = append(out, list...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry: series: %w", err)
	}
	return out, nil
}

// Purge removes AP buckets older than APRetention, venue buckets older than
// VenueRetention, alerts older than AlertRetention and receipts older than
// ReceiptRetention. It returns how many records it removed.
//
// Series and receipts are purged AP by AP (and venue by venue) from the
// start of each one's keys, which follow time, up to the first young
// record: it reads what it deletes and one more record per AP, not the
// whole bucket. Buckets of a venue that no reporting AP belongs to any
// more are left alone.
func (s *Service) Purge(ctx context.Context) (int, error) {
	s.readBarrier() // the receipt floors it raises are read with every acknowledged report
	now := s.now()
	apCut, venueCut := now.Add(-s.cfg.APRetention), now.Add(-s.cfg.VenueRetention)
	receiptCut := now.Add(-s.cfg.ReceiptRetention)
	n, err := s.purgeEach(ctx, s.knownAPs(), func(tx *store.Tx, id string) (int, error) {
		k, err := purgeAPReceipts(tx, id, receiptCut)
		if err != nil {
			return k, err
		}
		m, err := purgeBefore(tx, "ap/"+id+"/", apCut)
		return k + m, err
	})
	if err != nil {
		return n, err
	}
	m, err := s.purgeEach(ctx, s.knownVenues(), func(tx *store.Tx, venue string) (int, error) {
		return purgeBefore(tx, "venue/"+venue+"/", venueCut)
	})
	n += m
	if err != nil {
		return n, err
	}
	m, err = s.purgeAlerts(now.Add(-s.cfg.AlertRetention))
	return n + m, err
}

// purgeBefore deletes the series buckets under prefix that start before cut.
func purgeBefore(tx *store.Tx, prefix string, cut time.Time) (int, error) {
	young := prefix + store.SeqKey(uint64(max(cut.Unix(), 0)))
	var old []string
	err := tx.Scan(store.Series, prefix, func(k string, _ func(any) error) (bool, error) {
		if k >= young {
			return false, nil
		}
		old = append(old, k)
		return true, nil
	})
	for _, k := range old {
		if err == nil {
			err = tx.Delete(store.Series, k)
		}
	}
	return len(old), err
}

// purgeAlerts deletes the alerts raised before cut.
func (s *Service) purgeAlerts(cut time.Time) (int, error) {
	var old []string
	err := s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Alerts, "", func(k string, dec func(any) error) (bool, error) {
			var a Alert
			if err := dec(&a); err != nil {
				return false, err
			}
			if !a.At.Before(cut) {
				return false, nil // keys follow time
			}
			old = append(old, k)
			return true, nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("telemetry: purge alerts: %w", err)
	}
	n := 0
	for i := 0; i < len(old); i += 5000 {
		chunk := old[i:min(i+5000, len(old))]
		err := s.db.Update(func(tx *store.Tx) error {
			for _, k := range chunk {
				if err := tx.Delete(store.Alerts, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("telemetry: purge alerts: %w", err)
		}
		n += len(chunk)
	}
	return n, nil
}

// purgeGroup is how many APs one retention transaction covers.
const purgeGroup = 500

// knownAPs returns the IDs of every AP that has reported, sorted.
func (s *Service) knownAPs() []string {
	s.mu.Lock()
	ids := make([]string, 0, len(s.status))
	for id := range s.status {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	sort.Strings(ids)
	return ids
}

// knownVenues returns the venues of every AP that has reported, sorted.
func (s *Service) knownVenues() []string {
	s.mu.Lock()
	seen := map[string]bool{}
	for _, ls := range s.status {
		if ls.venue != "" {
			seen[ls.venue] = true
		}
	}
	s.mu.Unlock()
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// purgeEach runs purge for every id, purgeGroup ids per transaction, and
// returns how many records it removed.
func (s *Service) purgeEach(ctx context.Context, ids []string, purge func(*store.Tx, string) (int, error)) (int, error) {
	n := 0
	for i := 0; i < len(ids); i += purgeGroup {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		group := ids[i:min(i+purgeGroup, len(ids))]
		removed := 0
		err := s.db.Update(func(tx *store.Tx) error {
			removed = 0
			for _, id := range group {
				k, err := purge(tx, id)
				if err != nil {
					return fmt.Errorf("%s: %w", id, err)
				}
				removed += k
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("telemetry: purge: %w", err)
		}
		n += removed
	}
	return n, nil
}

// purgeAPReceipts forgets the AP's receipts whose run last grew before cut,
// raising its receipt floor over them.
func purgeAPReceipts(tx *store.Tx, apID string, cut time.Time) (int, error) {
	var st Status
	if err := tx.Get(store.APStatus, apID, &st); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil // no floor to raise: keep its receipts
		}
		return 0, err
	}
	rc, err := loadReceipts(tx, apID)
	if err != nil {
		return 0, err
	}
	before := len(rc.runs)
	floor, err := rc.forget(tx, func(r receipt) bool { return r.At.Before(cut) })
	if err != nil || floor <= st.ReceiptFloor {
		return before - len(rc.runs), err
	}
	st.ReceiptFloor = floor
	return before - len(rc.runs), tx.Put(store.APStatus, apID, &st)
}

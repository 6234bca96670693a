package telemetry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
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

// addToBucket adds r to the bucket at key; apID is set for venue buckets.
func addToBucket(tx *store.Tx, key string, start time.Time, apID string, r *wire.Report) error {
	var b Bucket
	if err := tx.Get(store.Series, key, &b); err != nil && err != store.ErrNotFound {
		return err
	}
	b.Start = start
	b.Reports++
	if apID != "" && !slices.Contains(b.APs, apID) {
		b.APs = append(b.APs, apID)
	}
	b.ClientsMax = max(b.ClientsMax, r.AP.ClientsInterval)
	b.ClientSum += r.AP.ClientsInterval
	n := 1
	if len(b.APs) > 0 {
		n = len(b.APs)
	}
	b.ClientsAvg = float64(b.ClientSum) * float64(n) / float64(b.Reports)
	b.BytesUp += r.AP.BytesUp
	b.BytesDown += r.AP.BytesDown
	b.PacketsUp += r.AP.PacketsUp
	b.PacketsDown += r.AP.PacketsDown
	return tx.Put(store.Series, key, &b)
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
	err := s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Series, prefix, func(k string, dec func(any) error) (bool, error) {
			if k < lo {
				return true, nil
			}
			if k >= hi {
				return false, nil
			}
			var b Bucket
			if err := dec(&b); err != nil {
				return false, err
			}
			out = append(out, b)
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry: series: %w", err)
	}
	return out, nil
}

// Purge removes AP buckets older than APRetention, venue buckets older than
// VenueRetention, alerts older than AlertRetention and receipts older than
// ReceiptRetention. It returns how many records it removed.
func (s *Service) Purge(ctx context.Context) (int, error) {
	now := s.now()
	receipts, err := s.purgeReceipts(ctx, now.Add(-s.cfg.ReceiptRetention))
	if err != nil {
		return receipts, err
	}
	apCut := now.Add(-s.cfg.APRetention).Unix()
	venueCut := now.Add(-s.cfg.VenueRetention).Unix()
	var old []string
	err = s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Series, "", func(k string, _ func(any) error) (bool, error) {
			cut := apCut
			if strings.HasPrefix(k, "venue/") {
				cut = venueCut
			}
			if i := strings.LastIndexByte(k, '/'); i >= 0 {
				if t, err := strconv.ParseUint(k[i+1:], 16, 64); err == nil && int64(t) < cut {
					old = append(old, k)
				}
			}
			return ctx.Err() == nil, ctx.Err()
		})
	})
	if err != nil {
		return 0, fmt.Errorf("telemetry: purge: %w", err)
	}
	alertCut := now.Add(-s.cfg.AlertRetention)
	var oldAlerts []string
	err = s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Alerts, "", func(k string, dec func(any) error) (bool, error) {
			var a Alert
			if err := dec(&a); err != nil {
				return false, err
			}
			if !a.At.Before(alertCut) {
				return false, nil // keys follow time
			}
			oldAlerts = append(oldAlerts, k)
			return true, nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("telemetry: purge: %w", err)
	}
	n := receipts
	for _, batch := range []struct {
		bucket string
		keys   []string
	}{{store.Series, old}, {store.Alerts, oldAlerts}} {
		for i := 0; i < len(batch.keys); i += 5000 {
			chunk := batch.keys[i:min(i+5000, len(batch.keys))]
			err := s.db.Update(func(tx *store.Tx) error {
				for _, k := range chunk {
					if err := tx.Delete(batch.bucket, k); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return n, fmt.Errorf("telemetry: purge: %w", err)
			}
			n += len(chunk)
		}
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

// purgeReceipts forgets, AP by AP, the receipts whose run last grew before
// cut, raising each AP's receipt floor over them.
func (s *Service) purgeReceipts(ctx context.Context, cut time.Time) (int, error) {
	ids := s.knownAPs()
	n := 0
	for i := 0; i < len(ids) && ctx.Err() == nil; i += purgeGroup {
		group := ids[i:min(i+purgeGroup, len(ids))]
		removed := 0
		err := s.db.Update(func(tx *store.Tx) error {
			removed = 0
			for _, id := range group {
				k, err := purgeAPReceipts(tx, id, cut)
				if err != nil {
					return err
				}
				removed += k
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("telemetry: purge receipts: %w", err)
		}
		n += removed
	}
	return n, ctx.Err()
}

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

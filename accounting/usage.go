package accounting

import (
	"context"
	"sync"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// Usage sums the accounting sessions per NAS for the coverage views (the
// registry's /api/v1/coverage and the console): sessions open now, and the
// distinct devices and bytes of the sessions active since the start of the
// day. A session that began before midnight counts all its bytes. It reads
// every session, so it keeps each answer for TTL.
type Usage struct {
	Sessions *Store
	TTL      time.Duration // default 1 minute

	mu    sync.Mutex
	at    time.Time
	since time.Time
	last  map[string]hotspots.NASUsage
}

var _ hotspots.UsageSource = (*Usage)(nil)

// UsageByNAS implements hotspots.UsageSource.
func (u *Usage) UsageByNAS(_ context.Context, since time.Time) (map[string]hotspots.NASUsage, error) {
	ttl := u.TTL
	if ttl == 0 {
		ttl = time.Minute
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last != nil && u.since.Equal(since) && time.Since(u.at) < ttl {
		return u.last, nil
	}
	all, err := u.Sessions.List(false, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]hotspots.NASUsage{}
	devices := map[string]map[string]bool{}
	for _, s := range all {
		if !s.Open && s.Updated.Before(since) {
			continue
		}
		n := out[s.NAS]
		if s.Open {
			n.OpenSessions++
		}
		n.AddBytes(s.Octets())
		dev := s.MAC
		if dev == "" {
			dev = "user:" + s.Username
		}
		if devices[s.NAS] == nil {
			devices[s.NAS] = map[string]bool{}
		}
		devices[s.NAS][dev] = true
		n.DevicesToday = len(devices[s.NAS])
		out[s.NAS] = n
	}
	u.at, u.since, u.last = time.Now(), since, out
	return out, nil
}

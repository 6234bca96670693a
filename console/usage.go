package console

import (
	"context"
	"sync"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// SessionUsage derives each NAS's usage for the coverage table from the
// accounting sessions: open sessions now, and the distinct devices and the
// bytes of the sessions active since the start of the day. A session that
// began before midnight counts all its bytes. It reads every session, so
// it caches the answer for a minute; it stands in until internal/sessions
// keeps usage per NAS and day itself.
type SessionUsage struct {
	Sessions Sessions
	TTL      time.Duration // default 1 minute

	mu    sync.Mutex
	at    time.Time
	since time.Time
	last  map[string]hotspots.NASUsage
}

var _ hotspots.UsageSource = (*SessionUsage)(nil)

// UsageByNAS implements hotspots.UsageSource.
func (u *SessionUsage) UsageByNAS(ctx context.Context, since time.Time) (map[string]hotspots.NASUsage, error) {
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
		n.BytesToday += int64(s.InputOctets + s.OutputOctets)
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

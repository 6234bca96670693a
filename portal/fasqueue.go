package portal

import (
	"slices"
	"sync"
	"time"

	"github.com/wifihk/wifihk/accounting"
)

// fasQueue holds the grants waiting for each openNDS gateway's authmon,
// by NAS ID and RHID, until authmon acknowledges them. It lives in this
// node's memory: the visitor and the gateway's authmon must reach the
// same node.
type fasQueue struct {
	mu sync.Mutex
	m  map[string]map[string]fasPending
}

type fasPending struct {
	auth  FASAuth
	start accounting.Update // the session's Start, once authmon applies auth
	added time.Time
}

const (
	// fasPendingTTL drops a grant that no authmon took: the gateway is
	// down or polls another node.
	fasPendingTTL = 5 * time.Minute
	// fasPendingMax bounds one gateway's queue.
	fasPendingMax = 1000
	// authListMax is what authmon reads of a list after "* ".
	authListMax = 1024
	// authmonStartup is how long authmon waits after openNDS starts
	// before it clears the queue: grants made meanwhile are for clients
	// of the new openNDS and are kept.
	authmonStartup = 15 * time.Second
)

// add queues a grant; false means the gateway's queue is full (its
// authmon takes nothing).
func (q *fasQueue) add(nas string, a FASAuth, start accounting.Update, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.m == nil {
		q.m = map[string]map[string]fasPending{}
	}
	g := q.m[nas]
	if g == nil {
		g = map[string]fasPending{}
		q.m[nas] = g
	}
	q.expire(g, now)
	if len(g) >= fasPendingMax {
		return false
	}
	g[a.RHID] = fasPending{a, start, now}
	return true
}

// expire drops stale grants; the caller holds mu.
func (q *fasQueue) expire(g map[string]fasPending, now time.Time) {
	for k, p := range g {
		if now.Sub(p.added) > fasPendingTTL {
			delete(g, k)
		}
	}
}

// list is the oldest waiting grants, as many as authmon reads at once.
func (q *fasQueue) list(nas string, now time.Time) []FASAuth {
	q.mu.Lock()
	defer q.mu.Unlock()
	g := q.m[nas]
	q.expire(g, now)
	ps := make([]fasPending, 0, len(g))
	for _, p := range g {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b fasPending) int { return a.added.Compare(b.added) })
	var out []FASAuth
	for _, p := range ps {
		if len(AuthList(append(out, p.auth))) > authListMax+2 {
			break
		}
		out = append(out, p.auth)
	}
	return out
}

// take is list, and the grants listed leave the queue as acknowledged
// (auth_get=list): it returns their sessions' Starts too.
func (q *fasQueue) take(nas string, now time.Time) ([]FASAuth, []accounting.Update) {
	out := q.list(nas, now)
	rhids := make([]string, len(out))
	for i, a := range out {
		rhids[i] = a.RHID
	}
	return out, q.ack(nas, rhids)
}

// ack drops the grants authmon applied and returns their sessions'
// Starts.
func (q *fasQueue) ack(nas string, rhids []string) []accounting.Update {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []accounting.Update
	for _, r := range rhids {
		if p, ok := q.m[nas][r]; ok {
			delete(q.m[nas], r)
			out = append(out, p.start)
		}
	}
	return out
}

// clear drops the grants queued before t.
func (q *fasQueue) clear(nas string, t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, p := range q.m[nas] {
		if p.added.Before(t) {
			delete(q.m[nas], k)
		}
	}
}

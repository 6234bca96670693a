package hotspots

import "sync"

// tokenMemo remembers the AP of each agent token the store last vouched
// for, so that while the store is unreachable an AP's reports are still
// taken (and journaled) rather than refused. Its answer is only ever the
// store's last one: a token the store refuses is forgotten at once.
type tokenMemo struct {
	mu sync.Mutex
	m  map[string]AP // by token hash
}

// maxTokenMemo bounds the memo: beyond it, it starts again empty.
const maxTokenMemo = 1 << 18

func (t *tokenMemo) put(hash string, ap AP) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil || len(t.m) >= maxTokenMemo {
		t.m = map[string]AP{}
	}
	t.m[hash] = ap
}

func (t *tokenMemo) drop(hash string) {
	t.mu.Lock()
	delete(t.m, hash)
	t.mu.Unlock()
}

func (t *tokenMemo) get(hash string) (AP, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ap, ok := t.m[hash]
	return ap, ok
}

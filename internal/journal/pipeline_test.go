package journal

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The pipeline's tests run it over a store in memory: a request is a
// value to store, a record the values of one group, and applying a record
// adds its values to a set (idempotent, as Apply must be).

type req struct {
	val string
	seq uint64
	err error
}

type memStore struct {
	mu    sync.Mutex
	vals  map[string]bool
	last  uint64
	calls int // Apply calls
	recs  int // records applied
	fail  int // fail this many Apply calls
}

func newMemStore() *memStore { return &memStore{vals: map[string]bool{}} }

func (m *memStore) apply(recs [][]string, last uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail > 0 {
		m.fail--
		return errors.New("store unavailable")
	}
	for _, r := range recs {
		for _, v := range r {
			m.vals[v] = true
		}
	}
	m.recs += len(recs)
	if last > 0 {
		m.last = last
	}
	return nil
}

func (m *memStore) applied() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, nil
}

func (m *memStore) has(v string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.vals[v]
}

// snapshot is the store's state now, as a crash would leave it.
func (m *memStore) snapshot() *memStore {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &memStore{vals: maps.Clone(m.vals), last: m.last}
}

func encodeVals(b []byte, vals []string) ([]byte, error) {
	return append(b, strings.Join(vals, "\n")...), nil
}

func decodeVals(body []byte) ([]string, error) {
	if bytes.HasPrefix(body, []byte{0xff}) {
		return nil, errors.New("not a record this test wrote")
	}
	return strings.Split(string(body), "\n"), nil
}

type memPipeline = Pipeline[*req, []string]

// openMem opens a pipeline over st with its journal at path (none if
// empty); tune changes the config first. It is closed when the test ends.
func openMem(t *testing.T, path string, st *memStore, tune func(*Config[*req, []string])) *memPipeline {
	t.Helper()
	var p *memPipeline
	cfg := Config[*req, []string]{
		Path: path,
		Commit: func(group []*req) {
			vals := make([]string, len(group))
			for i, r := range group {
				vals[i] = r.val
			}
			seq, err := p.Append(vals)
			for _, r := range group {
				r.seq, r.err = seq, err
			}
		},
		Encode: encodeVals, Decode: decodeVals, Apply: st.apply, Applied: st.applied,
		Weight: func(r []string) int { return len(r) },
	}
	if tune != nil {
		tune(&cfg)
	}
	var err error
	p, err = OpenPipeline(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// held holds the applier back (it writes nothing unless a reader waits),
// as when the process is killed before the applier gets to run.
func held(c *Config[*req, []string]) { c.Delay = time.Hour }

func do(t *testing.T, p *memPipeline, val string) *req {
	t.Helper()
	r := &req{val: val}
	if err := p.Do(r); err != nil || r.err != nil {
		t.Fatalf("%s: %v, %v", val, err, r.err)
	}
	return r
}

// doAll stores values prefix0 … prefix<n-1>, one group each.
func doAll(t *testing.T, p *memPipeline, prefix string, n int) {
	t.Helper()
	for i := range n {
		do(t, p, fmt.Sprint(prefix, i))
	}
}

// records reads the journal file's records.
func records(t *testing.T, path string) []Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// crash copies what is on disk now, the journal's bytes (less cut bytes
// torn off its end) and the store's state, as a process killed now leaves
// them, for a pipeline opened on the copy.
func crash(t *testing.T, path string, st *memStore, cut int) (string, *memStore) {
	t.Helper()
	snap := st.snapshot() // before the journal: the journal holds whatever was applied since
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(copyPath, data[:len(data)-cut], 0o600); err != nil {
		t.Fatal(err)
	}
	return copyPath, snap
}

func TestPipelineAcknowledgedIsOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, held)
	for i := 1; i <= 3; i++ {
		r := do(t, p, fmt.Sprint("v", i))
		recs := records(t, path)
		if r.seq != uint64(i) || len(recs) != i || recs[i-1].Seq != r.seq || string(recs[i-1].Body) != r.val {
			t.Fatalf("after acknowledging %s (seq %d) the journal holds %+v", r.val, r.seq, recs)
		}
	}
	if st.has("v1") {
		t.Fatal("the held applier wrote; the test proves nothing")
	}
	p.Barrier()
	if !st.has("v1") || !st.has("v3") || st.last != 3 || p.LastApplied() != 3 {
		t.Fatalf("after Barrier: %v, last %d / %d", st.vals, st.last, p.LastApplied())
	}
}

// TestPipelineGroupCommit: what queues up while a group is committed is
// the next group, one record, at most MaxGroup requests.
func TestPipelineGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	entered, gate := make(chan struct{}), make(chan struct{})
	var groups []int
	p := openMem(t, path, st, func(c *Config[*req, []string]) {
		c.MaxGroup = 4
		commit := c.Commit
		c.Commit = func(group []*req) {
			if groups = append(groups, len(group)); len(groups) == 1 {
				close(entered)
				<-gate
			}
			commit(group)
		}
	})
	first, err := p.Submit(&req{val: "first"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	var tickets []Ticket
	for i := range 9 {
		tk, err := p.Submit(&req{val: fmt.Sprint("v", i)})
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk)
	}
	close(gate)
	for _, tk := range append(tickets, first) {
		if err := tk.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(groups, []int{1, 4, 4, 1}) {
		t.Fatalf("groups %v, want [1 4 4 1]", groups)
	}
	recs := records(t, path)
	if len(recs) != 4 || string(recs[1].Body) != "v0\nv1\nv2\nv3" {
		t.Fatalf("records %+v", recs)
	}
	p.Barrier()
	if len(st.vals) != 10 {
		t.Fatalf("store holds %d values", len(st.vals))
	}
}

// TestPipelineCrashBeforeApply: every acknowledged record reaches only
// the journal before the "crash"; opening again applies them all, empties
// the journal, and carries on numbering after them. Replaying the same
// journal again onto the store that has it all changes nothing.
func TestPipelineCrashBeforeApply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, held)
	doAll(t, p, "v", 20)
	if st.calls != 0 {
		t.Fatal("the held applier wrote; the test proves nothing")
	}
	path2, st2 := crash(t, path, st, 0)
	journal, _ := os.ReadFile(path2)
	p2 := openMem(t, path2, st2, held)
	if len(st2.vals) != 20 || st2.last != 20 || st2.recs != 20 {
		t.Fatalf("after replay: %d values, last %d, %d records", len(st2.vals), st2.last, st2.recs)
	}
	if fi, err := os.Stat(path2); err != nil || fi.Size() != 0 {
		t.Fatalf("journal after replay: %v, %v", fi, err)
	}
	if r := do(t, p2, "next"); r.seq != 21 {
		t.Fatalf("the first record after replay is %d, want 21", r.seq)
	}
	if err := p2.Close(); err != nil {
		t.Fatal(err)
	}

	// The power goes after replay applied it but before it was emptied.
	if err := os.WriteFile(path2, journal, 0o600); err != nil {
		t.Fatal(err)
	}
	before := st2.snapshot()
	openMem(t, path2, st2, held)
	if !maps.Equal(st2.vals, before.vals) || st2.last != 21 {
		t.Fatalf("a second replay changed the store: %d values, last %d", len(st2.vals), st2.last)
	}
}

// TestPipelineReplaySkipsApplied: replay applies only the records after
// the last one the store noted.
func TestPipelineReplaySkipsApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, held)
	doAll(t, p, "a", 10)
	p.Barrier() // 1-10 in the store
	doAll(t, p, "b", 5)
	path2, st2 := crash(t, path, st, 0)
	if st2.last != 10 || len(st2.vals) != 10 {
		t.Fatalf("before the crash the store had %d values, last %d; the test proves nothing", len(st2.vals), st2.last)
	}
	openMem(t, path2, st2, held)
	if st2.recs != 5 || st2.last != 15 || len(st2.vals) != 15 {
		t.Fatalf("replay applied %d records, last %d, %d values; want 5, 15, 15", st2.recs, st2.last, len(st2.vals))
	}
}

// TestPipelineTornTail: a record cut short by a crash (never
// acknowledged) is not applied; the ones before it are, and the next
// record takes its number.
func TestPipelineTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, held)
	for i := 1; i <= 5; i++ {
		do(t, p, fmt.Sprint("v", i))
	}
	path2, st2 := crash(t, path, st, 3)
	p2 := openMem(t, path2, st2, held)
	if st2.last != 4 || !st2.has("v4") || st2.has("v5") {
		t.Fatalf("after replay of a torn tail: %v, last %d", st2.vals, st2.last)
	}
	if r := do(t, p2, "v5 again"); r.seq != 5 {
		t.Fatalf("seq %d after the torn record, want 5", r.seq)
	}
	p2.Barrier()
	if !st2.has("v5 again") {
		t.Fatal("the record after the torn tail was not applied")
	}
}

// TestPipelineUndecodableRecord: a record whose body does not decode ends
// replay, as a torn one does.
func TestPipelineUndecodableRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for seq, body := range []string{"v1", "\xffjunk", "v3"} {
		if err := j.Append(uint64(seq+1), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	st := newMemStore()
	openMem(t, path, st, held)
	if !st.has("v1") || st.has("v3") || st.last != 1 {
		t.Fatalf("after replay: %v, last %d", st.vals, st.last)
	}
}

// load runs clients that each store values until the pipeline refuses,
// and returns the values acknowledged so far (under mu) and a channel
// closed once n have been; stop waits for the clients to end.
type load struct {
	mu    sync.Mutex
	acked []string
	wg    sync.WaitGroup
	hit   chan struct{}
}

func startLoad(t *testing.T, p *memPipeline, clients, n int) *load {
	l := &load{hit: make(chan struct{})}
	for c := range clients {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				r := &req{val: fmt.Sprintf("c%d-%d", c, i)}
				err := p.Do(r)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil || r.err != nil {
					t.Errorf("%s: %v, %v", r.val, err, r.err)
					return
				}
				l.mu.Lock()
				if l.acked = append(l.acked, r.val); len(l.acked) == n {
					close(l.hit)
				}
				l.mu.Unlock()
			}
		})
	}
	return l
}

func (l *load) ackedNow() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.acked)
}

// TestPipelineCloseUnderLoad: Close while clients keep storing loses
// no acknowledged value, and refuses what comes after it.
func TestPipelineCloseUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, func(c *Config[*req, []string]) { c.Delay = time.Millisecond })
	l := startLoad(t, p, 16, 500)
	<-l.hit
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	l.wg.Wait()
	acked := l.ackedNow()
	for _, v := range acked {
		if !st.has(v) {
			t.Fatalf("%s was acknowledged but is not in the store after Close", v)
		}
	}
	if err := p.Do(&req{val: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
	p.Wait(1 << 40) // released by Close
	t.Logf("%d values acknowledged", len(acked))
}

// TestPipelineCrashUnderLoad: a crash while clients keep storing loses no
// acknowledged value: what the store lacks, replay applies.
func TestPipelineCrashUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, func(c *Config[*req, []string]) { c.Delay = time.Millisecond })
	l := startLoad(t, p, 16, 500)
	<-l.hit
	acked := l.ackedNow() // acknowledged before the crash copies anything
	path2, st2 := crash(t, path, st, 0)
	p.Close()
	l.wg.Wait()
	openMem(t, path2, st2, nil)
	for _, v := range acked {
		if !st2.has(v) {
			t.Fatalf("%s was acknowledged before the crash but is not in the store after replay", v)
		}
	}
}

// TestPipelineResetsJournal: past ResetAt the journal is emptied once
// the store has caught up, and what follows still replays.
func TestPipelineResetsJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, func(c *Config[*req, []string]) { held(c); c.ResetAt = 100 })
	for i := range 50 {
		do(t, p, fmt.Sprint("v", i))
		if fi, _ := os.Stat(path); fi.Size() > 100+header+8+3 {
			t.Fatalf("journal of %d bytes after record %d", fi.Size(), i+1)
		}
	}
	path2, st2 := crash(t, path, st, 0)
	openMem(t, path2, st2, nil)
	if len(st2.vals) != 50 || st2.last != 50 {
		t.Fatalf("after replay: %d values, last %d", len(st2.vals), st2.last)
	}
}

// TestPipelineApplyRetried: a failed Apply is tried again; the records
// wait in the journal meanwhile.
func TestPipelineApplyRetried(t *testing.T) {
	st := newMemStore()
	st.fail = 1
	p := openMem(t, filepath.Join(t.TempDir(), "j"), st, nil)
	do(t, p, "v")
	// Barrier does not wait through a failure (ErrBehind); poll instead.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		err := p.Barrier()
		if err == nil {
			break
		}
		if !errors.Is(err, ErrBehind) || time.Now().After(deadline) {
			t.Fatalf("Barrier: %v", err)
		}
	}
	if !st.has("v") || st.calls != 2 {
		t.Fatalf("after a failed apply: %v, %d calls", st.vals, st.calls)
	}
}

// TestPipelineWithoutJournal: with no Path, a record is in the store when
// it is acknowledged, and no sequence number is noted.
func TestPipelineWithoutJournal(t *testing.T) {
	st := newMemStore()
	p := openMem(t, "", st, nil)
	if r := do(t, p, "v"); !st.has("v") || r.seq != 0 || st.last != 0 {
		t.Fatalf("after Do: %v, seq %d, last %d", st.vals, r.seq, st.last)
	}
	p.Barrier()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Do(&req{val: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
}

// TestPipelineClosedBeforeUse: a pipeline closed before any request never
// starts its committer, and refuses requests.
func TestPipelineClosedBeforeUse(t *testing.T) {
	p := openMem(t, filepath.Join(t.TempDir(), "j"), newMemStore(), nil)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Submit(&req{val: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Close: %v", err)
	}
}

// TestPipelineDamagedJournal: a bad record with intact ones after it is
// damage, not a crash (only the last record can be torn): opening fails,
// naming the file and the offset, applies nothing and leaves the file
// byte for byte as it was, whichever byte of the record is flipped. A bad
// last record is a torn tail: it is trimmed and the others replayed. The
// accounting and telemetry journals are this pipeline.
func TestPipelineDamagedJournal(t *testing.T) {
	const n = 10
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, held)
	doAll(t, p, "v", n)
	path2, st2 := crash(t, path, st, 0)
	data, err := os.ReadFile(path2)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int // where each record starts, then the end
	off := 0
	for _, r := range records(t, path2) {
		offs = append(offs, off)
		off += header + 8 + len(r.Body)
	}
	offs = append(offs, off)
	if len(offs) != n+1 {
		t.Fatalf("%d records in the journal, want %d", len(offs)-1, n)
	}

	open := func(b []byte) (*memStore, error) {
		t.Helper()
		if err := os.WriteFile(path2, b, 0o600); err != nil {
			t.Fatal(err)
		}
		st := st2.snapshot()
		cfg := Config[*req, []string]{Path: path2, Commit: func([]*req) {},
			Encode: encodeVals, Decode: decodeVals, Apply: st.apply, Applied: st.applied}
		q, err := OpenPipeline(cfg)
		if err == nil {
			q.Close()
		}
		return st, err
	}

	mid := n / 2
	for off := offs[mid]; off < offs[mid+1]; off++ {
		bad := bytes.Clone(data)
		bad[off] ^= 0x20
		st, err := open(bad)
		if !errors.Is(err, ErrDamaged) {
			t.Fatalf("byte %d flipped: err %v, want ErrDamaged", off, err)
		}
		for _, want := range []string{path2, fmt.Sprintf("offset %d", offs[mid]), "README"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("byte %d flipped: %q does not say %q", off, err, want)
			}
		}
		if st.recs != 0 {
			t.Fatalf("byte %d flipped: %d records applied from a damaged journal", off, st.recs)
		}
		if got, _ := os.ReadFile(path2); !bytes.Equal(got, bad) {
			t.Fatalf("byte %d flipped: the damaged journal was changed (%d bytes, was %d)", off, len(got), len(bad))
		}
	}

	for _, off := range []int{offs[n-1], offs[n-1] + 5, offs[n-1] + header + 3, len(data) - 1} {
		bad := bytes.Clone(data)
		bad[off] ^= 0x20
		st, err := open(bad)
		if err != nil {
			t.Fatalf("last record's byte %d flipped: %v", off, err)
		}
		if st.last != n-1 || !st.has(fmt.Sprint("v", n-2)) || st.has(fmt.Sprint("v", n-1)) {
			t.Fatalf("last record's byte %d flipped: replayed to %d, want %d", off, st.last, n-1)
		}
	}
}

// TestSalvage: Salvage keeps every intact record of a damaged journal,
// before and after the damage, moves the damaged file aside untouched,
// and the pipeline then opens and replays all but the damaged record.
func TestSalvage(t *testing.T) {
	const n = 10
	path := filepath.Join(t.TempDir(), "j")
	st := newMemStore()
	p := openMem(t, path, st, held)
	doAll(t, p, "v", n)
	path2, st2 := crash(t, path, st, 3) // a torn tail too
	data, _ := os.ReadFile(path2)
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(path2, data, 0o600); err != nil {
		t.Fatal(err)
	}

	res, err := Salvage(path2)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Damaged || res.Kept != n-2 || res.Aside != path2+".damaged" || res.Skipped == 0 {
		t.Fatalf("salvaged %+v, want damaged, %d kept (less the damaged and the torn one)", res, n-2)
	}
	if aside, _ := os.ReadFile(res.Aside); !bytes.Equal(aside, data) {
		t.Fatal("the damaged journal was not kept as it was")
	}
	openMem(t, path2, st2, held)
	missing := 0
	for i := range n - 1 {
		if !st2.has(fmt.Sprint("v", i)) {
			missing++
		}
	}
	if missing != 1 || st2.last != n-1 {
		t.Fatalf("after salvage, %d of the first %d values missing, last %d; want 1 (the damaged record's), %d", missing, n-1, st2.last, n-1)
	}

	if res, err := Salvage(path2); err != nil || res.Damaged {
		t.Fatalf("salvaging an intact journal: %+v, %v", res, err)
	}
	if err := os.WriteFile(path2, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Salvage(path2); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("salvage over an earlier .damaged file: %v", err)
	}
}

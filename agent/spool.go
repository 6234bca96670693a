package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Spool keeps reports the controller has not acknowledged, one file per
// report named by its sequence number, and the sequence counter. Files are
// written atomically (temp file, fsync, rename, fsync dir), so a crash leaves
// either the whole report or none. The oldest reports are dropped when the
// spool outgrows its bounds. A Spool is used by one goroutine.
type Spool struct {
	dir      string
	maxBytes int64
	maxFiles int
	files    []spooled // oldest first
	bytes    int64
	dropped  uint64
	next     uint64 // next sequence number to hand out
	reserved uint64 // numbers below this are recorded as used in the seq file
	now      func() time.Time
}

type spooled struct {
	seq  uint64
	size int64
}

const (
	stateFile   = "seq"
	seqReserve  = 1000 // sequence numbers reserved per state write
	spoolPrefix = "r-"
	spoolSuffix = ".json.gz"
)

// OpenSpool opens (creating) the spool in dir.
func OpenSpool(dir string, maxBytes int64, maxFiles int) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("agent: spool: %w", err)
	}
	s := &Spool{dir: dir, maxBytes: maxBytes, maxFiles: maxFiles, now: time.Now}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("agent: spool: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".tmp-") {
			os.Remove(filepath.Join(dir, name)) // a write cut short by a crash
			continue
		}
		seq, ok := parseSpoolName(name)
		if !ok {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		s.files = append(s.files, spooled{seq, info.Size()})
		s.bytes += info.Size()
	}
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].seq < s.files[j].seq })
	if err := s.loadState(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Spool) loadState() error {
	raw, err := os.ReadFile(filepath.Join(s.dir, stateFile))
	var reserved uint64
	switch {
	case errors.Is(err, os.ErrNotExist):
		// A new AP, or one whose state was lost with a RAM disk: start from
		// the clock in milliseconds, above any number it can have used
		// before (it sends far fewer than 1000 reports a second).
		reserved = uint64(s.now().UnixMilli())
	case err != nil:
		return fmt.Errorf("agent: spool: %w", err)
	default:
		reserved, err = strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64)
		if err != nil || reserved == 0 {
			return fmt.Errorf("agent: spool: %s is corrupt (delete it to start a new sequence)", filepath.Join(s.dir, stateFile))
		}
	}
	s.next, s.reserved = reserved, reserved
	if n := len(s.files); n > 0 && s.files[n-1].seq >= s.next {
		s.next, s.reserved = s.files[n-1].seq+1, s.files[n-1].seq+1
	}
	return nil
}

// NextSeq hands out the next report sequence number. Numbers are reserved
// in blocks so that the state file is written once per thousand reports.
func (s *Spool) NextSeq() (uint64, error) {
	if s.next >= s.reserved {
		reserved := s.next + seqReserve
		raw := strconv.AppendUint(nil, reserved, 10)
		if err := writeAtomic(filepath.Join(s.dir, stateFile), append(raw, '\n')); err != nil {
			return 0, fmt.Errorf("agent: spool: %w", err)
		}
		s.reserved = reserved
	}
	s.next++
	return s.next - 1, nil
}

// Put keeps a report body until Remove. It drops the oldest reports beyond
// the bounds and returns how many it dropped.
func (s *Spool) Put(seq uint64, body []byte) (dropped int, err error) {
	if err := writeAtomic(s.name(seq), body); err != nil {
		return 0, fmt.Errorf("agent: spool: %w", err)
	}
	s.files = append(s.files, spooled{seq, int64(len(body))})
	s.bytes += int64(len(body))
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].seq < s.files[j].seq })
	for len(s.files) > 1 && (s.bytes > s.maxBytes || len(s.files) > s.maxFiles) {
		if err := s.Remove(s.files[0].seq); err != nil {
			return dropped, err
		}
		dropped++
		s.dropped++
	}
	return dropped, nil
}

// Len is the number of reports waiting.
func (s *Spool) Len() int { return len(s.files) }

// Bytes is their total size.
func (s *Spool) Bytes() int64 { return s.bytes }

// Oldest returns the oldest waiting report.
func (s *Spool) Oldest() (seq uint64, body []byte, err error) {
	if len(s.files) == 0 {
		return 0, nil, errors.New("agent: spool: empty")
	}
	seq = s.files[0].seq
	body, err = os.ReadFile(s.name(seq))
	if err != nil {
		return seq, nil, fmt.Errorf("agent: spool: %w", err)
	}
	return seq, body, nil
}

// Remove forgets a report.
func (s *Spool) Remove(seq uint64) error {
	for i, f := range s.files {
		if f.seq == seq {
			if err := os.Remove(s.name(seq)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("agent: spool: %w", err)
			}
			s.bytes -= f.size
			s.files = append(s.files[:i], s.files[i+1:]...)
			return nil
		}
	}
	return nil
}

func (s *Spool) name(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%s%020d%s", spoolPrefix, seq, spoolSuffix))
}

func parseSpoolName(name string) (uint64, bool) {
	n, ok := strings.CutPrefix(name, spoolPrefix)
	if !ok {
		return 0, false
	}
	n, ok = strings.CutSuffix(n, spoolSuffix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil && seq > 0
}

// writeAtomic replaces path with data: temp file, fsync, rename, fsync dir
// (as tailscale's atomicfile).
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Package archive keeps closed accounting sessions in monthly files before
// retention removes them from the database, and reads them back.
//
// # Format
//
// Sessions go to the file of the month (UTC) they stopped in, in a
// directory of their own:
//
//	sessions-YYYY-MM.jsonl.gz         the records
//	sessions-YYYY-MM.jsonl.gz.sha256  its SHA-256, as sha256sum writes it
//	sessions-YYYY-MM.json             its manifest (Manifest)
//
// The records are JSON Lines, one accounting.Session per line with the
// field names of the API (id, nas, acct_session_id, username, mac,
// framed_ip, started, stopped, input_octets, terminate_cause, stale, …),
// compressed with gzip: the file is a series of gzip members, one per batch
// written, which gzip -dc and zcat read as one stream. When the archive is
// pseudonymised, username, mac and framed_ip hold "p:" and 24 hex digits
// (a keyed HMAC-SHA256: the same value gives the same pseudonym in every
// month, so visits can still be counted, but not be read back without the
// key), and the grant ID inside class is dropped.
//
// While a month can still receive sessions its file ends in ".part" and its
// manifest says complete false; Seal completes it once retention has gone
// past the month's end: the ".part" is renamed and the checksum written.
// A session closed with a stop time in a month already sealed goes to a
// further file of that month, sessions-YYYY-MM.2.jsonl.gz and so on.
//
// A batch is on disk (fsync) before Append returns, and only then does
// retention remove it from the database. After a crash between the two,
// the batch is archived again: a record may then appear twice, identical.
package archive

import (
	"bufio"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/atomicfile"
)

// FormatName names the record format in every manifest.
const FormatName = "wifihk-sessions-jsonl/1"

// Manifest describes one archive file.
type Manifest struct {
	Format string `json:"format"`
	Month  string `json:"month"` // YYYY-MM, UTC
	Part   int    `json:"part"`  // 1 for the month's first file
	File   string `json:"file"`  // the records' file name, without ".part"
	// Records and Bytes count what is in the file.
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
	// SHA256 is the file's checksum, once complete.
	SHA256        string    `json:"sha256,omitempty"`
	Complete      bool      `json:"complete"`
	Pseudonymised bool      `json:"pseudonymised"`
	FirstStop     time.Time `json:"first_stop"`
	LastStop      time.Time `json:"last_stop"`
	// HashState carries the running checksum of an incomplete file
	// across restarts.
	HashState []byte `json:"hash_state,omitempty"`
}

// Archive writes sessions into a directory.
type Archive struct {
	dir string
	key []byte // HMAC key for pseudonyms; nil keeps the values

	mu   sync.Mutex
	open map[string]*Manifest // month -> its incomplete file's manifest
}

// Open returns an Archive over dir, creating it. With a key, the records
// are pseudonymised.
func Open(dir string, pseudonymKey []byte) (*Archive, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return &Archive{dir: dir, key: pseudonymKey, open: map[string]*Manifest{}}, nil
}

// Append adds sessions to their months' files and returns once they are on
// disk.
func (a *Archive) Append(sessions []accounting.Session) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	byMonth := map[string][]accounting.Session{}
	var months []string
	for _, ss := range sessions {
		m := ss.Stopped.UTC().Format("2006-01")
		if byMonth[m] == nil {
			months = append(months, m)
		}
		byMonth[m] = append(byMonth[m], ss)
	}
	sort.Strings(months)
	for _, m := range months {
		if err := a.appendMonth(m, byMonth[m]); err != nil {
			return err
		}
	}
	return nil
}

func (a *Archive) appendMonth(month string, sessions []accounting.Session) error {
	man, err := a.current(month)
	if err != nil {
		return err
	}
	var buf strings.Builder
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	for _, ss := range sessions {
		if err := enc.Encode(a.pseudonymise(ss)); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	h, err := resumeHash(man.HashState)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", man.File, err)
	}
	if err := appendSynced(a.path(man.File+".part"), man.Bytes, buf.String()); err != nil {
		return err
	}
	io.WriteString(h, buf.String())
	next := *man
	next.Records += int64(len(sessions))
	next.Bytes += int64(buf.Len())
	if next.HashState, err = h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	for _, ss := range sessions {
		if next.FirstStop.IsZero() || ss.Stopped.Before(next.FirstStop) {
			next.FirstStop = ss.Stopped
		}
		if ss.Stopped.After(next.LastStop) {
			next.LastStop = ss.Stopped
		}
	}
	if err := a.writeManifest(&next); err != nil {
		return err
	}
	*man = next
	return nil
}

// current returns the manifest of month's incomplete file, starting one
// when there is none.
func (a *Archive) current(month string) (*Manifest, error) {
	if m := a.open[month]; m != nil {
		return m, nil
	}
	all, err := List(a.dir)
	if err != nil {
		return nil, err
	}
	part := 1
	for _, m := range all {
		if m.Month != month {
			continue
		}
		if !m.Complete && m.Pseudonymised == (a.key != nil) {
			a.open[month] = &m
			return &m, nil
		}
		if !m.Complete { // pseudonymisation was switched: a new file
			if err := a.seal(m); err != nil {
				return nil, err
			}
		}
		part = max(part, m.Part+1)
	}
	name := "sessions-" + month
	if part > 1 {
		name += "." + strconv.Itoa(part)
	}
	h := sha256.New()
	state, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
	m := &Manifest{Format: FormatName, Month: month, Part: part, File: name + ".jsonl.gz",
		Pseudonymised: a.key != nil, HashState: state}
	a.open[month] = m
	return m, nil
}

// Seal completes the files of every month that ended at or before t.
func (a *Archive) Seal(t time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	all, err := List(a.dir)
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.Complete {
			continue
		}
		start, _ := time.Parse("2006-01", m.Month)
		if start.AddDate(0, 1, 0).After(t) {
			continue
		}
		if err := a.seal(m); err != nil {
			return err
		}
		delete(a.open, m.Month)
	}
	return nil
}

func (a *Archive) seal(m Manifest) error {
	h, err := resumeHash(m.HashState)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", m.File, err)
	}
	// Drop what a crash left after the last batch the manifest counts.
	if err := os.Truncate(a.path(m.File+".part"), m.Bytes); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	m.SHA256, m.Complete, m.HashState = hex.EncodeToString(h.Sum(nil)), true, nil
	if err := atomicfile.WriteFile(a.path(m.File+".sha256"), []byte(m.SHA256+"  "+m.File+"\n")); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := os.Rename(a.path(m.File+".part"), a.path(m.File)); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return a.writeManifest(&m)
}

func (a *Archive) path(name string) string { return filepath.Join(a.dir, name) }

func (a *Archive) writeManifest(m *Manifest) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := atomicfile.WriteFile(a.path(strings.TrimSuffix(m.File, ".jsonl.gz")+".json"), append(raw, '\n')); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// pseudonymise replaces what identifies a visitor with keyed pseudonyms.
func (a *Archive) pseudonymise(ss accounting.Session) accounting.Session {
	if a.key == nil {
		return ss
	}
	for _, f := range []*string{&ss.Username, &ss.MAC, &ss.FramedIP} {
		if *f != "" {
			mac := hmac.New(sha256.New, a.key)
			io.WriteString(mac, *f)
			*f = "p:" + hex.EncodeToString(mac.Sum(nil)[:12])
		}
	}
	if plan := ss.Plan(); plan != "" || ss.Class != "" {
		ss.Class = "whk1::" + plan
	}
	return ss
}

func resumeHash(state []byte) (hash.Hash, error) {
	h := sha256.New()
	if len(state) > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// appendSynced writes data at offset at of path (cutting off anything a
// crash left beyond it) and syncs the file.
func appendSynced(path string, at int64, data string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	err = f.Truncate(at)
	if err == nil {
		_, err = f.WriteAt([]byte(data), at)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

var manifestName = regexp.MustCompile(`^sessions-\d{4}-\d{2}(\.\d+)?\.json$`)

// List returns the manifests in dir, by month and part. A directory that
// does not exist holds none.
func List(dir string) ([]Manifest, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	var out []Manifest
	for _, e := range ents {
		if !manifestName.MatchString(e.Name()) {
			continue
		}
		m, err := readManifest(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].Part < out[j].Part
	})
	return out, nil
}

// readManifest reads and checks one manifest: it is outside input.
func readManifest(path string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("archive: %w", err)
	}
	if err := parseManifest(raw, &m); err != nil {
		return m, fmt.Errorf("archive: %s: %w", filepath.Base(path), err)
	}
	if want := strings.TrimSuffix(filepath.Base(path), ".json") + ".jsonl.gz"; m.File != want {
		return m, fmt.Errorf("archive: %s: names file %q, want %q", filepath.Base(path), m.File, want)
	}
	return m, nil
}

// parseManifest decodes a manifest and rejects one that is not ours or
// not consistent.
func parseManifest(raw []byte, m *Manifest) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return fmt.Errorf("not a manifest: %w", err)
	}
	if dec.More() {
		return errors.New("not a manifest: data after the object")
	}
	if m.Format != FormatName {
		return fmt.Errorf("format %q is not %q", m.Format, FormatName)
	}
	if _, err := time.Parse("2006-01", m.Month); err != nil || len(m.Month) != 7 {
		return fmt.Errorf("month %q is not YYYY-MM", m.Month)
	}
	if m.Part < 1 || m.Records < 0 || m.Bytes < 0 {
		return errors.New("part, records or bytes out of range")
	}
	if m.Complete {
		if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size {
			return fmt.Errorf("sha256 %q is not 64 hex digits", m.SHA256)
		}
	}
	return nil
}

// ErrChecksum means an archive file does not match its manifest.
var ErrChecksum = errors.New("archive: checksum mismatch")

// Verify checks a complete file against its manifest's size and SHA-256.
func Verify(dir string, m Manifest) error {
	if !m.Complete {
		return fmt.Errorf("archive: %s is not complete yet", m.File)
	}
	f, err := os.Open(filepath.Join(dir, m.File))
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != m.Bytes || got != m.SHA256 {
		return fmt.Errorf("%w: %s has %d bytes, SHA-256 %s; manifest says %d, %s", ErrChecksum, m.File, n, got, m.Bytes, m.SHA256)
	}
	return nil
}

// Read verifies a file (complete or not: an incomplete one up to what its
// manifest counts) and calls fn with each record in order.
func Read(dir string, m Manifest, fn func(accounting.Session) error) error {
	name := m.File
	if m.Complete {
		if err := Verify(dir, m); err != nil {
			return err
		}
	} else {
		name += ".part"
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(io.LimitReader(f, m.Bytes)))
	if err != nil {
		return fmt.Errorf("archive: %s: %w", name, err)
	}
	dec := json.NewDecoder(zr)
	var n int64
	for {
		var ss accounting.Session
		err := dec.Decode(&ss)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("archive: %s: record %d: %w", name, n+1, err)
		}
		n++
		if err := fn(ss); err != nil {
			return err
		}
	}
	if n != m.Records {
		return fmt.Errorf("%w: %s has %d records, manifest says %d", ErrChecksum, name, n, m.Records)
	}
	return nil
}

package archive

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
)

func session(id string, stopped time.Time) accounting.Session {
	return accounting.Session{ID: "nas1/" + id, NAS: "nas1", AcctID: id, Username: "visitor-" + id,
		MAC: "02:00:00:00:00:01", FramedIP: "10.0.0.9", Class: "whk1:abcd:free", Started: stopped.Add(-time.Hour),
		Updated: stopped, Stopped: stopped, InputOctets: 1234, TerminateCause: "User-Request"}
}

func readAll(t *testing.T, dir string, m Manifest) []accounting.Session {
	t.Helper()
	var out []accounting.Session
	if err := Read(dir, m, func(ss accounting.Session) error { out = append(out, ss); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAppendSealReadBack(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	jan := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 1, 1, 0, 0, 0, time.UTC)
	if err := a.Append([]accounting.Session{session("a", jan), session("b", feb)}); err != nil {
		t.Fatal(err)
	}
	if err := a.Append([]accounting.Session{session("c", jan.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	// Mid-February: January is over and sealed, February stays open.
	if err := a.Seal(time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	all, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Month != "2026-01" || !all[0].Complete || all[0].Records != 2 ||
		all[1].Month != "2026-02" || all[1].Complete || all[1].Records != 1 {
		t.Fatalf("manifests = %+v", all)
	}
	got := readAll(t, dir, all[0])
	if len(got) != 2 || got[0] != session("a", jan) || got[1] != session("c", jan.Add(time.Minute)) {
		t.Fatalf("January = %+v", got)
	}
	if got := readAll(t, dir, all[1]); len(got) != 1 || got[0].ID != "nas1/b" {
		t.Fatalf("February so far = %+v", got)
	}
	// The sealed file is plain gzip of JSON Lines with a sha256sum line.
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "sessions-2026-01.jsonl.gz.sha256")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}
	f, _ := os.Open(filepath.Join(dir, "sessions-2026-01.jsonl.gz"))
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	if lines := strings.Count(string(raw), "\n"); lines != 2 || !strings.Contains(string(raw), `"acct_session_id":"a"`) {
		t.Fatalf("decompressed:\n%s", raw)
	}

	// A session stopped in January, archived after the seal, starts a
	// second January file; a new Archive over the dir finds the state.
	a2, _ := Open(dir, nil)
	if err := a2.Append([]accounting.Session{session("late", jan)}); err != nil {
		t.Fatal(err)
	}
	if err := a2.Append([]accounting.Session{session("d", feb)}); err != nil {
		t.Fatal(err)
	}
	all, _ = List(dir)
	if len(all) != 3 || all[1].Month != "2026-01" || all[1].Part != 2 || all[1].File != "sessions-2026-01.2.jsonl.gz" ||
		all[2].Records != 2 {
		t.Fatalf("after the late session: %+v", all)
	}
	if err := a2.Seal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	all, _ = List(dir)
	for _, m := range all {
		if !m.Complete {
			t.Fatalf("%s not sealed", m.File)
		}
	}
	if got := readAll(t, dir, all[2]); len(got) != 2 || got[0].ID != "nas1/b" || got[1].ID != "nas1/d" {
		t.Fatalf("February = %+v", got)
	}
}

func TestTornBatchIsCutOff(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir, nil)
	at := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	if err := a.Append([]accounting.Session{session("a", at)}); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of the next batch leaves junk after it.
	f, _ := os.OpenFile(filepath.Join(dir, "sessions-2026-03.jsonl.gz.part"), os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0x1f, 0x8b, 8, 0, 1, 2, 3})
	f.Close()
	a, _ = Open(dir, nil)
	if err := a.Append([]accounting.Session{session("b", at)}); err != nil {
		t.Fatal(err)
	}
	if err := a.Seal(at.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	all, _ := List(dir)
	if got := readAll(t, dir, all[0]); len(got) != 2 || got[1].ID != "nas1/b" {
		t.Fatalf("after a torn batch: %+v", got)
	}
}

func TestChecksumCatchesADamagedFile(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir, nil)
	at := time.Date(2026, 4, 5, 0, 0, 0, 0, time.UTC)
	a.Append([]accounting.Session{session("a", at), session("b", at)})
	if err := a.Seal(at.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sessions-2026-04.jsonl.gz")
	raw, _ := os.ReadFile(path)
	raw[len(raw)/2] ^= 0xff
	os.WriteFile(path, raw, 0o600)
	all, _ := List(dir)
	err := Read(dir, all[0], func(accounting.Session) error { return nil })
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("Read of a damaged file: %v", err)
	}
}

func TestPseudonyms(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	a, _ := Open(dir, key)
	at := time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC)
	s1, s2 := session("a", at), session("b", at)
	s2.Username = s1.Username
	a.Append([]accounting.Session{s1, s2})
	all, _ := List(dir)
	if !all[0].Pseudonymised {
		t.Fatal("manifest does not say pseudonymised")
	}
	got := readAll(t, dir, all[0])
	for _, ss := range got {
		for _, v := range []string{ss.Username, ss.MAC, ss.FramedIP} {
			if !strings.HasPrefix(v, "p:") || len(v) != 26 {
				t.Fatalf("not a pseudonym: %q in %+v", v, ss)
			}
		}
		if ss.Class != "whk1::free" {
			t.Fatalf("class = %q, want the plan only", ss.Class)
		}
	}
	if got[0].Username != got[1].Username || strings.Contains(got[0].Username, hex.EncodeToString([]byte("visitor"))) {
		t.Fatalf("pseudonyms: %q %q", got[0].Username, got[1].Username)
	}
	// Switching pseudonymisation off starts a new file for the month.
	plain, _ := Open(dir, nil)
	plain.Append([]accounting.Session{session("c", at)})
	all, _ = List(dir)
	if len(all) != 2 || !all[0].Complete || all[1].Pseudonymised || all[1].Part != 2 {
		t.Fatalf("after switching off: %+v", all)
	}
}

func TestExportCSV(t *testing.T) {
	var b bytes.Buffer
	e, ok, err := NewExporter(&b, "csv")
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	ss := session("a", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	ss.Username = "=HYPERLINK(\"x\")"
	e.Write(ss)
	e.Flush()
	want := "nas1/a,nas1,a,\"'=HYPERLINK(\"\"x\"\")\",02:00:00:00:00:01,10.0.0.9,,whk1:abcd:free,2026-01-02T02:04:05Z,2026-01-02T03:04:05Z,2026-01-02T03:04:05Z,1234,0,0,0,0,User-Request,false\n"
	if lines := strings.SplitN(b.String(), "\n", 2); lines[0] != strings.Join(CSVHeader, ",") || lines[1] != want {
		t.Fatalf("csv:\n%s\nwant row\n%s", b.String(), want)
	}
	if _, ok, _ := NewExporter(&b, "xml"); ok {
		t.Fatal("xml accepted")
	}
}

func TestManifestRejectsJunk(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":     ``,
		"not json":  `hello`,
		"format":    `{"format":"other","month":"2026-01","part":1,"file":"x"}`,
		"month":     `{"format":"wifihk-sessions-jsonl/1","month":"2026-13","part":1}`,
		"part":      `{"format":"wifihk-sessions-jsonl/1","month":"2026-01","part":0}`,
		"checksum":  `{"format":"wifihk-sessions-jsonl/1","month":"2026-01","part":1,"complete":true,"sha256":"zz"}`,
		"unknown":   `{"format":"wifihk-sessions-jsonl/1","month":"2026-01","part":1,"extra":1}`,
		"trailing":  `{"format":"wifihk-sessions-jsonl/1","month":"2026-01","part":1} {}`,
		"negatives": `{"format":"wifihk-sessions-jsonl/1","month":"2026-01","part":1,"records":-1}`,
	} {
		t.Run(name, func(t *testing.T) {
			var m Manifest
			if err := parseManifest([]byte(raw), &m); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzManifest(f *testing.F) {
	f.Add([]byte(`{"format":"wifihk-sessions-jsonl/1","month":"2026-01","part":1,"file":"sessions-2026-01.jsonl.gz","records":3,"bytes":10,"complete":false}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m Manifest
		if err := parseManifest(raw, &m); err != nil {
			return
		}
		if m.Format != FormatName || m.Part < 1 || m.Records < 0 || m.Bytes < 0 {
			t.Fatalf("accepted %+v", m)
		}
	})
}

package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/wifihk/wifihk/controller/cli"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/journal"
)

// damageCase hurts one file of a data dir that a SIGKILL left (its
// journals hold records, some not yet in the database).
type damageCase struct {
	name string
	file func(datadir.Dir) string
	// hurt damages the file at path and says how.
	hurt func(rng *rand.Rand, path string) (string, error)
	// refuse says the server must refuse to start (else it may start, or
	// refuse clearly).
	refuse bool
	// lossExpected says the damage destroys the only copy of records
	// acknowledged but not yet applied (the journal's tail): their loss
	// is reported, not failed.
	lossExpected bool
	// lossIfReported accepts the loss of records whose bytes the damage
	// hit, when the server started and `store check` then names the
	// damaged records (the database keeps no second copy of a record).
	lossIfReported bool
}

func (s *Suite) damages() []damageCase {
	journal := func(d datadir.Dir) string { return d.AccountingJournal() }
	db := func(d datadir.Dir) string { return d.DB() }
	return []damageCase{
		{name: "accounting journal: one byte flipped at a random offset", file: journal, hurt: flip(1)},
		{name: "database: 8 bytes flipped at random offsets", file: db, hurt: flip(8), lossIfReported: true},
		{name: "accounting journal: truncated at a random offset", file: journal, hurt: truncateRandom, lossExpected: true},
		{name: "database: truncated to half its size", file: db, hurt: truncateHalf},
		{name: "accounting journal: deleted", file: journal, hurt: remove, lossExpected: true},
		{name: "database: deleted", file: db, hurt: remove, refuse: true},
		{name: "master key: deleted", file: func(d datadir.Dir) string { return d.MasterKey() }, hurt: remove, refuse: true},
	}
}

func flip(n int) func(*rand.Rand, string) (string, error) {
	return func(rng *rand.Rand, path string) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil || len(b) == 0 {
			return "", fmt.Errorf("faults: %s: nothing to flip (%v)", path, err)
		}
		var offs []string
		for range n {
			off := rng.IntN(len(b))
			b[off] ^= byte(1 + rng.IntN(255))
			offs = append(offs, fmt.Sprint(off))
		}
		return fmt.Sprintf("flipped at %s of %d bytes", strings.Join(offs, ","), len(b)), os.WriteFile(path, b, 0o600)
	}
}

func truncateRandom(rng *rand.Rand, path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		return "", fmt.Errorf("faults: %s: nothing to truncate (%v)", path, err)
	}
	at := rng.Int64N(fi.Size())
	return fmt.Sprintf("cut at %d of %d bytes", at, fi.Size()), os.Truncate(path, at)
}

func truncateHalf(_ *rand.Rand, path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("cut to %d of %d bytes", fi.Size()/2, fi.Size()), os.Truncate(path, fi.Size()/2)
}

func remove(_ *rand.Rand, path string) (string, error) { return "deleted", os.Remove(path) }

// damage runs DamageRounds rounds of c: a copy of killed (a data dir as
// a SIGKILL under load left it, with ledger l0) is hurt and started. A
// server that refuses must say why, and start after the documented
// repair: journal salvage, store check -repair for a damaged record, or
// else the file restored as it was before the damage. A server that starts is checked against the
// ledger; one that refuses must say clearly why, and then start once the
// file is salvaged (a journal) or restored from the copy kept before the
// damage, with every acknowledged record there.
func (s *Suite) damage(ctx context.Context, killed string, l0 *ledger, i int, c damageCase) (Outcome, error) {
	o := Outcome{Case: c.name, Rounds: s.cfg.DamageRounds}
	rng := rand.New(rand.NewPCG(s.cfg.Seed, uint64(i))) // each case its own, as they run at once
	for r := range s.cfg.DamageRounds {
		dir := filepath.Join(s.cfg.Dir, fmt.Sprintf("damage%d-%d", i, r))
		if err := copyDir(killed, dir); err != nil {
			return o, err
		}
		l := l0.clone()
		path := c.file(datadir.Dir(dir))
		kept, err := os.ReadFile(path)
		if err != nil {
			return o, err
		}
		how, err := c.hurt(rng, path)
		if err != nil {
			return o, err
		}
		said, ro := s.answer(ctx, dir, l, c, kept, path)
		o.Acked = max(o.Acked, ro.Acked) // the same ledger each round
		o.Lost += ro.Lost
		for _, f := range ro.Failures {
			if c.lossExpected && strings.Contains(f, "acknowledged records missing") {
				said += "; " + f + " (they were only in the destroyed bytes)"
				continue
			}
			o.Failures = append(o.Failures, fmt.Sprintf("round %d (%s): %s", r, how, f))
		}
		o.Server = append(o.Server, fmt.Sprintf("round %d (%s): %s", r, how, said))
		s.logf("%s, round %d (%s): %s", c.name, r, how, said)
		os.RemoveAll(dir)
	}
	return o, nil
}

// answer starts the server on the hurt dir and judges what it did.
func (s *Suite) answer(ctx context.Context, dir string, l *ledger, c damageCase, kept []byte, path string) (string, Outcome) {
	var o Outcome
	srv, err := s.start(dir)
	if err == nil {
		if c.refuse {
			o.Failures = append(o.Failures, "started on a damaged data dir it should refuse")
		}
		o = s.checkOn(ctx, srv, dir, l, o)
		if c.lossIfReported && o.Lost > 0 {
			return s.reported(ctx, dir, o)
		}
		return "started", o
	}
	if !errors.Is(err, errRefused) {
		o.Failures = append(o.Failures, err.Error())
		return "did not answer", o
	}
	msg := refusal(err.Error())
	if !explains(err.Error()) {
		o.Failures = append(o.Failures, "refused without a clear message: "+msg)
	}
	if c.refuse && path == datadir.Dir(dir).MasterKey() {
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			o.Failures = append(o.Failures, "a new master key was made")
		}
	}
	fix := "restored the file kept before the damage"
	skipped := 0 // journal bytes salvage left out as damaged
	switch {
	case strings.Contains(err.Error(), "damaged record"):
		// The documented repair: keep the database, move the record aside.
		fix = "ran store check -repair"
		var stdout, stderr bytes.Buffer
		if code := cli.Run(ctx, []string{"store", "check", "-data", dir, "-repair"}, &stdout, &stderr); code != 0 {
			o.Failures = append(o.Failures, "store check -repair: "+stdout.String()+stderr.String())
			return "refused: " + msg, o
		}
	case strings.Contains(err.Error(), "journal salvage"):
		fix = "ran journal salvage"
		var stdout, stderr bytes.Buffer
		if code := cli.Run(ctx, []string{"journal", "salvage", "-json", "-data", dir}, &stdout, &stderr); code != 0 {
			o.Failures = append(o.Failures, "journal salvage: "+stderr.String())
			return "refused: " + msg, o
		}
		skipped = skippedBytes(stdout.Bytes())
	default:
		if err := os.WriteFile(path, kept, 0o600); err != nil {
			o.Failures = append(o.Failures, err.Error())
			return "refused: " + msg, o
		}
	}
	o, _ = s.check(ctx, dir, l, o)
	said := fmt.Sprintf("refused (%s); %s, then started", msg, fix)
	if o.Lost > 0 && o.Lost*minRecordBytes <= skipped {
		lost, ao := acceptLoss(o)
		return said + fmt.Sprintf("; %s (in the %d damaged bytes salvage left out: a flip in the journal's unapplied tail destroys the only copy)", lost, skipped), ao
	}
	if c.lossIfReported && fix == "ran store check -repair" && o.Lost > 0 {
		lost, ao := acceptLoss(o)
		return said + "; " + lost + " (moved aside by the repair as damaged)", ao
	}
	return said, o
}

// minRecordBytes is less than any acknowledged accounting record takes in
// the journal, so that a loss is accepted only when the bytes salvage left
// out could have held every missing record.
const minRecordBytes = 64

// skippedBytes reads the damaged bytes that `journal salvage -json` says
// it left out, over both journals.
func skippedBytes(out []byte) int {
	var res map[string]journal.Salvaged
	if json.Unmarshal(out, &res) != nil {
		return 0
	}
	n := 0
	for _, r := range res {
		n += r.Skipped
	}
	return n
}

// reported accepts o's loss if `store check` names damaged records, as
// the damage destroyed them; else the loss stands as a failure.
func (s *Suite) reported(ctx context.Context, dir string, o Outcome) (string, Outcome) {
	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, []string{"store", "check", "-data", dir}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stdout.String()+stderr.String(), "damaged") {
		return "started; store check found no damage", o
	}
	lost, o := acceptLoss(o)
	return "started; " + lost + " (their bytes were hit; store check names the damaged records)", o
}

// acceptLoss takes o's failures for missing acknowledged records out of
// it and returns them as text.
func acceptLoss(o Outcome) (string, Outcome) {
	kept := o.Failures[:0]
	var lost []string
	for _, f := range o.Failures {
		if strings.Contains(f, "acknowledged records missing") {
			lost = append(lost, f)
			continue
		}
		kept = append(kept, f)
	}
	o.Failures = kept
	return strings.Join(lost, "; "), o
}

// explains reports whether a refusal says what is wrong rather than crash.
func explains(out string) bool {
	for _, crash := range []string{"panic:", "goroutine ", "SIGBUS", "fatal error:", "unexpected fault address"} {
		if strings.Contains(out, crash) {
			return false
		}
	}
	for _, word := range []string{"damaged", "missing", "truncated", "corrupt", "salvage"} {
		if strings.Contains(out, word) {
			return true
		}
	}
	return false
}

// refusal is the message's gist, for the report.
func refusal(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "wifihk serve: "); i >= 0 {
			line = line[i+len("wifihk serve: "):]
			if len(line) > 160 {
				line = line[:160] + "…"
			}
			return line
		}
	}
	if len(out) > 160 {
		out = out[:160] + "…"
	}
	return out
}

func (l *ledger) clone() *ledger {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &ledger{sessions: maps.Clone(l.sessions), reports: maps.Clone(l.reports), acct: l.acct, agent: l.agent}
}

// copyDir copies the regular files of data dir src to dst (no sockets).
func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o700)
		case !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o600)
	})
}

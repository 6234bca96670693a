package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Salvaged is what Salvage did.
type Salvaged struct {
	Damaged bool   `json:"damaged"`         // the file held a bad record with intact ones after it
	Kept    int    `json:"kept"`            // intact records in the file Salvage leaves at the path
	Skipped int    `json:"skipped"`         // bytes of damage left out
	Aside   string `json:"aside,omitempty"` // where the damaged file now is (when Damaged)
}

// Salvage repairs a journal Open refuses (ErrDamaged), for a server that
// is stopped: it writes a new journal at path holding every intact record
// of the old one, in order, leaving out only the damaged bytes (and a
// torn tail), and moves the old file to path + ".damaged", kept as
// evidence. Replay then applies the records after the damage as well,
// which is sound because applying is idempotent and each record holds
// what it writes. A journal with no such damage is left as it is.
func Salvage(path string) (Salvaged, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Salvaged{}, nil
	}
	if err != nil {
		return Salvaged{}, fmt.Errorf("journal: %w", err)
	}
	var keep []byte
	var res Salvaged
	var prev uint64
	for off := 0; off < len(data); {
		recs, n, _ := Decode(data[off:])
		res.Kept += len(recs)
		keep = append(keep, data[off:off+n]...)
		prev = lastSeq(recs, prev)
		next, ok := nextIntact(data, off+n, prev)
		if !ok {
			break // the end, or a torn tail
		}
		res.Damaged, res.Skipped = true, res.Skipped+next-(off+n)
		off = next
	}
	if !res.Damaged {
		return Salvaged{Kept: res.Kept}, nil
	}
	res.Aside = path + ".damaged"
	if _, err := os.Lstat(res.Aside); err == nil {
		return Salvaged{}, fmt.Errorf("journal: %s already exists: move it somewhere safe first", res.Aside)
	}
	tmp := path + ".salvage"
	if err := writeSynced(tmp, keep); err != nil {
		return Salvaged{}, err
	}
	if err := os.Rename(path, res.Aside); err != nil {
		os.Remove(tmp)
		return Salvaged{}, fmt.Errorf("journal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return Salvaged{}, fmt.Errorf("journal: %w (the damaged journal is at %s, the salvaged one at %s)", err, res.Aside, tmp)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return res, nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

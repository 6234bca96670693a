package journal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Identity returns the random name of the journal at path, kept in
// path+".id" and made on first use. Nodes that share one store each number
// their journal's records from their own sequence, so each keeps the mark
// of the last record it applied under its journal's identity: another
// node's mark must not make a restarted node skip records of its own.
func Identity(path string) (string, error) {
	idPath := path + ".id"
	raw, err := os.ReadFile(idPath)
	if err == nil {
		id := strings.TrimSpace(string(raw))
		if b, err := hex.DecodeString(id); err != nil || len(b) != 16 {
			return "", fmt.Errorf("journal: %s holds %q, not a journal identity (32 hex digits); delete it only with the journal empty", idPath, id)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	tmp := idPath + ".tmp"
	if err := writeSynced(tmp, []byte(id+"\n")); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, idPath); err != nil {
		return "", err
	}
	return id, nil
}

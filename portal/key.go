package portal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
)

// keyRecord is the portal's signing key in the portal_events bucket.
const keyRecord = "key/forms"

// LoadKey returns the portal's form-signing key, creating it on first use.
// It is kept sealed in the store, so forms and CSRF tokens survive a
// restart and several controllers sharing a store agree on it.
func LoadKey(db *store.DB, sealer *secrets.Sealer) ([]byte, error) {
	var sealed string
	err := db.Update(func(tx *store.Tx) error {
		err := tx.Get(store.PortalEvents, keyRecord, &sealed)
		if errors.Is(err, store.ErrNotFound) {
			k := make([]byte, 32)
			rand.Read(k)
			sealed = sealer.Seal(base64.StdEncoding.EncodeToString(k))
			return tx.Put(store.PortalEvents, keyRecord, sealed)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("portal: key: %w", err)
	}
	plain, err := sealer.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("portal: key: %w", err)
	}
	return base64.StdEncoding.DecodeString(plain)
}

package usage

import "github.com/wifihk/wifihk/internal/store"

// PutCellForTest overwrites a stored cell, for tests that change what
// the store holds.
func PutCellForTest(tx *store.Tx, s Scope, h Hour) error {
	return tx.Put(store.Usage, cellKey(s, h.Hour), &h.Cell)
}

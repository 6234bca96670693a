package usage

import "github.com/wifihk/wifihk/internal/store"

// PutCellForTest overwrites a stored cell, for tests that change what
// the store holds.
func PutCellForTest(tx *store.Tx, s Scope, h Hour) error { return PutHour(tx, s, h) }

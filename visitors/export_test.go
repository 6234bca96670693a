package visitors

import "time"

// SetNow sets the clock of s for the external tests.
func (s *Store) SetNow(now func() time.Time) { s.now = now }

package telemetry

import "time"

// SetApplyDelay sets how long the journal's applier lets records gather;
// a test holds it back with a long one, as when the process is killed
// before the applier runs.
func SetApplyDelay(s *Service, d time.Duration) { s.jr.pl.SetDelay(d) }

package controller

import "errors"

// journalHealth returns why the node cannot record accounting or agent
// reports now (a journal or the database cannot be written), or nil. It
// recovers by itself within about 100ms of the disk having room again.
func (a *App) journalHealth() error {
	var errs []error
	if a.Sessions != nil {
		errs = append(errs, a.Sessions.Health())
	}
	if a.Telemetry != nil {
		errs = append(errs, a.Telemetry.Health())
	}
	return errors.Join(errs...)
}

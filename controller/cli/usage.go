package cli

import (
	"context"
	"errors"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/usage"
)

// cmdUsageRebuild recomputes the usage figures from the accounting
// records, so that a fix to how they are counted reaches history. A
// running server holds figures not yet flushed, so it must be stopped.
func cmdUsageRebuild(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "usage rebuild")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.Remote {
		return errors.New("usage rebuild: stop the server first (it holds figures not yet stored)")
	}
	start := time.Now()
	all, err := e.Sessions.List(false, 0)
	if err != nil {
		return err
	}
	n, err := usage.Rebuild(e.DB, all, controller.UsagePlaces(e.Registry), controller.UsagePseudonymKey(e.Sealer), time.Now())
	if err != nil {
		return err
	}
	out := map[string]any{"sessions": len(all), "cells": n, "seconds": time.Since(start).Seconds()}
	return e.result(out, "%d sessions, %d hourly cells written in %.1fs\n", len(all), n, time.Since(start).Seconds())
}

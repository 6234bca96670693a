package server

import (
	"context"

	"github.com/wifihk/wifihk/hotspots/telemetry"
)

// mountAgents serves the agents' reports and the AP status API, and watches
// for APs that stop reporting.
func (a *App) mountAgents() error {
	svc, err := telemetry.New(telemetry.Config{DB: a.DB, Log: a.Log.With("component", "telemetry")})
	if err != nil {
		return err
	}
	if err := svc.Register(a.Metrics); err != nil {
		return err
	}
	a.Telemetry = svc
	telemetry.NewHandler(svc, a.Registry, a.Staff).Mount(a.Router)
	a.onStart(func(ctx context.Context) (func(context.Context) error, error) {
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			svc.Run(ctx)
			close(done)
		}()
		return func(context.Context) error {
			cancel()
			<-done
			return nil
		}, nil
	})
	return nil
}

package server

// demoVisitors seeds the visitor demo/demo1234. Owned by the RADIUS work.
func (a *App) demoVisitors() error { return nil }

package server

// mountPortal wires the portal component into the app. Owned by the portal work.
func (a *App) mountPortal() error { return nil }

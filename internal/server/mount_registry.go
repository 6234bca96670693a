package server

// mountRegistry wires the registry component into the app. Owned by the registry work.
func (a *App) mountRegistry() error { return nil }

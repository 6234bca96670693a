package server

// mountConsole wires the console component into the app. Owned by the console work.
func (a *App) mountConsole() error { return nil }

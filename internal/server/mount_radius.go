package server

// mountRADIUS wires the radius component into the app. Owned by the radius work.
func (a *App) mountRADIUS() error { return nil }

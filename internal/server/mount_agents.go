package server

// mountAgents wires the agents component into the app. Owned by the agents work.
func (a *App) mountAgents() error { return nil }

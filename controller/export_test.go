package controller

// FormKeys exposes the portal's and the console's form keys to tests.
func FormKeys(a *App) (portal, console []byte) { return a.formKeys() }

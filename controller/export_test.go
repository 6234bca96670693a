package controller

// FormKeys exposes the portal's and the console's form keys to tests.
func FormKeys(a *App) (portal, console []byte) { return a.formKeys() }

// WriteSelfSigned writes a self-signed certificate and key, as -demo does.
var WriteSelfSigned = writeSelfSigned

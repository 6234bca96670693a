//go:build race

package cli

// raceEnabled is true under the race detector, where Chromium's pages
// take many times longer; CI runs the browser parts in its plain run.
const raceEnabled = true

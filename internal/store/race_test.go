//go:build race

package store

// raceEnabled is true under the race detector, where child processes
// start slowly.
const raceEnabled = true

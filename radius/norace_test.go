//go:build !race

package radius

// raceSlowdown is 1 without the race detector (race_test.go).
const raceSlowdown = 1

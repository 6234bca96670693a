//go:build race

package radius

// raceSlowdown stretches the wait for an answer under the race detector,
// which makes an argon2id check tens of times slower.
const raceSlowdown = 6

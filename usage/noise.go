package usage

import (
	"math"
	"math/rand/v2"
)

// Noise draws two-sided geometric noise (the discrete Laplace mechanism):
// for a count whose one contributor can change it by at most sensitivity,
// adding Geometric(ε, sensitivity) gives ε-differential privacy. Its
// variance is 2α/(1-α)² with α = exp(-ε/sensitivity).
type Noise struct {
	rng *rand.Rand
}

// NewNoise draws from rng; production seeds it from crypto/rand.
func NewNoise(rng *rand.Rand) *Noise { return &Noise{rng: rng} }

// Geometric returns one draw for a count of the given sensitivity at ε.
func (n *Noise) Geometric(epsilon, sensitivity float64) int64 {
	a := n.one(epsilon, sensitivity)
	return a - n.one(epsilon, sensitivity) // two independent draws
}

// one is a geometric draw on {0, 1, …} with P(k) ∝ exp(-ε k/Δ), by
// inversion: ⌊ln U / ln α⌋ with ln α = -ε/Δ computed directly, so that a
// large Δ loses no precision.
func (n *Noise) one(epsilon, sensitivity float64) int64 {
	u := 1 - n.rng.Float64() // (0, 1]
	g := math.Floor(-math.Log(u) * sensitivity / epsilon)
	if g > math.MaxInt64/4 {
		return math.MaxInt64 / 4
	}
	return int64(g)
}

// GeometricVariance is the variance of Geometric(ε, sensitivity).
func GeometricVariance(epsilon, sensitivity float64) float64 {
	a := math.Exp(-epsilon / sensitivity)
	return 2 * a / ((1 - a) * (1 - a))
}

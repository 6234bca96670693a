// Package secretstest gives tests a sealer of their own.
package secretstest

import (
	"crypto/rand"
	"testing"

	"github.com/wifihk/wifihk/internal/secrets"
)

// New returns a Sealer under a new random master key.
func New(t testing.TB) *secrets.Sealer {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	s, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

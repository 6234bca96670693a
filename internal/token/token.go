// Package token makes bearer tokens and the hashes that are stored in their
// place (staff API tokens, console sign-ins, AP agent tokens).
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// New returns a random token that starts with prefix (which says what a
// leaked string is, as GitHub's ghp_ do) and its stored hash.
func New(prefix string) (tok, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	tok = prefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, Hash(tok)
}

// Hash is the stored form of a token. Tokens are 256 random bits, so a plain
// SHA-256 suffices (no salt or slow hash needed) and lookups stay O(1).
func Hash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

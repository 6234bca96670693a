package token

import (
	"strings"
	"testing"
)

func TestNewIsRandomPrefixedAndHashed(t *testing.T) {
	a, ha := New("wha_")
	b, hb := New("wha_")
	if a == b || ha == hb {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, "wha_") || len(a) < 40 {
		t.Fatalf("token %q lacks the prefix or is short", a)
	}
	if Hash(a) != ha || strings.Contains(ha, a) {
		t.Fatal("hash must be the SHA-256 of the token, not contain it")
	}
}

package eap

import (
	"crypto/des"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"unicode/utf16"

	//lint:ignore SA1019 MSCHAPv2 is defined on MD4 (RFC 2759); nothing else can check it
	"golang.org/x/crypto/md4"
)

// MSCHAPv2 (RFC 2759) as EAP-TTLS carries it (RFC 5281 §11.2.4): the
// authenticator challenge and identifier come from the TLS keying
// material, the peer sends its response in AVPs, and the server proves
// that it knows the password too with MS-CHAP2-Success.

// NTHash is MD4 of the password in UTF-16LE: what MSCHAPv2 needs to be
// stored, and as good as the password to anyone who has it.
func NTHash(password string) [16]byte {
	u := utf16.Encode([]rune(password))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	h := md4.New()
	h.Write(b)
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// challengeHash is RFC 2759 §8.2; the user name is without any domain.
func challengeHash(peer, auth []byte, user string) []byte {
	if i := strings.LastIndexByte(user, '\\'); i >= 0 {
		user = user[i+1:]
	}
	h := sha1.New()
	h.Write(peer)
	h.Write(auth)
	h.Write([]byte(user))
	return h.Sum(nil)[:8]
}

// ntResponse is RFC 2759 §8.1 GenerateNTResponse.
func ntResponse(auth, peer []byte, user string, nt [16]byte) []byte {
	ch := challengeHash(peer, auth, user)
	var key [21]byte
	copy(key[:], nt[:])
	out := make([]byte, 24)
	for i := range 3 {
		c, _ := des.NewCipher(desKey(key[7*i : 7*i+7]))
		c.Encrypt(out[8*i:], ch)
	}
	return out
}

// desKey spreads 56 bits over eight bytes (parity bits left zero; DES
// ignores them).
func desKey(k []byte) []byte {
	return []byte{
		k[0] & 0xfe,
		(k[0]<<7 | k[1]>>1) & 0xfe,
		(k[1]<<6 | k[2]>>2) & 0xfe,
		(k[2]<<5 | k[3]>>3) & 0xfe,
		(k[3]<<4 | k[4]>>4) & 0xfe,
		(k[4]<<3 | k[5]>>5) & 0xfe,
		(k[5]<<2 | k[6]>>6) & 0xfe,
		k[6] << 1,
	}
}

var (
	magic1 = []byte("Magic server to client signing constant")
	magic2 = []byte("Pad to make it do more than one iteration")
)

// authenticatorResponse is RFC 2759 §8.7: "S=" and 40 upper-case hex digits.
func authenticatorResponse(nt [16]byte, ntResp, peer, auth []byte, user string) string {
	h := md4.New()
	h.Write(nt[:])
	hashHash := h.Sum(nil)
	s := sha1.New()
	s.Write(hashHash)
	s.Write(ntResp)
	s.Write(magic1)
	digest := s.Sum(nil)
	s.Reset()
	s.Write(digest)
	s.Write(challengeHash(peer, auth, user))
	s.Write(magic2)
	return "S=" + strings.ToUpper(hex.EncodeToString(s.Sum(nil)))
}

// checkNTResponse compares in constant time.
func checkNTResponse(auth, peer []byte, user string, nt [16]byte, got []byte) bool {
	return subtle.ConstantTimeCompare(ntResponse(auth, peer, user, nt), got) == 1
}

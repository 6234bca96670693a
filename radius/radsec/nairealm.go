package radsec

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	// id-on-naiRealm (RFC 7585 §2.2).
	oidNAIRealm = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 8}
	// ErrSAN means a certificate's SubjectAltName extension is malformed.
	ErrSAN = errors.New("radsec: malformed SubjectAltName")
)

// NAIRealms returns the realms a certificate is authorised for by its
// SubjectAltName:otherName:NAIRealm entries (RFC 7585 §2.2), which Go's
// x509 does not parse.
func NAIRealms(c *x509.Certificate) ([]string, error) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidSubjectAltName) {
			return naiRealms(e.Value)
		}
	}
	return nil, nil
}

// naiRealms reads the NAIRealm entries of a DER SubjectAltName:
// GeneralNames, where otherName is [0] { type-id OID, [0] EXPLICIT value }
// and a NAIRealm's value is a UTF8String of 1-255 bytes.
func naiRealms(der []byte) ([]string, error) {
	in := cryptobyte.String(der)
	var names cryptobyte.String
	if !in.ReadASN1(&names, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: not a sequence", ErrSAN)
	}
	otherName := cbasn1.Tag(0).Constructed().ContextSpecific()
	var out []string
	for !names.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			return nil, fmt.Errorf("%w: a general name", ErrSAN)
		}
		if tag != otherName {
			continue
		}
		var oid asn1.ObjectIdentifier
		var val, s cryptobyte.String
		if !gn.ReadASN1ObjectIdentifier(&oid) || !gn.ReadASN1(&val, otherName) {
			return nil, fmt.Errorf("%w: an otherName", ErrSAN)
		}
		if !oid.Equal(oidNAIRealm) {
			continue
		}
		if !val.ReadASN1(&s, cbasn1.UTF8String) || len(s) == 0 || len(s) > 255 || !utf8.Valid(s) {
			return nil, fmt.Errorf("%w: a NAIRealm must be a UTF8String of 1-255 bytes", ErrSAN)
		}
		out = append(out, string(s))
	}
	return out, nil
}

// MatchNAIRealm reports whether a certificate's NAIRealm entry covers
// realm: the same name (case-insensitive), or "*." and a suffix that
// realm has after one more label.
func MatchNAIRealm(entry, realm string) bool {
	entry, realm = strings.ToLower(entry), strings.ToLower(realm)
	if suffix, ok := strings.CutPrefix(entry, "*."); ok {
		label, rest, ok := strings.Cut(realm, ".")
		return ok && label != "" && rest == suffix
	}
	return entry == realm
}

// discoveredName checks the certificate of a server discovered in the
// DNS for realm: it must name that realm as NAIRealm. RFC 7585 §2.2: the
// DNS answer is not trustworthy without DNSSEC, so the server must prove
// it is authorised for the visitor's realm, which NAIRealm is defined to
// say (the check §2.1.1.3 makes mandatory to implement). The SRV target
// came from that same unverified DNS, so a certificate for it proves
// nothing about the realm (RFC 6125 §6.2.1); target only names the
// server in the error.
func discoveredName(realm, target string) func(*x509.Certificate) error {
	return func(leaf *x509.Certificate) error {
		realms, err := NAIRealms(leaf)
		if err != nil {
			return err
		}
		for _, r := range realms {
			if MatchNAIRealm(r, realm) {
				return nil
			}
		}
		return fmt.Errorf("radsec: the certificate of %s, found in the DNS for realm %s, does not name the realm as SubjectAltName:otherName:NAIRealm (it names %q; RFC 7585 §2.2)",
			target, realm, realms)
	}
}

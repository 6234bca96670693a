package orgpki

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Field is the field of a client certificate that names the account.
type Field string

// The fields a Rule may read (FreeRADIUS's TLS-Client-Cert-Subject-Alt-Name-Upn,
// -Email and TLS-Client-Cert-Common-Name).
const (
	FieldUPN   Field = "upn"   // subject alternative name otherName, Microsoft UPN (Active Directory)
	FieldEmail Field = "email" // subject alternative name rfc822Name
	FieldCN    Field = "cn"    // the subject's common name
)

// Rule says which account a client certificate names. With a Domain,
// the field's value must be NAME@Domain (the domain compared without
// case); Strip then leaves NAME, else the account is NAME@domain with
// the domain in lower case. Without a Domain the value is the account.
type Rule struct {
	Field  Field  `json:"field"`
	Domain string `json:"domain,omitempty"`
	Strip  bool   `json:"strip,omitempty"`
}

// Validate reports what is wrong with r, naming the field.
func (r Rule) Validate() error {
	switch r.Field {
	case FieldUPN, FieldEmail, FieldCN:
	default:
		return fmt.Errorf("orgpki: identity: %q is not upn, email or cn", r.Field)
	}
	switch {
	case r.Strip && r.Domain == "":
		return errors.New("orgpki: domain: stripping needs a domain")
	case r.Domain != "" && (len(r.Domain) > 253 || strings.ContainsAny(r.Domain, "@ \t\r\n/") || !utf8.ValidString(r.Domain)):
		return fmt.Errorf("orgpki: domain: %q is not a domain name", r.Domain)
	}
	return nil
}

// String is the rule as an operator reads it: "upn, @school.edu.hk stripped".
func (r Rule) String() string {
	s := string(r.Field)
	switch {
	case r.Strip:
		s += ", @" + r.Domain + " stripped"
	case r.Domain != "":
		s += ", @" + r.Domain + " required"
	}
	return s
}

// Account returns the account name that leaf's field gives under r. Of
// several names in the field, the first that fits the domain counts.
func (r Rule) Account(leaf *x509.Certificate) (string, error) {
	values, err := r.values(leaf)
	if err != nil {
		return "", err
	}
	if len(values) == 0 {
		return "", fmt.Errorf("orgpki: the certificate has no %s", r.Field)
	}
	for _, v := range values {
		if name, ok := r.apply(v); ok {
			return name, checkName(name)
		}
	}
	return "", fmt.Errorf("orgpki: the certificate's %s (%q) is not in the domain %s", r.Field, values[0], r.Domain)
}

func (r Rule) values(leaf *x509.Certificate) ([]string, error) {
	switch r.Field {
	case FieldUPN:
		return UPNs(leaf)
	case FieldEmail:
		return leaf.EmailAddresses, nil
	case FieldCN:
		if leaf.Subject.CommonName == "" {
			return nil, nil
		}
		return []string{leaf.Subject.CommonName}, nil
	}
	return nil, r.Validate()
}

// apply maps one value of the field to an account name, if it fits.
func (r Rule) apply(v string) (string, bool) {
	if r.Domain == "" {
		return v, true
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || !strings.EqualFold(v[at+1:], r.Domain) {
		return "", false
	}
	if r.Strip {
		return v[:at], true
	}
	return v[:at] + "@" + strings.ToLower(r.Domain), true
}

// checkName refuses names no account could have.
func checkName(name string) error {
	if name == "" || len(name) > 64 || !utf8.ValidString(name) {
		return fmt.Errorf("orgpki: the certificate names %q, not an account name (1-64 bytes of UTF-8)", name)
	}
	for _, c := range name {
		if unicode.IsControl(c) || unicode.IsSpace(c) {
			return fmt.Errorf("orgpki: the certificate names %q, which has a space or control character", name)
		}
	}
	return nil
}

var (
	oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}
	// oidUPN is Microsoft's user principal name (szOID_NT_PRINCIPAL_NAME).
	oidUPN = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
)

// UPNs returns the user principal names in cert's subject alternative
// names (otherName, a UTF8String), which crypto/x509 does not read.
func UPNs(cert *x509.Certificate) ([]string, error) {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidSAN) {
			return ParseUPNs(e.Value)
		}
	}
	return nil, nil
}

var errSAN = errors.New("orgpki: subject alternative name: malformed")

// ParseUPNs returns the UPNs in a DER subjectAltName extension value
// (RFC 5280 §4.2.1.6: GeneralNames, whose otherName is [0] {type-id,
// [0] EXPLICIT value}).
func ParseUPNs(der []byte) ([]string, error) {
	in := cryptobyte.String(der)
	var names cryptobyte.String
	if !in.ReadASN1(&names, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errSAN
	}
	var out []string
	otherName := cbasn1.Tag(0).ContextSpecific().Constructed()
	for !names.Empty() {
		var name cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&name, &tag) {
			return nil, errSAN
		}
		if tag != otherName {
			continue
		}
		var oid asn1.ObjectIdentifier
		var value cryptobyte.String
		if !name.ReadASN1ObjectIdentifier(&oid) || !name.ReadASN1(&value, otherName) || !name.Empty() {
			return nil, fmt.Errorf("%w otherName", errSAN)
		}
		if !oid.Equal(oidUPN) {
			continue
		}
		var upn cryptobyte.String
		if !value.ReadASN1(&upn, cbasn1.UTF8String) || !value.Empty() || !utf8.Valid(upn) {
			return nil, fmt.Errorf("%w UPN: not one UTF8String", errSAN)
		}
		out = append(out, string(upn))
	}
	return out, nil
}

// Package orgpki reads what an organisation brings of its own PKI for
// EAP-TLS (a school's Active Directory CA, a company's): its CA
// certificates and CRLs, uploaded as PEM or DER without any private key,
// and the rule that says which field of a client certificate names the
// visitor account (the UPN or e-mail subject alternative name, or the
// subject CN, with an optional domain to require or strip).
//
// Every parser here takes outside input: it returns an error naming what
// is wrong and never panics (fuzz_test.go).
package orgpki

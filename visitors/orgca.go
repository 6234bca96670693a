package visitors

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/visitors/orgpki"
)

// Imported CAs: an organisation that has its own PKI (a school's Active
// Directory CA, a company's) brings its CA certificate, never its key,
// with a rule naming the field of a client certificate that names the
// account. A certificate the CA signed, directly or through an
// intermediate the device sends, authenticates only an existing account
// of that organisation; the CA cannot vouch for anyone
// else, nor make accounts: an organisation imports or adds its accounts
// (`user add -org`, the console's account import) and so keeps the
// per-person disabling, Simultaneous-Use and accounting that an account
// gives. The client_certs bucket holds "import/<org>/<id>" records and
// each one's CRL at "crl/<org>/<id>" (crlRecord), apart so that a handshake
// reads the CRL only when its parsed copy is not in memory.

// Errors of imported CAs.
var (
	// ErrCAUnknown means the organisation imported no CA with that id.
	ErrCAUnknown = errors.New("visitors: no such imported CA")
	// ErrCAExists means the organisation imported that CA already.
	ErrCAExists = errors.New("visitors: that CA is imported already")
	// ErrCRLStale means the CA's CRL is past its next update: its
	// certificates are refused until a current CRL is uploaded.
	ErrCRLStale = errors.New("visitors: the CA's CRL is stale")
)

// ImportedCA is a CA certificate an organisation brought.
type ImportedCA struct {
	Org      string      `json:"org"`
	ID       string      `json:"id"` // SHA-256 of the certificate (DER), hex
	Subject  string      `json:"subject"`
	NotAfter time.Time   `json:"not_after"`
	Identity orgpki.Rule `json:"identity"`
	CertPEM  string      `json:"cert_pem"`
	CRL      *CRLInfo    `json:"crl,omitempty"` // nil: no revocation list
	Created  time.Time   `json:"created"`
}

// CRLInfo describes the CRL held for an imported CA.
type CRLInfo struct {
	Number     string    `json:"number,omitempty"` // decimal
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"`
	Revoked    int       `json:"revoked"`
	SHA256     string    `json:"sha256"`
	Uploaded   time.Time `json:"uploaded"`
}

// crlRecord is a CRL as stored: its DER (base64 in JSON).
type crlRecord struct {
	DER []byte `json:"der"`
}

// Stale reports whether the CRL is past its next update at now.
func (c *CRLInfo) Stale(now time.Time) bool { return c != nil && !now.Before(c.NextUpdate) }

// ShortID is the first 16 hex digits of the id, as lists show it.
func (ca ImportedCA) ShortID() string { return ca.ID[:16] }

// fieldErr names the field of the upload that err is about.
func fieldErr(field string, err error) error {
	return &input.FieldError{Field: field, Problem: err.Error()}
}

func importKey(org, id string) string { return "import/" + org + "/" + id }
func crlKey(org, id string) string    { return "crl/" + org + "/" + id }

// ImportCA imports a CA certificate (PEM or DER) for org with its
// identity rule. An expired CA is refused.
func (s *Store) ImportCA(org string, data []byte, rule orgpki.Rule) (ImportedCA, error) {
	if err := validOrgCode(org); err != nil {
		return ImportedCA{}, err
	}
	if err := rule.Validate(); err != nil {
		field := "domain"
		if (orgpki.Rule{Field: rule.Field}).Validate() != nil {
			field = "identity"
		}
		return ImportedCA{}, fieldErr(field, err)
	}
	ca, err := orgpki.ParseCA(data)
	if err != nil {
		return ImportedCA{}, fieldErr("certificate", err)
	}
	now := s.now().UTC()
	if !now.Before(ca.NotAfter) {
		return ImportedCA{}, input.Errorf("certificate", "orgpki: certificate %q expired at %s", ca.Subject.String(), ca.NotAfter.UTC().Format(time.RFC3339))
	}
	sum := sha256.Sum256(ca.Raw)
	rec := ImportedCA{Org: org, ID: hex.EncodeToString(sum[:]), Subject: ca.Subject.String(), NotAfter: ca.NotAfter.UTC(),
		Identity: rule, Created: now, CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))}
	err = s.db.Update(func(tx *store.Tx) error { return tx.Insert(store.ClientCerts, importKey(org, rec.ID), rec) })
	if errors.Is(err, store.ErrExists) {
		return ImportedCA{}, fmt.Errorf("%w: %s in %s", ErrCAExists, rec.Subject, org)
	}
	if err != nil {
		return ImportedCA{}, fmt.Errorf("visitors: %w", err)
	}
	return rec, nil
}

// ImportedCAs lists org's imported CAs by id.
func (s *Store) ImportedCAs(org string) ([]ImportedCA, error) {
	var out []ImportedCA
	err := s.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List(tx, store.ClientCerts, store.Query[ImportedCA]{Prefix: "import/" + org + "/"})
		return err
	})
	return out, err
}

// ImportedCA returns org's imported CA whose id starts with id (at
// least its 16-digit short form), or ErrCAUnknown.
func (s *Store) ImportedCA(org, id string) (ImportedCA, error) {
	id = strings.ToLower(id)
	all, err := s.ImportedCAs(org)
	if err != nil {
		return ImportedCA{}, err
	}
	for _, ca := range all {
		if len(id) >= 16 && strings.HasPrefix(ca.ID, id) {
			return ca, nil
		}
	}
	return ImportedCA{}, fmt.Errorf("%w: %q in %s", ErrCAUnknown, id, org)
}

// RemoveImportedCA removes org's imported CA and its CRL: its
// certificates are refused from the next handshake on.
func (s *Store) RemoveImportedCA(org, id string) (ImportedCA, error) {
	ca, err := s.ImportedCA(org, id)
	if err != nil {
		return ca, err
	}
	return ca, s.db.Update(func(tx *store.Tx) error {
		if err := tx.Delete(store.ClientCerts, crlKey(org, ca.ID)); err != nil {
			return err
		}
		return tx.Delete(store.ClientCerts, importKey(org, ca.ID))
	})
}

// SetCRL replaces the CRL of org's imported CA (PEM or DER): it must be
// signed by that CA, current at now, and not older than the CRL held.
func (s *Store) SetCRL(org, id string, data []byte) (ImportedCA, error) {
	rec, err := s.ImportedCA(org, id)
	if err != nil {
		return rec, err
	}
	ca, err := s.parsedCA(rec)
	if err != nil {
		return rec, err
	}
	now := s.now().UTC()
	crl, err := orgpki.ParseCRL(data, ca, now)
	if err != nil {
		return rec, fieldErr("crl", err)
	}
	info := &CRLInfo{ThisUpdate: crl.ThisUpdate.UTC(), NextUpdate: crl.NextUpdate.UTC(), Revoked: len(crl.RevokedCertificateEntries), Uploaded: now}
	if crl.Number != nil {
		info.Number = crl.Number.String()
	}
	sum := sha256.Sum256(crl.Raw)
	info.SHA256 = hex.EncodeToString(sum[:])
	err = s.db.Update(func(tx *store.Tx) error {
		var cur ImportedCA
		if err := tx.Get(store.ClientCerts, importKey(org, rec.ID), &cur); err != nil {
			return err
		}
		if cur.CRL != nil && crl.ThisUpdate.Before(cur.CRL.ThisUpdate) {
			return input.Errorf("crl", "orgpki: CRL: issued %s, before the one held (%s): upload the newest", info.ThisUpdate.Format(time.RFC3339), cur.CRL.ThisUpdate.Format(time.RFC3339))
		}
		cur.CRL = info
		if err := tx.Put(store.ClientCerts, crlKey(org, rec.ID), crlRecord{DER: crl.Raw}); err != nil {
			return err
		}
		rec = cur
		return tx.Put(store.ClientCerts, importKey(org, rec.ID), cur)
	})
	return rec, err
}

// verifyImported maps a client certificate issued by an imported CA, or
// by an intermediate CA under one that the device sent in its chain, to
// the account its rule names, which must be an account of that CA's
// organisation. It returns ErrCertUnknown when no imported CA issued it.
// A CA that signed the leaf itself decides alone: an organisation that
// imports its intermediate (with that intermediate's CRL) as well as its
// root cannot have a revoked leaf accepted through the root.
func (s *Store) verifyImported(chain []*x509.Certificate) (string, error) {
	var all []ImportedCA
	err := s.db.View(func(tx *store.Tx) (err error) {
		all, err = store.List(tx, store.ClientCerts, store.Query[ImportedCA]{Prefix: "import/"})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("visitors: %w", err)
	}
	user, err := s.verifyAmong(all, chain[:1], chain[:1])
	if !errors.Is(err, ErrCertUnknown) || len(chain) == 1 {
		return user, err
	}
	return s.verifyAmong(all, chain, chain[1:])
}

// verifyAmong tries the imported CAs that issued one of issuedBy, with
// the chain's other certificates as intermediates: the first that
// accepts the leaf names the account, else the first refusal is returned.
func (s *Store) verifyAmong(all []ImportedCA, chain, issuedBy []*x509.Certificate) (string, error) {
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	firstErr := ErrCertUnknown
	for _, rec := range all {
		ca, err := s.parsedCA(rec)
		if err != nil || !issuedAny(ca, issuedBy) {
			continue
		}
		user, err := s.verifyUnder(rec, ca, chain[0], inter)
		if err == nil {
			return user, nil
		}
		if errors.Is(firstErr, ErrCertUnknown) {
			firstErr = err
		}
	}
	return "", firstErr
}

// issuedAny reports whether ca's name is the issuer of one of certs.
func issuedAny(ca *x509.Certificate, certs []*x509.Certificate) bool {
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, ca.RawSubject) {
			return true
		}
	}
	return false
}

// verifyUnder checks leaf against one imported CA, through inter:
// signatures, validity and client-authentication use, the CA's CRL for
// the certificate it issued in the chain (the leaf, or the intermediate
// above it), then the account.
func (s *Store) verifyUnder(rec ImportedCA, ca, leaf *x509.Certificate, inter *x509.CertPool) (string, error) {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	now := s.now()
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return "", fmt.Errorf("visitors: client certificate under %s's CA %s: %w", rec.Org, rec.ShortID(), err)
	}
	for _, c := range chains { // each ends with ca; the first whose CA-issued certificate is not revoked
		if err = s.checkCRL(rec, c[len(c)-2], now); err == nil {
			break
		}
	}
	if err != nil {
		return "", err
	}
	user, err := rec.Identity.Account(leaf)
	if err != nil {
		return "", fmt.Errorf("visitors: client certificate under %s's CA %s: %w", rec.Org, rec.ShortID(), err)
	}
	c, err := s.Get(user)
	switch {
	case errors.Is(err, ErrUnknown):
		return "", fmt.Errorf("%w: %q, named by a certificate under %s's CA %s", ErrUnknown, user, rec.Org, rec.ShortID())
	case err != nil:
		return "", err
	case c.Kind != KindAccount || c.Org != rec.Org:
		return "", fmt.Errorf("%w: %q, named by a certificate under %s's CA %s, is not an account of %s", ErrNotMember, user, rec.Org, rec.ShortID(), rec.Org)
	}
	return user, nil
}

// checkCRL refuses cert, which rec's CA issued, when rec's CRL lists it,
// and every certificate of rec's CA while that CRL is stale (as
// OpenSSL's CRL check does).
func (s *Store) checkCRL(rec ImportedCA, cert *x509.Certificate, now time.Time) error {
	if rec.CRL == nil {
		return nil
	}
	if rec.CRL.Stale(now) {
		return fmt.Errorf("%w: %s's CA %s: its next update was %s; upload a current CRL", ErrCRLStale, rec.Org, rec.ShortID(), rec.CRL.NextUpdate.Format(time.RFC3339))
	}
	revoked, err := s.parsedCRL(rec)
	if err != nil {
		return err
	}
	if _, ok := revoked[string(cert.SerialNumber.Bytes())]; ok {
		return fmt.Errorf("%w: serial %x, by the CRL of %s's CA %s", ErrCertRevoked, cert.SerialNumber.Bytes(), rec.Org, rec.ShortID())
	}
	return nil
}

// maxParsed bounds each memory of parsed imported CAs and CRLs; past it,
// it starts over (removed CAs and replaced CRLs are forgotten so).
const maxParsed = 1024

// parsedCA returns rec's certificate, parsed once per id.
func (s *Store) parsedCA(rec ImportedCA) (*x509.Certificate, error) {
	s.cas.mu.Lock()
	ca := s.cas.imported[rec.ID]
	s.cas.mu.Unlock()
	if ca != nil {
		return ca, nil
	}
	b, _ := pem.Decode([]byte(rec.CertPEM))
	if b == nil {
		return nil, fmt.Errorf("visitors: imported CA %s of %s: no PEM certificate", rec.ShortID(), rec.Org)
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("visitors: imported CA %s of %s: %w", rec.ShortID(), rec.Org, err)
	}
	s.cas.mu.Lock()
	defer s.cas.mu.Unlock()
	if s.cas.imported == nil || len(s.cas.imported) >= maxParsed {
		s.cas.imported = map[string]*x509.Certificate{}
	}
	s.cas.imported[rec.ID] = ca
	return ca, nil
}

// parsedCRL returns the serials (big-endian bytes) that rec's CRL
// revokes, read and parsed once per CRL.
func (s *Store) parsedCRL(rec ImportedCA) (map[string]struct{}, error) {
	s.cas.mu.Lock()
	set, ok := s.cas.crls[rec.CRL.SHA256]
	s.cas.mu.Unlock()
	if ok {
		return set, nil
	}
	var cr crlRecord
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.ClientCerts, crlKey(rec.Org, rec.ID), &cr) })
	if err != nil {
		return nil, fmt.Errorf("visitors: CRL of %s's CA %s: %w", rec.Org, rec.ShortID(), err)
	}
	crl, err := x509.ParseRevocationList(cr.DER)
	if err != nil {
		return nil, fmt.Errorf("visitors: CRL of %s's CA %s: %w", rec.Org, rec.ShortID(), err)
	}
	set = make(map[string]struct{}, len(crl.RevokedCertificateEntries))
	for _, e := range crl.RevokedCertificateEntries {
		set[string(e.SerialNumber.Bytes())] = struct{}{}
	}
	sum := sha256.Sum256(cr.DER)
	s.cas.mu.Lock()
	defer s.cas.mu.Unlock()
	if s.cas.crls == nil || len(s.cas.crls) >= maxParsed {
		s.cas.crls = map[string]map[string]struct{}{}
	}
	s.cas.crls[hex.EncodeToString(sum[:])] = set
	return set, nil
}

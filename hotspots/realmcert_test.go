package hotspots_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// A realm's own RadSec client certificate: refused with a reason that
// names the problem (a key of another certificate, a server-only
// certificate, an expired one, a key alone, a realm without RadSec);
// stored with its key sealed; carried in every RadSec server of its
// route, discovered ones too, with the same pointer across reloads; an
// edit that gives none keeps it, the certificate alone keeps its key,
// and DropClientCert removes it.
func TestRealmClientCert(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "fed")
	fed := radsectest.NewCA(t, "Federation B")
	mine, other := fed.Client("proxy-b"), fed.Client("someone-else")
	certPEM, keyPEM := readFile(t, mine.CertFile), readFile(t, mine.KeyFile)
	srv, expired := fed.Server("srv", "srv.example"), fed.ExpiredClient("old")
	radsec := []hotspots.HomeServerInput{{Address: "192.0.2.1", Transport: hotspots.TransportRadSec}}
	in := func(cert, key string) hotspots.RealmInput {
		return hotspots.RealmInput{Name: "fed.example", Org: "fed", Servers: radsec, ClientCert: cert, ClientKey: key}
	}
	for _, c := range []struct {
		name string
		in   hotspots.RealmInput
		err  string
	}{
		{"key of another certificate", in(certPEM, readFile(t, other.KeyFile)), "client_key: the key does not go with the certificate"},
		{"server certificate", in(readFile(t, srv.CertFile), readFile(t, srv.KeyFile)), "client_cert: the certificate of srv is not for TLS clients: its extended key usage lacks clientAuth"},
		{"expired", in(readFile(t, expired.CertFile), readFile(t, expired.KeyFile)), "client_cert: the certificate of old expired on"},
		{"no key", in(certPEM, ""), "client_key: the certificate's private key is required"},
		{"key alone", in("", keyPEM), "client_cert: a key was given without its certificate"},
		{"junk certificate", in("junk", keyPEM), "client_cert: the certificate is not a PEM certificate"},
		{"certificate as key", in(certPEM, certPEM), "client_key: the key is not a PEM private key"},
		{"UDP realm", hotspots.RealmInput{Name: "fed.example", Org: "fed", Servers: []hotspots.HomeServerInput{server("192.0.2.1:1812")},
			ClientCert: certPEM, ClientKey: keyPEM}, "client_cert: a client certificate is for RadSec home servers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := r.AddRealm(c.in); err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err %v, want one containing %q", err, c.err)
			}
		})
	}

	rl, err := r.AddRealm(in(certPEM, keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	sum, ok := rl.ClientCertSummary()
	if !ok || sum.Subject != "CN=proxy-b" || !strings.Contains(sum.Issuer, "CN=Federation B") || time.Until(sum.NotAfter) < time.Hour {
		t.Errorf("summary %+v %v", sum, ok)
	}
	raw := rawRealm(t, r.DB(), "fed.example")
	if strings.Contains(raw, "PRIVATE KEY") || !strings.Contains(raw, `"client_key_sealed"`) {
		t.Fatalf("the key is not sealed at rest:\n%s", raw)
	}
	rt, _ := r.RouteRealm("fed.example")
	cert := rt.Servers[0].ClientCert
	if cert == nil || !cert.Leaf.Equal(mine.TLS.Leaf) {
		t.Fatalf("route carries %v, want the realm's certificate", cert)
	}

	// An edit that gives no certificate keeps it, the same pointer (the
	// proxy keeps the connection); a dynamic realm's servers carry it.
	dyn := hotspots.RealmInput{Name: "fed.example", Discovery: &hotspots.DiscoveryInput{}}
	if _, err := r.UpdateRealm("fed", "fed.example", dyn); err != nil {
		t.Fatal(err)
	}
	if rt, _ := r.RouteRealm("fed.example"); rt.Discovery == nil || rt.Discovery.ClientCert != cert {
		t.Fatalf("after an edit without a certificate: %+v", rt.Discovery)
	}
	// The certificate alone keeps its key (a renewal); a UDP realm
	// refuses the certificate it would keep.
	dyn.ClientCert = certPEM
	if _, err := r.UpdateRealm("fed", "fed.example", dyn); err != nil {
		t.Fatal(err)
	}
	udp := hotspots.RealmInput{Name: "fed.example", Servers: []hotspots.HomeServerInput{server("192.0.2.1:1812")}}
	if _, err := r.UpdateRealm("fed", "fed.example", udp); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("a UDP realm kept a client certificate: %v", err)
	}
	udp.DropClientCert = true
	if rl, err := r.UpdateRealm("fed", "fed.example", udp); err != nil || rl.ClientCert != "" || rl.ClientKeySealed != "" {
		t.Fatalf("dropped: %v %+v", err, rl)
	}
}

// A realm record written before client certificates (no such fields)
// reads back and routes, with the proxy's certificate.
func TestRealmRecordWithoutClientCert(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "fed")
	if _, err := r.AddRealm(hotspots.RealmInput{Name: "old.example", Org: "fed", Servers: []hotspots.HomeServerInput{
		{Address: "192.0.2.1", Transport: hotspots.TransportRadSec}}}); err != nil {
		t.Fatal(err)
	}
	old := `{"name":"old.example","kind":"exact","org":"fed","servers":[{"address":"192.0.2.1:2083","transport":"radsec",` +
		`"secret_sealed":` + jsonField(t, rawRealm(t, r.DB(), "old.example"), "secret_sealed") + `,"timeout_ms":3000,"retries":0,"acct_port":2083}],"created":"2026-01-02T03:04:05Z"}`
	if err := r.DB().Update(func(tx *store.Tx) error { return tx.PutRaw(store.Realms, "old.example", []byte(old)) }); err != nil {
		t.Fatal(err)
	}
	r2 := newRegistryOn(t, r.DB())
	rt, ok := r2.RouteRealm("old.example")
	if !ok || len(rt.Servers) != 1 || rt.Servers[0].ClientCert != nil || rt.Servers[0].Secret != hotspots.RadSecSecret {
		t.Fatalf("old record routes as %+v %v", rt, ok)
	}
	all, _ := r2.ListRealms("fed")
	if _, has := all[0].ClientCertSummary(); has {
		t.Error("an old record shows a client certificate")
	}
}

func rawRealm(t *testing.T, db *store.DB, name string) string {
	t.Helper()
	var raw []byte
	err := db.View(func(tx *store.Tx) (err error) { raw, err = tx.GetRaw(store.Realms, name); return err })
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// jsonField returns the JSON text of a string field of a JSON object.
func jsonField(t *testing.T, obj, field string) string {
	t.Helper()
	_, rest, ok := strings.Cut(obj, `"`+field+`":"`)
	v, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("no %s in %s", field, obj)
	}
	return `"` + v + `"`
}

package radsec

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// A realm with a client certificate of its own presents it to its
// RadSec home server, which trusts only the federation CA (B) that
// issued it; a realm without one presents the proxy's (from CA A) and
// is refused. An edit that changes only a realm's certificate
// reconnects its servers with the new identity, both ways.
func TestProxyRealmClientCert(t *testing.T) {
	r := newRig(t, nil) // trusts "NAS CA" (B) only, and knows nas-1's certificate
	global := radsectest.NewCA(t, "Proxy CA A").Client("proxy-a")
	reg := newRegistry(t) // the proxy's, apart from the home server's
	if _, err := reg.AddOrg(hotspots.Org{Code: "fed"}); err != nil {
		t.Fatal(err)
	}
	server := []hotspots.HomeServerInput{{Address: r.addr, Transport: hotspots.TransportRadSec, CA: readPEM(t, r.ca.CAFile), Timeout: time.Second}}
	realm := func(name string, cert radsectest.Issued) hotspots.RealmInput {
		in := hotspots.RealmInput{Name: name, Org: "fed", Servers: server}
		if cert.CertFile != "" {
			in.ClientCert, in.ClientKey = readPEM(t, cert.CertFile), readPEM(t, cert.KeyFile)
		}
		return in
	}
	for _, in := range []hotspots.RealmInput{realm("fed-b.example", r.nasCert), realm("plain.example", radsectest.Issued{})} {
		if _, err := reg.AddRealm(in); err != nil {
			t.Fatal(err)
		}
	}
	px, err := radius.NewProxy(radius.ProxyConfig{Routes: reg, Registerer: prometheus.NewRegistry(),
		Dial: (&HomeDialer{Cert: &global.TLS}).Dial, DeadAfter: 1, ProbeInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	ask := func(user string) layeh.Code {
		t.Helper()
		req := &radius.Request{Packet: layeh.New(layeh.CodeAccessRequest, []byte("nas-secret"))}
		rfc2865.UserName_SetString(req.Packet, user)
		rfc2865.UserPassword_SetString(req.Packet, "pw")
		resp, err := px.Auth(&local{}).ServeRADIUS(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Code
	}
	if c := ask("alice@fed-b.example"); c != layeh.CodeAccessAccept {
		t.Fatalf("the realm with CA B's certificate got %v, want Access-Accept", c)
	}
	if c := ask("bob@plain.example"); c != 0 {
		t.Fatalf("the realm with the proxy's certificate (CA A) got %v, want no answer", c)
	}
	// One server, reached as two clients: two entries in health, each
	// named for how it is reached, each with its own realm and outcome.
	health := map[string]radius.ServerHealth{}
	for _, h := range px.Health() {
		health[h.Server] = h
	}
	asB, asProxy := "radsec/"+r.addr+" (client nas-1)", "radsec/"+r.addr
	if len(health) != 2 || health[asB].Answers != 1 || health[asProxy].Timeouts != 1 ||
		!slices.Equal(health[asB].Realms, []string{"fed-b.example"}) || !slices.Equal(health[asProxy].Realms, []string{"plain.example"}) {
		t.Errorf("health %+v, want %q answering for fed-b.example and %q timing out for plain.example", health, asB, asProxy)
	}

	// Only the certificate changes: to CA A's, which the server refuses.
	if _, err := reg.UpdateRealm("", "fed-b.example", realm("fed-b.example", global)); err != nil {
		t.Fatal(err)
	}
	if c := ask("alice@fed-b.example"); c != 0 {
		t.Errorf("after its certificate changed to CA A's, the realm got %v: still on the old connection", c)
	}
	if _, err := reg.UpdateRealm("", "plain.example", realm("plain.example", r.nasCert)); err != nil {
		t.Fatal(err)
	}
	if c := ask("bob@plain.example"); c != layeh.CodeAccessAccept {
		t.Errorf("after it was given CA B's certificate, the realm got %v, want Access-Accept", c)
	}
}

package controller_test

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/radius/eap"
)

// serve -demo's EAP: the demo CA and certificate are made in the data dir,
// and the demo visitor joins the secure SSID with EAP-TTLS/PAP behind an
// anonymous outer identity.
func TestDemoEAPTTLS(t *testing.T) {
	var pki eap.DemoPKI
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		var err error
		if pki, _, err = controller.DemoEAP(c); err != nil {
			t.Fatal(err)
		}
	}})
	caPEM, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	conn, err := net.Dial("udp", a.AuthAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var last *lr.Packet
	exchange := func(msg, state []byte) ([]byte, []byte, error) {
		p := lr.New(lr.CodeAccessRequest, []byte("testing123"))
		rfc2865.UserName_SetString(p, "anonymous@wifi.hk")
		p.Attributes = append(p.Attributes, eap.ToAttributes(msg)...)
		if state != nil {
			rfc2865.State_Set(p, state)
		}
		reply, err := exchangeMA(conn, p)
		if err != nil {
			return nil, nil, err
		}
		last = reply
		m, err := eap.FromAttributes(reply.Attributes)
		return m, rfc2865.State_Get(reply), err
	}
	peer := &eap.Peer{Outer: "anonymous@wifi.hk", User: "demo", Password: "demo1234",
		TLS: &tls.Config{RootCAs: roots, ServerName: pki.ServerName, ClientSessionCache: tls.NewLRUClientSessionCache(1)}}
	if _, err := peer.Run(exchange); err != nil {
		t.Fatal(err)
	}
	if last.Code != lr.CodeAccessAccept || rfc2865.UserName_GetString(last) != "demo" {
		t.Fatalf("got %v for %q", last.Code, rfc2865.UserName_GetString(last))
	}
	// The session's ticket is shared with the other nodes through the store.
	saved := `wifihk_radius_eap_resumptions_shared_total{result="saved"} `
	waitFor(t, "the resumable session written to the store", func() bool {
		_, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr.String()+"/metrics")
		i := strings.Index(body, saved)
		return i >= 0 && body[i+len(saved)] != '0'
	})
	// The portal's onboarding hands out the same CA and server name.
	res, err := http.Get("http://" + a.HTTPAddr.String() + "/portal/secure/wifihk.mobileconfig")
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := io.ReadAll(res.Body)
	res.Body.Close()
	block, _ := pem.Decode(caPEM)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(profile), base64.StdEncoding.EncodeToString(block.Bytes)) ||
		!strings.Contains(string(profile), "<string>"+pki.ServerName+"</string>") {
		t.Fatalf("onboarding profile (%d):\n%s", res.StatusCode, profile)
	}
}

// exchangeMA sends p with a Message-Authenticator (required on EAP) and
// returns the reply.
func exchangeMA(conn net.Conn, p *lr.Packet) (*lr.Packet, error) {
	p.Identifier++
	p.Attributes = append(lr.Attributes{{Type: 80, Attribute: make([]byte, 16)}}, p.Attributes...)
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	m := hmac.New(md5.New, p.Secret)
	m.Write(b)
	copy(b[22:38], m.Sum(nil)) // the Message-Authenticator is the first attribute
	if _, err := conn.Write(b); err != nil {
		return nil, err
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	return lr.Parse(buf[:n], p.Secret)
}

package portal_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/portal"
)

const (
	fasKey = "FasKeyTest2026"
	fasIV  = "0f1e2d3c4b5a6978"
)

// fasQuery is what openNDS 9.10 encrypts for its FAS (the field order of
// the query the real one sent, testdata/opennds-fas-level3.txt).
func fasQuery(hid, mac string) string {
	return fmt.Sprintf("hid=%s, clientip=192.168.50.2, clientmac=%s, client_type=cpd_can, gatewayname=nds-test%%20Node%%3a02aabbccdd00%%20, "+
		"gatewayurl=http%%3a%%2f%%2f192.168.50.1%%2f, version=9.10.0, gatewayaddress=192.168.50.1:2050, gatewaymac=02aabbccdd00, "+
		"authdir=opennds_auth, originurl=http%%3a%%2f%%2fexample.com%%2fnews, clientif=br-lan, themespec=, ", hid, mac)
}

// authmon posts as openNDS's post-request.php does, from src.
func authmon(t *testing.T, a *controller.App, src, action, payload string) (int, string) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
	res, err := c.PostForm("http://"+a.HTTPAddr.String()+"/portal/opennds/nds-test", url.Values{"auth_get": {action},
		"gatewayhash": {"0123"}, "payload": {base64.StdEncoding.EncodeToString([]byte(payload))}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The portal as openNDS's FAS: the encrypted redirect opens the login,
// the demo visitor signs in, and the grant with the plan's limits waits
// for authmon, which only the gateway's address may poll.
func TestOpenNDSFASQueuesTheGrantForAuthmon(t *testing.T) {
	a := startApp(t)
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "nds-test", IP: "127.0.0.2", Secret: "unused-secret",
		UAMSecret: fasKey, Hotspot: controller.DemoNASVenue}); err != nil {
		t.Fatal(err)
	}
	hid := strings.Repeat("5a", 32)
	fas := portal.EncryptFAS(fasQuery(hid, "02:aa:bb:cc:dd:51"), fasIV, fasKey)
	base := "http://" + a.HTTPAddr.String() + "/portal/opennds/"
	c := newBrowser(t)
	for name, u := range map[string]string{
		"wrong key":   base + "nds-test?" + url.Values{"fas": {portal.EncryptFAS(fasQuery(hid, "02:aa:bb:cc:dd:51"), fasIV, "other")}, "iv": {fasIV}}.Encode(),
		"unknown NAS": base + "nobody?" + url.Values{"fas": {fas}, "iv": {fasIV}}.Encode(),
		"no query":    base + "nds-test",
	} {
		if code, _ := get(t, c, u); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	code, page := get(t, c, base+"nds-test?"+url.Values{"fas": {fas}, "iv": {fasIV}}.Encode())
	if code != http.StatusOK {
		t.Fatalf("landing: %d\n%s", code, page)
	}
	form := formFields(t, page)
	form.Set("contact", "demo")
	form.Set("password", "demo1234")
	code, page, _ = post(t, c, "http://"+a.HTTPAddr.String()+"/portal/signin", form)
	if code != http.StatusOK || !strings.Contains(page, "gateway lets this device through") || strings.Contains(page, `id="logout"`) {
		t.Fatalf("sign-in: %d\n%s", code, page)
	}

	if code, _ := authmon(t, a, "127.0.0.1", "view", "none"); code != http.StatusForbidden {
		t.Fatalf("authmon from another address: %d, want 403", code)
	}
	plan := a.Registry.PlanForNAS(mustNAS(t, a, "nds-test"), a.Config.Plan)
	want := fmt.Sprintf("* %s%%20%d%%20%d%%20%d%%20%d%%20%d%%20", portal.RHID(hid, fasKey), (plan.SessionTimeout+59)/60,
		plan.BandwidthUpKbps, plan.BandwidthDownKbps, plan.DataCapMB<<10, plan.DataCapMB<<10)
	if code, list := authmon(t, a, "127.0.0.2", "view", "none"); code != 200 || list != want {
		t.Fatalf("authmon view: %d %q, want %q", code, list, want)
	}
	if _, ack := authmon(t, a, "127.0.0.2", "view", "* "+portal.RHID(hid, fasKey)); ack != "ack" {
		t.Fatalf("ack answered %q", ack)
	}
	if _, list := authmon(t, a, "127.0.0.2", "view", "none"); list != "*" {
		t.Fatalf("after the ack: %q, want *", list)
	}

	// The acknowledgement opened the session; openNDS's report closes it.
	nas := mustNAS(t, a, "nds-test")
	open, err := a.Sessions.OpenByMAC("02:aa:bb:cc:dd:51")
	if err != nil || len(open) != 1 || open[0].NAS != nas.ID || open[0].FramedIP != "192.168.50.2" || open[0].NASAddr != "127.0.0.2" ||
		!strings.HasPrefix(open[0].Class, "whk1:") || open[0].Username == "" {
		t.Fatalf("open sessions after the ack: %+v, %v", open, err)
	}
	report := "method=client_deauth, clientmac=02:aa:bb:cc:dd:51, bytes_incoming=1200, bytes_outgoing=56000, session_start=%d, session_end=%d, token=x, custom="
	start := open[0].Started.Unix()
	if code, ack := authmon(t, a, "127.0.0.2", "deauthed", fmt.Sprintf(report, start, start+90)); code != 200 || ack != "ack" {
		t.Fatalf("deauthed: %d %q", code, ack)
	}
	s, err := a.Sessions.Get(open[0].ID)
	if err != nil || s.Open || s.InputOctets != 56000 || s.OutputOctets != 1200 || s.SessionTime != 90 || s.TerminateCause != "User-Request" {
		t.Fatalf("session after openNDS's report: %+v, %v", s, err)
	}
	if code, ack := authmon(t, a, "127.0.0.2", "deauthed", fmt.Sprintf(report, start, start+90)); code != 200 || ack != "ack" {
		t.Fatalf("deauthed for no open session: %d %q", code, ack)
	}
	if code, _ := authmon(t, a, "127.0.0.2", "drop-tables", "none"); code != http.StatusBadRequest {
		t.Fatalf("unknown auth_get: %d, want 400", code)
	}
}

func mustNAS(t *testing.T, a *controller.App, key string) hotspots.NAS {
	t.Helper()
	n, ok := a.Registry.LookupNAS(key)
	if !ok {
		t.Fatalf("no NAS %s", key)
	}
	return n
}

// A hid comes only from openNDS's encrypted query: a UAM redirect that
// carries one, even with a good md, is refused rather than sent to authmon.
func TestUAMRedirectWithAHIDIsRefused(t *testing.T) {
	a := startApp(t)
	q := "res=notyet&uamip=10.1.0.1&uamport=3990&challenge=" + strings.Repeat("ab", 16) + "&mac=02-aa-bb-cc-dd-52&nasid=demo&hid=" + strings.Repeat("5a", 32)
	u := "http://" + a.HTTPAddr.String() + "/portal?" + q
	if code, page := get(t, newBrowser(t), u+"&md="+portal.MD(u, "uamsecret")); code != http.StatusBadRequest {
		t.Fatalf("UAM redirect with a hid: %d, want 400\n%s", code, page)
	}
}

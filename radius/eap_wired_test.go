package radius

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/radius/eap"
)

// A real 802.1X authenticator and supplicant: hostapd (driver=wired) with
// wifihk as its RADIUS server, and wpa_supplicant (-Dwired) in a network
// namespace at the other end of a veth pair. The port must be authorised
// and an Accounting Start for the inner identity must arrive.

func needWired(t *testing.T) (hostapd, supplicant string) {
	t.Helper()
	var missing []string
	paths := map[string]string{}
	for _, name := range []string{"hostapd", "wpa_supplicant", "ip"} {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
		}
		paths[name] = p
	}
	switch {
	case len(missing) > 0:
		msg := "the wired 802.1X test needs " + strings.Join(missing, ", ") + " (Debian hostapd, wpasupplicant, iproute2)"
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatal(msg + " and WIFIHK_INTEROP=1")
		}
		t.Skip(msg + " (or set WIFIHK_INTEROP=1 to fail instead of skip)")
	case os.Geteuid() != 0:
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatal("the wired 802.1X test needs root (network namespaces) and WIFIHK_INTEROP=1")
		}
		t.Skip("the wired 802.1X test needs root for network namespaces (or set WIFIHK_INTEROP=1 to fail instead of skip)")
	}
	return paths["hostapd"], paths["wpa_supplicant"]
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// start runs a command until the test ends.
func start(t *testing.T, name string, args ...string) *lockedBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	return out
}

func TestWiredHostapdAuthorisesThePort(t *testing.T) {
	hostapd, supplicant := needWired(t)
	h := newEAPHarness(t, "", eap.Config{})
	h.addUser("alice", "alice-pass-1", false)
	tag := make([]byte, 3)
	rand.Read(tag)
	id := hex.EncodeToString(tag)
	ns, ifA, ifB := "whk-eap-"+id, "whka"+id, "whkb"+id
	mustRun(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	mustRun(t, "ip", "link", "add", ifA, "type", "veth", "peer", "name", ifB)
	t.Cleanup(func() { exec.Command("ip", "link", "del", ifA).Run() })
	mustRun(t, "ip", "link", "set", ifB, "netns", ns)
	mustRun(t, "ip", "link", "set", ifA, "up")
	mustRun(t, "ip", "netns", "exec", ns, "ip", "link", "set", ifB, "up")

	dir := t.TempDir()
	hconf := filepath.Join(dir, "hostapd.conf")
	os.WriteFile(hconf, []byte(fmt.Sprintf(`interface=%s
driver=wired
ieee8021x=1
eapol_version=2
use_pae_group_addr=1
own_ip_addr=127.0.0.1
nas_identifier=wired-test
auth_server_addr=127.0.0.1
auth_server_port=%d
auth_server_shared_secret=%s
acct_server_addr=127.0.0.1
acct_server_port=%d
acct_server_shared_secret=%s
`, ifA, h.addr.Port, testSecret, h.acctAddr.Port, testSecret)), 0o600)
	sconf := filepath.Join(dir, "wpa.conf")
	os.WriteFile(sconf, []byte(fmt.Sprintf(`ap_scan=0
eapol_version=2
network={
	key_mgmt=IEEE8021X
	eapol_flags=0
	eap=TTLS
	anonymous_identity="anonymous@wifi.hk"
	identity="alice"
	password="alice-pass-1"
	ca_cert=%q
	domain_match="radius.wifi.hk"
	phase2="auth=PAP"
}
`, h.pki.CA)), 0o600)
	hout := start(t, hostapd, "-d", hconf)
	sout := start(t, "ip", "netns", "exec", ns, supplicant, "-d", "-Dwired", "-i", ifB, "-c", sconf)

	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(hout.String(), "authorizing port") || !strings.Contains(sout.String(), "CTRL-EVENT-EAP-SUCCESS") {
		if time.Now().After(deadline) {
			t.Fatalf("port not authorised in 20 s\nhostapd:\n%s\nwpa_supplicant:\n%s", tail(hout.String(), 40), tail(sout.String(), 40))
		}
		time.Sleep(50 * time.Millisecond) // polling the peers' logs
	}
	for {
		ss, err := h.sess.List(true, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) == 1 {
			if ss[0].Username != "alice" || !strings.HasPrefix(ss[0].Class, "whk1:") {
				t.Fatalf("accounting session %+v, want user alice (the inner identity) and our Class", ss[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Accounting Start in 20 s (%d open sessions)\nhostapd:\n%s", len(ss), tail(hout.String(), 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

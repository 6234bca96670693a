package portal_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// The real openNDS (Debian's opennds 9.10) in front of wifihk, with
// configs/opennds.conf: a client in one network namespace gets a lease
// from dnsmasq on the gateway, in another namespace, where openNDS runs;
// its first request is sent to wifihk's portal with the level 3 encrypted
// query, it signs in as the demo visitor, openNDS's authmon fetches the
// grant from wifihk over HTTPS and runs `ndsctl auth`, and the client's
// request then reaches the upstream web server behind the gateway.
// authmon's acknowledgement opens the session in wifihk, and after
// `ndsctl deauth` openNDS's BinAuth report closes it with the octets the
// client downloaded.
//
//	client ns: whkC (DHCP) ── gateway ns: whkG 10.250.N.1 (openNDS, dnsmasq)
//	                          whkV 10.251.N.2 ── root ns: whkU 10.251.N.1 (wifihk, HTTPS)
//	                                                           10.251.N.4 (web server, :80)

// needOpenNDS skips without root or the peers, unless WIFIHK_INTEROP=1.
func needOpenNDS(t *testing.T) {
	t.Helper()
	var missing []string
	for _, name := range []string{"opennds", "ndsctl", "dnsmasq", "php", "busybox", "iptables", "ip", "unshare", "nsenter"} {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		// openNDS level 3 runs PHP with its OpenSSL module.
		if exec.Command("php", "-r", `exit(extension_loaded("openssl") ? 0 : 1);`).Run() != nil {
			missing = append(missing, "php's openssl module")
		}
	}
	msg := ""
	switch {
	case len(missing) > 0:
		msg = "the openNDS test needs " + strings.Join(missing, ", ") + " (Debian opennds, dnsmasq-base, php-cli, busybox, iptables, iproute2, util-linux)"
	case os.Geteuid() != 0:
		msg = "the openNDS test needs root (network, mount and PID namespaces)"
	default:
		return
	}
	if os.Getenv("WIFIHK_INTEROP") == "1" {
		t.Fatal(msg + " and WIFIHK_INTEROP=1")
	}
	t.Skip(msg + " (or set WIFIHK_INTEROP=1 to fail instead of skip)")
}

// bigBody is the size of the web server's /big.
const bigBody = 256 << 10

// ndsNet is one run's namespaces, interfaces and addresses.
type ndsNet struct {
	gwNS, clientNS                string
	up, gwUp, gwLAN, client       string // interfaces
	fasIP, webIP, gwUpIP, gwLANIP string
	clientNet                     string
}

func newNDSNet() ndsNet {
	b := make([]byte, 3)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	n := int(b[0])%250 + 2
	return ndsNet{gwNS: "whk-nds-g-" + tag, clientNS: "whk-nds-c-" + tag,
		up: "whkU" + tag, gwUp: "whkV" + tag, gwLAN: "whkG" + tag, client: "whkC" + tag,
		fasIP: fmt.Sprintf("10.251.%d.1", n), webIP: fmt.Sprintf("10.251.%d.4", n), gwUpIP: fmt.Sprintf("10.251.%d.2", n),
		gwLANIP: fmt.Sprintf("10.250.%d.1", n), clientNet: fmt.Sprintf("10.250.%d.0/24", n)}
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// build makes the namespaces and links; the test's cleanup removes them.
func (n ndsNet) build(t *testing.T) {
	t.Helper()
	for _, ns := range []string{n.gwNS, n.clientNS} {
		ipCmd(t, "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		ipCmd(t, "-n", ns, "link", "set", "lo", "up")
	}
	ipCmd(t, "link", "add", n.up, "type", "veth", "peer", "name", n.gwUp, "netns", n.gwNS)
	t.Cleanup(func() { exec.Command("ip", "link", "del", n.up).Run() })
	ipCmd(t, "-n", n.gwNS, "link", "add", n.gwLAN, "type", "veth", "peer", "name", n.client, "netns", n.clientNS)
	for _, c := range [][]string{
		{"addr", "add", n.fasIP + "/29", "dev", n.up}, {"addr", "add", n.webIP + "/29", "dev", n.up}, {"link", "set", n.up, "up"},
		{"route", "add", n.clientNet, "via", n.gwUpIP}, // replies to the clients, should openNDS not NAT
		{"-n", n.gwNS, "addr", "add", n.gwUpIP + "/29", "dev", n.gwUp}, {"-n", n.gwNS, "link", "set", n.gwUp, "up"},
		{"-n", n.gwNS, "route", "add", "default", "via", n.fasIP},
		{"-n", n.gwNS, "addr", "add", n.gwLANIP + "/24", "dev", n.gwLAN}, {"-n", n.gwNS, "link", "set", n.gwLAN, "up"},
		{"-n", n.clientNS, "link", "set", n.client, "up"},
	} {
		ipCmd(t, c...)
	}
}

// gatewayScript runs openNDS and dnsmasq in the gateway's namespace, in
// mount and PID namespaces of their own: openNDS's scripts write
// /etc/dnsmasq.conf, /etc/opennds and /tmp and kill every authmon they
// can see, so /etc is an overlay kept in the test's directory (where the
// test CA joins the system's, for authmon's PHP client), /tmp is a
// directory of the test's, and killing the PID namespace's first process
// stops them all.
const gatewayScript = `set -e
d=$1
mkdir -p "$d/etc" "$d/etc.work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/etc,workdir=$d/etc.work" /etc
cp "$d/opennds.conf" /etc/opennds/opennds.conf
cat "$d/ca.pem" >> /etc/ssl/certs/ca-certificates.crt
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; fi
# With nft, openNDS 9.10 moves INPUT and FORWARD to nft chains that
# iptables-nft 1.8.9 cannot add to, and exits (docs/GATEWAYS.md).
if nft=$(command -v nft); then mount --bind /dev/null "$nft"; fi
mount --bind "$d/tmp" /tmp
dnsmasq -k --conf-file=/dev/null --port=0 --bind-interfaces --interface="$2" --except-interface=lo \
	--dhcp-range="$3" --dhcp-leasefile=/tmp/dhcp.leases --pid-file=/tmp/dnsmasq.pid --log-dhcp --log-facility=- &
exec opennds -f -d 3 -c /etc/opennds/opennds.conf
`

// udhcpcScript configures the client's lease.
const udhcpcScript = `#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	ip route replace default via "$router" dev "$interface" ;;
esac
`

// ndsConf is configs/opennds.conf with each option in over replaced.
func ndsConf(t *testing.T, src string, over map[string]string) string {
	t.Helper()
	lines := strings.Split(src, "\n")
	seen := map[string]bool{}
	for i, l := range lines {
		k, _, _ := strings.Cut(strings.TrimSpace(l), " ")
		if v, ok := over[k]; ok {
			lines[i], seen[k] = k+" "+v, true
		}
	}
	for k := range over {
		if !seen[k] {
			t.Fatalf("configs/opennds.conf has no %s", k)
		}
	}
	return strings.Join(lines, "\n")
}

// dialIn dials from inside network namespace ns: the dialling goroutine's
// thread enters it and is never returned to the pool (the goroutine ends
// locked, so the runtime discards the thread).
func dialIn(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type result struct {
			c   net.Conn
			err error
		}
		ch := make(chan result, 1)
		go func() {
			runtime.LockOSThread()
			fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err == nil {
				err = unix.Setns(fd, unix.CLONE_NEWNET)
				unix.Close(fd)
			}
			if err != nil {
				ch <- result{nil, err}
				return
			}
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			ch <- result{c, err}
		}()
		r := <-ch
		return r.c, r.err
	}
}

func TestOpenNDSLetsAVisitorThroughWifihk(t *testing.T) {
	needOpenNDS(t)
	raw, err := os.ReadFile("../configs/opennds.conf")
	if err != nil {
		t.Fatal(err)
	}
	nasAdd := checkOpenNDSConf(t)
	name := flagOf(nasAdd, "name")

	n := newNDSNet()
	n.build(t)
	ca := radsectest.NewCA(t, "wifihk openNDS test CA")
	cert := ca.Server("fas", n.fasIP)
	appLog := &lockedBuffer{}
	a := controllertest.Start(t, controllertest.Options{Demo: true, Log: slog.New(slog.NewTextHandler(appLog, &slog.HandlerOptions{Level: slog.LevelDebug})), Configure: func(c *config.Config) {
		c.HTTP.TLSAddr, c.HTTP.TLSCert, c.HTTP.TLSKey = n.fasIP+":0", cert.CertFile, cert.KeyFile
	}})
	addRealVenue(t, a.Registry, hotspots.VenueKey(flagOf(nasAdd, "hotspot")))
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: name, IP: n.gwUpIP, Secret: flagOf(nasAdd, "secret"),
		UAMSecret: flagOf(nasAdd, "uam-secret"), Hotspot: hotspots.VenueKey(flagOf(nasAdd, "hotspot"))}); err != nil {
		t.Fatal(err)
	}
	fasPort := a.HTTPSAddr.(*net.TCPAddr).Port

	// The "internet" behind the gateway.
	var upstream atomic.Int32
	web, err := net.Listen("tcp", n.webIP+":80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstream.Add(1)
		w.Header().Set("X-Upstream", "yes")
		if r.URL.Path == "/big" {
			w.Write(make([]byte, bigBody))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(web)
	t.Cleanup(func() { srv.Close() })

	dir := t.TempDir()
	conf := ndsConf(t, string(raw), map[string]string{"GatewayInterface": n.gwLAN, "fasremoteip": n.fasIP, "fasport": strconv.Itoa(fasPort)})
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"opennds.conf": conf, "gateway.sh": gatewayScript, "udhcpc.sh": udhcpcScript} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	caPEM, _ := os.ReadFile(ca.CAFile)
	os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o600)

	lan := strings.TrimSuffix(n.gwLANIP, ".1")
	gw := exec.Command("ip", "netns", "exec", n.gwNS, "unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
		"sh", filepath.Join(dir, "gateway.sh"), dir, n.gwLAN, lan+".10,"+lan+".99,255.255.255.0,1h")
	gwLog := &lockedBuffer{}
	gw.Stdout, gw.Stderr = gwLog, gwLog
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Process.Kill(); gw.Wait() })
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nwifihk:\n%s\nauthmon:\n%s\nopenNDS and dnsmasq:\n%s",
			append(args, tail(appLog.String(), 20), grepLines(gwLog.String(), "authmon"), tail(gwLog.String(), 40))...)
	}

	if out, err := exec.Command("ip", "netns", "exec", n.clientNS, "busybox", "udhcpc", "-i", n.client, "-f", "-q", "-n",
		"-t", "10", "-T", "1", "-s", filepath.Join(dir, "udhcpc.sh")).CombinedOutput(); err != nil {
		fail("no DHCP lease: %v\n%s", err, out)
	}

	client := &http.Client{
		Transport: &http.Transport{DialContext: dialIn(n.clientNS), TLSClientConfig: &tls.Config{RootCAs: ca.Pool},
			DisableKeepAlives: true}, // each probe a new connection, as openNDS's rules see it
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	client.Jar, _ = cookiejar.New(nil)
	probe := "http://" + n.webIP + "/generate_204"

	// openNDS listens on its port before its firewall rules are in, and
	// says when they are; only then does the gateway forward.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(gwLog.String(), "openNDS is now running") {
		if time.Now().After(deadline) {
			fail("openNDS did not start in 60 s")
		}
		time.Sleep(200 * time.Millisecond) // polling openNDS's log
	}
	ipCmd(t, "netns", "exec", n.gwNS, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	res, err := client.Get(probe)
	if err != nil {
		fail("probe before login: %v", err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	fasURL := fmt.Sprintf("https://%s:%d/portal/opennds/%s?", n.fasIP, fasPort, name)
	if !strings.HasPrefix(loc, fasURL) || !strings.Contains(loc, "fas=") {
		fail("openNDS answered the probe with %d, Location %q; want a redirect to %s…fas=", res.StatusCode, loc, fasURL)
	}

	code, page := get(t, client, loc)
	if code != http.StatusOK {
		fail("portal landing from openNDS: %d\n%s", code, page)
	}
	form := formFields(t, page)
	form.Set("contact", "demo")
	form.Set("password", "demo1234")
	code, page, _ = post(t, client, fmt.Sprintf("https://%s:%d/portal/signin", n.fasIP, fasPort), form)
	if code != http.StatusOK || !strings.Contains(page, "gateway lets this device through") {
		fail("sign-in: %d\n%s", code, page)
	}

	// authmon polls every 10 s (nat_traversal_poll_interval) after a
	// 5 s start.
	deadline = time.Now().Add(45 * time.Second)
	for {
		res, err := client.Get(probe)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusNoContent && res.Header.Get("X-Upstream") == "yes" {
				break
			}
		}
		if time.Now().After(deadline) {
			fail("the client was not let through in 45 s (last: %v)", err)
		}
		time.Sleep(500 * time.Millisecond) // polling openNDS's authmon
	}
	if upstream.Load() == 0 {
		t.Fatal("the web server saw no request")
	}

	// authmon's acknowledgement opened the session in wifihk; the
	// gateway's deauthentication closes it with openNDS's octet counts.
	mac := linkMAC(t, n.clientNS, n.client)
	var sess accounting.Session
	deadline = time.Now().Add(20 * time.Second)
	for {
		open, err := a.Sessions.OpenByMAC(mac)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) == 1 {
			sess = open[0]
			break
		}
		if time.Now().After(deadline) {
			fail("%d open sessions for %s after authmon's acknowledgement, want 1", len(open), mac)
		}
		time.Sleep(200 * time.Millisecond) // polling for authmon's acknowledgement
	}
	if sess.Username == "" || !strings.HasPrefix(sess.Class, "whk1:") || sess.NASAddr != n.gwUpIP {
		t.Fatalf("session %+v: want a user, our Class and the gateway's uplink address", sess)
	}
	// Some traffic, and openNDS's next counter update (every
	// checkinterval), which is what its report of the session's end says.
	mark := len(gwLog.String())
	if code, body := get(t, client, "http://"+n.webIP+"/big"); code != http.StatusOK || len(body) != bigBody {
		fail("download through the gateway: %d, %d bytes", code, len(body))
	}
	// Its check runs every 15 s (the default checkinterval) and shells
	// out several times, seconds each on a loaded machine.
	deadline = time.Now().Add(90 * time.Second)
	for !strings.Contains(gwLog.String()[mark:], sess.FramedIP+" - Updated counter.incoming to") {
		if time.Now().After(deadline) {
			fail("openNDS did not update %s's counters in 90 s", sess.FramedIP)
		}
		time.Sleep(200 * time.Millisecond) // polling openNDS's log
	}
	ndsctl(t, n.gwNS, "deauth", mac)
	deadline = time.Now().Add(20 * time.Second)
	for {
		s, err := a.Sessions.Get(sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Open {
			// openNDS 9.10 reads upload counts with nft, which it cannot
			// have here: input stays 0 (docs/GATEWAYS.md).
			if s.OutputOctets < bigBody || s.TerminateCause != "Admin-Reset" {
				t.Fatalf("closed session %+v: want openNDS's octets (over %d out) and Admin-Reset (ndsctl deauth)", s, bigBody)
			}
			t.Logf("openNDS session: %d octets in, %d out, %d s", s.InputOctets, s.OutputOctets, s.SessionTime)
			break
		}
		if time.Now().After(deadline) {
			fail("the session was still open 20 s after ndsctl deauth")
		}
		time.Sleep(200 * time.Millisecond) // polling for openNDS's deauthed report
	}
	if res, err := client.Get(probe); err != nil || res.StatusCode == http.StatusNoContent {
		fail("after deauth the probe got %v, %v; want openNDS's redirect", res, err)
	} else {
		res.Body.Close()
	}
}

// linkMAC is the MAC address of interface ifName in namespace ns.
func linkMAC(t *testing.T, ns, ifName string) string {
	t.Helper()
	out, err := exec.Command("ip", "-n", ns, "-o", "link", "show", ifName).Output()
	f := strings.Fields(string(out))
	for i := range f {
		if f[i] == "link/ether" && i+1 < len(f) {
			return f[i+1]
		}
	}
	t.Fatalf("no MAC for %s in %s: %v %s", ifName, ns, err, out)
	return ""
}

// ndsctl runs ndsctl in the mount namespace of the openNDS running in
// network namespace ns, where its control socket is.
func ndsctl(t *testing.T, ns string, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range strings.Fields(string(out)) {
		if comm, _ := os.ReadFile("/proc/" + pid + "/comm"); strings.TrimSpace(string(comm)) == "opennds" {
			cmd := exec.Command("nsenter", append([]string{"-t", pid, "-m", "-n", "ndsctl"}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ndsctl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return
		}
	}
	t.Fatalf("no opennds process in %s", ns)
}

// grepLines is the lines of s that contain word.
func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// checkOpenNDSConf checks that configs/opennds.conf agrees with the NAS
// registration in its header and with docs/GATEWAYS.md, and returns that
// registration's words.
func checkOpenNDSConf(t *testing.T) []string {
	t.Helper()
	c, nasAdd := chilliConf(t, "../configs/opennds.conf")
	one := onlyValue(t, "configs/opennds.conf", c)
	name := flagOf(nasAdd, "name")
	for k, want := range map[string]string{"faspath": "/portal/opennds/" + name, "faskey": flagOf(nasAdd, "uam-secret"),
		"fas_secure_enabled": "3", "GatewayName": name, "binauth": "/usr/lib/opennds/binauth_log.sh",
		"gatewayfqdn": "disable", "dhcp_default_url_enable": "0"} {
		if got := one(k); got != want {
			t.Errorf("configs/opennds.conf: %s %q, want %q", k, got, want)
		}
	}
	doc, err := os.ReadFile("../docs/GATEWAYS.md")
	if err != nil {
		t.Fatal(err)
	}
	if words := strings.Join(nasAdd, " "); !strings.Contains(strings.Join(strings.Fields(strings.NewReplacer("'", "", "\\", "").Replace(string(doc))), " "), words) {
		t.Errorf("docs/GATEWAYS.md does not show the registration of configs/opennds.conf: %s", words)
	}
	return nasAdd
}

// Without root the example config is still checked.
func TestOpenNDSExampleConfig(t *testing.T) { checkOpenNDSConf(t) }

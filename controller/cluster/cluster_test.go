// Package cluster_test runs three real `wifihk serve` processes sharing one
// private PostgreSQL, with a simulated NAS that fails over between them as
// CoovaChilli does (radiusserver1, radiusserver2: on a timeout, the next).
package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/cli"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/portal/gateway"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/visitors"
)

// serveEnv makes the test binary run `wifihk serve` with these arguments
// (one a line) instead of the tests: the nodes are real processes.
const serveEnv = "WIFIHK_CLUSTER_SERVE"

func TestMain(m *testing.M) {
	if args := os.Getenv(serveEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(pgtest.Main(m))
}

const (
	nasSecret   = "cluster-secret-1"
	staffPass   = "password-123"
	aliceMAC    = "02:00:00:00:00:a1"
	visitorMAC  = "02:00:00:00:00:b1"
	otherSecret = "cluster-secret-2"
)

// node is one wifihk serve process.
type node struct {
	name             string
	cmd              *exec.Cmd
	http, auth, acct string
	mu               sync.Mutex
	log              bytes.Buffer
	done             chan struct{}
	ready            chan []string
	console          *http.Client
	consoleSignedIn  bool
}

var servingRE = regexp.MustCompile(`wifihk serving" http=(\S+) .*radius_auth=(\S+) radius_acct=(\S+)`)

func startNode(t *testing.T, name, dir, url string) *node {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+strings.Join([]string{"serve", "-data", dir, "-store", url,
		"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0", "-http", "127.0.0.1:0", "-https", "127.0.0.1:0"}, "\n"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, cmd: cmd, done: make(chan struct{})}
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			n.mu.Lock()
			n.log.WriteString(sc.Text() + "\n")
			n.mu.Unlock()
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m
			}
		}
		cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			n.mu.Lock()
			t.Logf("node %s log:\n%s", name, n.log.String())
			n.mu.Unlock()
		}
	})
	n.ready = ready
	jar, _ := cookiejar.New(nil)
	n.console = &http.Client{Jar: jar, Timeout: 10 * time.Second}
	return n
}

// waitServing waits for n's "wifihk serving" line and takes its addresses.
func (n *node) waitServing(t *testing.T) {
	t.Helper()
	select {
	case m := <-n.ready:
		n.http, n.auth, n.acct = m[1], m[2], m[3]
	case <-n.done:
		t.Fatalf("node %s ended before serving", n.name)
	case <-time.After(60 * time.Second):
		t.Fatalf("node %s not serving in 60 s", n.name)
	}
}

func (n *node) stop() {
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
	}
}

func (n *node) kill() {
	n.cmd.Process.Kill()
	<-n.done
}

// seeded is what the test put in the database before the nodes started.
type seeded struct {
	token                string // an admin's API token
	oneTimeUser, oneTime string // a one-time credential, bound to visitorMAC at NAS sim
}

// seed initialises data dir dir on the database (its master.key is then
// copied to every node: they must open the same sealed secrets) with a
// NAS "sim" for 127.0.0.1 whose CoA port is coaPort, a visitor account
// alice (Simultaneous-Use 1 under the default plan), an admin, an
// organisation and a one-time credential.
func seed(t *testing.T, dir, url string, coaPort int) seeded {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Store.URL = dir, url
	a, err := controller.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.DB.Close()
	var s seeded
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.Registry.AddNAS(hotspots.NASInput{Name: "sim", IP: "127.0.0.1", Secret: nasSecret, CoAPort: coaPort,
		Identifier: "sim", UAMSecret: "uamsecret"})
	must(err)
	_, err = a.Registry.AddOrg(hotspots.Org{Code: "cluster", NameEN: "Cluster Test"})
	must(err)
	vis := visitors.New(a.DB, a.Sealer)
	// CHAP, so that logins need no argon2id check (slow on a loaded machine).
	_, err = vis.AddAccount(visitors.AccountInput{Username: "alice", Password: "alice-password", CHAP: true})
	must(err)
	_, s.token, err = a.Staff.AddStaff(staff.StaffInput{Username: "admin", Role: staff.RoleAdmin, Password: staffPass})
	must(err)
	c, secret, err := vis.IssueOneTime(visitors.OneTimeInput{MAC: visitorMAC, NAS: "sim", TTL: time.Hour})
	must(err)
	s.oneTimeUser, s.oneTime = c.Username, secret
	return s
}

// simNAS is a NAS with a list of RADIUS servers: it sends to the first,
// and on a timeout tries the next, as CoovaChilli does with radiusserver1
// and radiusserver2.
type simNAS struct {
	secret  string
	source  string // local address to send from
	timeout time.Duration
}

// send sends p to servers in order until one answers; it returns the
// answer and which server gave it.
func (s simNAS) send(t *testing.T, p *radius.Packet, servers ...string) (*radius.Packet, string) {
	t.Helper()
	if p.Code == radius.CodeAccessRequest {
		signMA(p, s.secret)
	}
	src := s.source
	if src == "" {
		src = "127.0.0.1"
	}
	c := radius.Client{Retry: 0, Dialer: net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(src)}}}
	for _, srv := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		res, err := c.Exchange(ctx, p, srv)
		cancel()
		if err == nil {
			return res, srv
		}
	}
	t.Fatalf("no server answered (%v)", servers)
	return nil, ""
}

// signMA adds a Message-Authenticator (RFC 3579 §3.2), which wifihk
// requires by default on an Access-Request.
func signMA(p *radius.Packet, secret string) {
	rfc2869.MessageAuthenticator_Set(p, make([]byte, 16))
	raw, err := p.MarshalBinary()
	if err != nil {
		panic(err)
	}
	h := hmac.New(md5.New, []byte(secret))
	h.Write(raw)
	rfc2869.MessageAuthenticator_Set(p, h.Sum(nil))
}

func pap(secret, user, pass, mac string) *radius.Packet {
	p := radius.New(radius.CodeAccessRequest, []byte(secret))
	rfc2865.UserName_SetString(p, user)
	rfc2865.UserPassword_SetString(p, pass)
	rfc2865.CallingStationID_SetString(p, mac)
	rfc2865.NASIdentifier_SetString(p, "sim")
	return p
}

// chap is alice's CHAP login (RFC 2865 §2.2).
func chap(secret, user, pass, mac string) *radius.Packet {
	p := radius.New(radius.CodeAccessRequest, []byte(secret))
	rfc2865.UserName_SetString(p, user)
	challenge := make([]byte, 16)
	rand.Read(challenge)
	h := md5.New()
	h.Write([]byte{7})
	h.Write([]byte(pass))
	h.Write(challenge)
	rfc2865.CHAPPassword_Set(p, append([]byte{7}, h.Sum(nil)...))
	rfc2865.CHAPChallenge_Set(p, challenge)
	rfc2865.CallingStationID_SetString(p, mac)
	rfc2865.NASIdentifier_SetString(p, "sim")
	return p
}

func acct(secret string, status rfc2866.AcctStatusType, id, user, mac string) *radius.Packet {
	p := radius.New(radius.CodeAccountingRequest, []byte(secret))
	rfc2866.AcctStatusType_Set(p, status)
	rfc2866.AcctSessionID_SetString(p, id)
	rfc2865.UserName_SetString(p, user)
	rfc2865.CallingStationID_SetString(p, mac)
	rfc2865.NASIdentifier_SetString(p, "sim")
	return p
}

// coaListener answers every Disconnect-Request with an ACK and reports
// the Acct-Session-Id asked for.
func coaListener(t *testing.T) (port int, got <-chan string) {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			p, err := radius.Parse(buf[:n], []byte(nasSecret))
			if err != nil || p.Code != radius.CodeDisconnectRequest {
				continue
			}
			ch <- rfc2866.AcctSessionID_GetString(p)
			if raw, err := p.Response(radius.CodeDisconnectACK).Encode(); err == nil {
				conn.WriteTo(raw, from)
			}
		}
	}()
	return conn.LocalAddr().(*net.UDPAddr).Port, ch
}

var (
	csrfRE    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	sessionRE = regexp.MustCompile(`data-session="([^"]+)"`)
)

// consoleGet signs in to n's console once and fetches path.
func (n *node) consoleGet(t *testing.T, path string) string {
	t.Helper()
	if !n.consoleSignedIn {
		page := n.fetch(t, "GET", "/console/login", nil)
		n.post(t, page, "/console/login", url.Values{"username": {"admin"}, "password": {staffPass}})
		n.consoleSignedIn = true
	}
	return n.fetch(t, "GET", path, nil)
}

func (n *node) post(t *testing.T, page, path string, form url.Values) string {
	t.Helper()
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		form.Set("csrf", m[1])
	}
	return n.fetch(t, "POST", path, form)
}

func (n *node) fetch(t *testing.T, method, path string, form url.Values) string {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, "http://"+n.http+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := n.console.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 400 {
		t.Fatalf("%s %s on %s: %d\n%s", method, path, n.name, res.StatusCode, b)
	}
	return string(b)
}

// sessions lists the session IDs n's console shows.
func (n *node) sessions(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, m := range sessionRE.FindAllStringSubmatch(n.consoleGet(t, "/console/sessions"), -1) {
		ids = append(ids, m[1])
	}
	slices.Sort(ids)
	return ids
}

// api sends a JSON request to n's API as the seeded admin.
func (n *node) api(t *testing.T, token, method, path string, body any) (int, []byte) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, "http://"+n.http+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// within polls ok every 2 ms until it holds or limit passes, and returns
// how long it took.
func within(t *testing.T, limit time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > limit {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

func TestThreeNodes(t *testing.T) {
	dbURL := pgtest.NewDB(t)
	coaPort, disconnects := coaListener(t)
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	s := seed(t, dirs[0], dbURL, coaPort)
	key, err := os.ReadFile(datadir.Dir(dirs[0]).MasterKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs[1:] {
		if err := controller.RememberStore(d, dbURL); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, filepath.Base(datadir.Dir(d).MasterKey())), key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Started together, each with its own data dir (journals) and the
	// same master.key and database.
	a, b, c := startNode(t, "A", dirs[0], dbURL), startNode(t, "B", dirs[1], dbURL), startNode(t, "C", dirs[2], dbURL)
	for _, n := range []*node{a, b, c} {
		n.waitServing(t)
	}
	// Its timeout leaves room for an argon2id check on a busy machine.
	nas := simNAS{secret: nasSecret, timeout: 3 * time.Second}

	t.Run("portal login on A, Access-Request to B, once", func(t *testing.T) {
		g, err := gateway.Start(gateway.Config{PortalURL: "http://" + a.http + "/portal", RADIUSAddr: b.auth,
			Secret: nasSecret, NASID: "sim", UAMSecret: "uamsecret"})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		g.Attach(netip.MustParseAddr("127.0.0.1"), "02:00:00:00:00:c1")
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		res, err := browser.Get(g.URL + "/?userurl=" + url.QueryEscape("http://example.com/"))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		form := url.Values{"terms": {"yes"}}
		for _, m := range regexp.MustCompile(`name="(csrf|uam)" value="([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
			form.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
		}
		if !strings.Contains(string(page), "http://"+a.http) && res.Request.URL.Host != a.http {
			t.Fatalf("landing page not from A: %s", res.Request.URL)
		}
		if res, err = browser.PostForm("http://"+a.http+"/portal/connect", form); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var first gateway.Result
		select {
		case first = <-g.Results():
		case <-time.After(10 * time.Second):
			t.Fatal("the gateway sent no Access-Request")
		}
		if !first.Accepted {
			t.Fatalf("B refused the credential A's portal issued: %+v", first)
		}
		// The same credential again, to C: it was used once.
		again := pap(nasSecret, first.Username, "00112233445566778899", "02:00:00:00:00:c1")
		if reply, _ := nas.send(t, again, c.auth); reply.Code != radius.CodeAccessReject {
			t.Fatalf("the credential was accepted twice: %v", reply.Code)
		}
	})

	t.Run("one-time credential used on A is refused on B", func(t *testing.T) {
		// B reads it first (a wrong password), so B has it in memory.
		if r, _ := nas.send(t, pap(nasSecret, s.oneTimeUser, "wrong-password-xx", visitorMAC), b.auth); r.Code != radius.CodeAccessReject {
			t.Fatalf("wrong password: %v", r.Code)
		}
		if r, _ := nas.send(t, pap(nasSecret, s.oneTimeUser, s.oneTime, visitorMAC), a.auth); r.Code != radius.CodeAccessAccept {
			t.Fatalf("first use on A: %v", r.Code)
		}
		if r, _ := nas.send(t, pap(nasSecret, s.oneTimeUser, s.oneTime, visitorMAC), b.auth); r.Code != radius.CodeAccessReject {
			t.Fatalf("second use, on B: %v", r.Code)
		}
	})

	t.Run("Simultaneous-Use across nodes", func(t *testing.T) {
		if r, _ := nas.send(t, chap(nasSecret, "alice", "alice-password", aliceMAC), a.auth); r.Code != radius.CodeAccessAccept {
			t.Fatalf("alice's first login: %v", r.Code)
		}
		if r, _ := nas.send(t, acct(nasSecret, rfc2866.AcctStatusType_Value_Start, "alice-1", "alice", aliceMAC), a.acct); r.Code != radius.CodeAccountingResponse {
			t.Fatalf("Start on A: %v", r.Code)
		}
		// Once A has applied the Start, B and C refuse a second session.
		for _, n := range []*node{b, c} {
			took := within(t, 2*time.Second, "a second session refused on "+n.name, func() bool {
				r, _ := nas.send(t, chap(nasSecret, "alice", "alice-password", aliceMAC), n.auth)
				return r.Code == radius.CodeAccessReject
			})
			t.Logf("Start on A limits %s after %v", n.name, took)
		}
	})

	t.Run("NAS and venue added on A work on B within 1 s", func(t *testing.T) {
		// B's lists come from its memory: fill it first.
		listed := func() bool {
			_, list := b.api(t, s.token, "GET", "/api/v1/venues?org=cluster", nil)
			_, open := b.api(t, s.token, "GET", "/opendata/hotspots.json", nil)
			return bytes.Contains(list, []byte("Cluster Venue")) && bytes.Contains(open, []byte("Cluster Venue"))
		}
		if listed() {
			t.Fatal("venue listed before it was added")
		}
		code, body := a.api(t, s.token, "POST", "/api/v1/venues", hotspots.Venue{Org: "cluster", LocationID: "V1",
			NameEN: "Cluster Venue", TypeEN: "Library", AddressEN: "1 Test Road", District: "Wan Chai",
			Latitude: 22.28, Longitude: 114.18})
		if code != http.StatusCreated {
			t.Fatalf("venue on A: %d %s", code, body)
		}
		took := within(t, time.Second, "the venue in B's lists and open data", listed)
		t.Logf("venue added on A listed by B (API and open data) after %v", took)
		code, body = a.api(t, s.token, "POST", "/api/v1/nas", map[string]any{"name": "sim2", "ip": "127.0.0.2",
			"secret": otherSecret, "nas_identifier": "sim2"})
		if code != http.StatusCreated {
			t.Fatalf("NAS on A: %d %s", code, body)
		}
		start := time.Now()
		for {
			p := radius.New(radius.CodeAccessRequest, []byte(otherSecret))
			rfc2865.UserName_SetString(p, "alice-nobody")
			rfc2865.UserPassword_SetString(p, "x")
			signMA(p, otherSecret)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			cl := radius.Client{Retry: 0, Dialer: net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP("127.0.0.2")}}}
			r, err := cl.Exchange(ctx, p, b.auth)
			cancel()
			if err == nil && r.Code == radius.CodeAccessReject {
				break // B knows the NAS and its secret: it answers
			}
			if time.Since(start) > time.Second {
				t.Fatalf("B did not answer the NAS added on A within 1 s")
			}
		}
		t.Logf("NAS added on A answered by B after %v", time.Since(start))
	})

	t.Run("disconnect from B of a session accounted through A", func(t *testing.T) {
		want := []string{"sim/alice-1"}
		within(t, 2*time.Second, "the session on every console", func() bool {
			return slices.Equal(a.sessions(t), want) && slices.Equal(b.sessions(t), want) && slices.Equal(c.sessions(t), want)
		})
		page := b.consoleGet(t, "/console/sessions")
		res := b.post(t, page, "/console/sessions/disconnect", url.Values{"id": {"sim/alice-1"}})
		if !strings.Contains(res, `data-ack="true"`) {
			t.Fatalf("disconnect from B: %s", res)
		}
		select {
		case id := <-disconnects:
			if id != "alice-1" {
				t.Fatalf("Disconnect-Request for %q", id)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the NAS got no Disconnect-Request")
		}
	})

	t.Run("the NAS fails over when A dies", func(t *testing.T) {
		a.kill()
		stop := acct(nasSecret, rfc2866.AcctStatusType_Value_Stop, "alice-1", "alice", aliceMAC)
		rfc2866.AcctTerminateCause_Set(stop, rfc2866.AcctTerminateCause_Value_AdminReset)
		if r, by := nas.send(t, stop, a.acct, b.acct, c.acct); r.Code != radius.CodeAccountingResponse || by != b.acct {
			t.Fatalf("Stop: %v from %s", r.Code, by)
		}
		within(t, 2*time.Second, "no open session on B and C", func() bool {
			return len(b.sessions(t)) == 0 && len(c.sessions(t)) == 0
		})
		if _, by := nas.send(t, chap(nasSecret, "alice", "alice-password", aliceMAC), a.auth, c.auth); by != c.auth {
			t.Fatalf("Access-Request with A down answered by %s", by)
		}
		// C lets alice in again once B's Stop has reached it (B's journal
		// delay and the feed's).
		took := within(t, time.Second, "alice accepted by C after her Stop on B", func() bool {
			r, _ := nas.send(t, chap(nasSecret, "alice", "alice-password", aliceMAC), c.auth)
			return r.Code == radius.CodeAccessAccept
		})
		t.Logf("Stop on B frees alice on C after %v", took)
	})
}

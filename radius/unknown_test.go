package radius

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// lockedBuffer is a log sink that server goroutines write while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLog waits until the log holds want.
func waitLog(t *testing.T, l *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(l.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", want, l.String())
		}
		time.Sleep(5 * time.Millisecond) // polling a log, not waiting for readiness
	}
}

// loggedServer serves h's authenticator on a new socket with its log in l.
func loggedServer(t *testing.T, h *harness, l *lockedBuffer) *net.UDPAddr {
	log := slog.New(slog.NewTextHandler(l, nil))
	auth, err := NewAuthenticator(AuthConfig{Credentials: visitors.NewCachedReader(h.vis), Sessions: h.sess, Plans: h.reg,
		DefaultPlan: hotspots.DefaultPlan(), Metrics: h.met, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(ServerConfig{Port: AuthPort, NAS: h.reg, Handler: auth, Metrics: h.met, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(conn)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return conn.LocalAddr().(*net.UDPAddr)
}

// A gateway's portal logins that come from another address than the one
// its NAS is registered with are dropped; the log names the NAS by the
// request's NAS-Identifier and says how to register both addresses.
func TestUnknownSourceNamesTheNASItClaims(t *testing.T) {
	h := newHarness(t, hotspots.MARequire)
	if _, err := h.reg.AddNAS(hotspots.NASInput{Name: "chilli-7", IP: "127.0.0.2", Secret: "chilli-secret", Identifier: "venue-7"}); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	to := loggedServer(t, h, &logs)
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3)}, to)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p := accessRequest("chilli-secret", "demo", "demo1234")
	rfc2865.NASIdentifier_SetString(p, "venue-7")
	if _, err := conn.Write(mustEncodeMA(t, p)); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, "its NAS-Identifier is that of NAS chilli-7, registered for 127.0.0.2/32")
	if !strings.Contains(logs.String(), "src=127.0.0.3") {
		t.Fatalf("log lacks the source:\n%s", logs.String())
	}
}

// A refused login is logged at info, the level an operator runs at.
func TestRejectIsLoggedAtInfo(t *testing.T) {
	h := newHarness(t, hotspots.MARequire)
	h.addUser("alice", "right-password", false)
	var logs lockedBuffer
	to := loggedServer(t, h, &logs)
	c := h.client(to)
	req := mustEncodeMA(t, accessRequest(testSecret, "alice", "wrong-password"))
	if reply := checkReply(t, c.exchange(req, answerWait), req, true); reply.Code.String() != "Access-Reject" {
		t.Fatalf("reply %v, want Access-Reject", reply.Code)
	}
	waitLog(t, &logs, "level=INFO msg=\"access rejected\" component=radius-auth nas=test-nas reason=bad_password")
}

// A registered NAS whose packets are dropped (here: the wrong shared
// secret) is named in the log with the reason and what to do, once per
// interval, not once per packet.
func TestDropsFromARegisteredNASAreLogged(t *testing.T) {
	h := newHarness(t, hotspots.MARequire)
	var logs lockedBuffer
	to := loggedServer(t, h, &logs)
	c := h.client(to)
	for range 3 {
		req := mustEncodeMA(t, accessRequest("not-the-secret", "demo", "demo1234"))
		if reply := c.exchange(req, 200*time.Millisecond); reply != nil {
			t.Fatal("a packet with the wrong secret was answered")
		}
	}
	waitLog(t, &logs, "nas=test-nas src=127.0.0.1 reason=bad_message_auth")
	if !strings.Contains(logs.String(), "shared secret") {
		t.Fatalf("the log does not say what to check:\n%s", logs.String())
	}
	if n := strings.Count(logs.String(), "reason=bad_message_auth"); n != 1 {
		t.Fatalf("logged %d times for 3 packets in one interval, want 1:\n%s", n, logs.String())
	}
}

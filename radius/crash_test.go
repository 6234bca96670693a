package radius_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller/cli"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
)

// crashServeEnv makes the test binary run "wifihk serve" instead of the
// tests, so the crash test has a real process to SIGKILL.
const crashServeEnv = "WIFIHK_TEST_SERVE_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(crashServeEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

const crashSecret = "crash-test-secret"

// serverProc is wifihk serve in a child process.
type serverProc struct {
	cmd  *exec.Cmd
	acct string
	done chan struct{}
}

func startServer(t *testing.T, dir string) *serverProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashServeEnv+"="+strings.Join([]string{"serve", "-data", dir,
		"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0", "-http", "127.0.0.1:0"}, "\n"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`radius_acct=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	select {
	case p.acct = <-ready:
	case <-p.done:
		t.Fatal("server exited before it was ready")
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server not ready after 30s")
	}
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	return p
}

// TestAcknowledgedAccountingSurvivesSIGKILL kills the server with SIGKILL
// in the middle of an accounting load, restarts it, and checks that every
// Interim-Update that got an Accounting-Response is in the store.
func TestAcknowledgedAccountingSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dir := t.TempDir()
	seedNAS(t, dir)
	srv := startServer(t, dir)

	const workers = 16
	acked := make([]atomic.Uint32, workers) // highest acknowledged octets per session
	var total atomic.Int64
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sendUntilDead(t, srv.acct, w, func(v uint32) {
				acked[w].Store(v)
				if total.Add(1) >= 1500 {
					once.Do(func() { close(enough) })
				}
			})
		}()
	}
	select {
	case <-enough:
	case <-time.After(20 * time.Second):
	}
	srv.cmd.Process.Signal(syscall.SIGKILL)
	<-srv.done
	wg.Wait()
	if total.Load() < 100 {
		t.Fatalf("only %d accounting packets acknowledged before the kill; the load did not run", total.Load())
	}

	startServer(t, dir) // recovers the file and serves again
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), []string{"session", "list", "-data", dir, "-json", "-limit", "0"}, &out, &errOut); code != 0 {
		t.Fatalf("session list: exit %d: %s", code, errOut.String())
	}
	var got struct{ Sessions []accounting.Session }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	stored := map[string]uint64{}
	for _, s := range got.Sessions {
		stored[s.AcctID] = s.InputOctets
	}
	for w := range acked {
		want := uint64(acked[w].Load())
		if id := sessionID(w); want > 0 && stored[id] < want {
			t.Errorf("session %s: acknowledged %d octets, store has %d", id, want, stored[id])
		}
	}
	if !t.Failed() {
		t.Logf("%d packets acknowledged before SIGKILL; all found after restart", total.Load())
	}
}

func seedNAS(t *testing.T, dir string) {
	sealer, err := secrets.Load(dir) // the key first, as serve makes it
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.AddNAS(hotspots.NASInput{Name: "crash-nas", IP: "127.0.0.1", Secret: crashSecret}); err != nil {
		t.Fatal(err)
	}
}

func sessionID(w int) string { return "crash-" + string(rune('a'+w)) }

// sendUntilDead sends Interim-Updates with growing octet counts for one
// session, one at a time, calling ack for each answered one, until the
// server stops answering.
func sendUntilDead(t *testing.T, addr string, w int, ack func(uint32)) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	for v := uint32(1); ; v++ {
		p := layeh.New(layeh.CodeAccountingRequest, []byte(crashSecret))
		rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_InterimUpdate)
		rfc2866.AcctSessionID_SetString(p, sessionID(w))
		rfc2865.UserName_SetString(p, "load")
		rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(v))
		req, err := p.Encode()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Write(req)
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			return // killed: no more answers
		}
		if layeh.IsAuthenticResponse(buf[:n], req, []byte(crashSecret)) {
			ack(v)
		}
	}
}

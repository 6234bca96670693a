package radius

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	layeh "layeh.com/radius"
)

// homeFreeRADIUS is a private FreeRADIUS 3.2 (Debian freeradius) on
// loopback, another operator's home server: a generated configuration in
// a temp dir, PAP against a users file, accounting answered, and
// Status-Server (RFC 5997) answered.
type homeFreeRADIUS struct {
	t    testing.TB
	dir  string
	auth netip.AddrPort // its accounting port is the next one
	cmd  *exec.Cmd
	done chan struct{}
	log  bytes.Buffer
}

func needFreeRADIUS(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("freeradius")
	if err != nil {
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatal("freeradius not found and WIFIHK_INTEROP=1: install freeradius")
		}
		t.Skip("freeradius not found: install freeradius (or set WIFIHK_INTEROP=1 to fail instead of skip)")
	}
	return path
}

// freePorts returns an address whose UDP port and the next are free now.
func freePorts(t testing.TB) netip.AddrPort {
	t.Helper()
	// Below the kernel's ephemeral range (32768-60999 by default), so that
	// no socket bound to port 0 elsewhere on the machine takes them while
	// a home server restarts on them.
	for range 200 {
		port := 20000 + rand.IntN(12000)
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + 1})
		a.Close()
		if err == nil {
			b.Close()
			return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
		}
	}
	t.Fatal("no two free adjacent UDP ports")
	return netip.AddrPort{}
}

// startFreeRADIUS writes a configuration in which users (a users-file
// text) authenticate and starts it on free ports.
func startFreeRADIUS(t testing.TB, secret, users string) *homeFreeRADIUS {
	t.Helper()
	needFreeRADIUS(t)
	f := &homeFreeRADIUS{t: t, dir: t.TempDir(), auth: freePorts(t)}
	for _, d := range []string{"log", "run"} {
		if err := os.Mkdir(filepath.Join(f.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"dictionary":   "$INCLUDE /usr/share/freeradius/dictionary\n",
		"users":        users,
		"radiusd.conf": fmt.Sprintf(freeRADIUSConf, f.dir, secret, f.auth.Port(), f.auth.Port()+1),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.start()
	t.Cleanup(f.kill)
	return f
}

// start runs FreeRADIUS in the foreground and waits until it answers
// Status-Server.
func (f *homeFreeRADIUS) start() {
	f.t.Helper()
	f.log.Reset()
	f.cmd = exec.Command("freeradius", "-f", "-d", f.dir, "-l", "stdout")
	f.cmd.Stdout, f.cmd.Stderr = &f.log, &f.log
	if err := f.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(f.cmd, f.done)
	c, err := DialUDP(f.auth, 100*time.Millisecond, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := layeh.New(layeh.CodeStatusServer, []byte(homeSecret))
		if _, err := c.Exchange(context.Background(), p); err == nil {
			return
		}
		select {
		case <-f.done:
			f.t.Fatalf("freeradius exited: %s", f.log.String())
		default:
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("freeradius did not answer Status-Server within 20s: %s", f.log.String())
		}
	}
}

// kill ends FreeRADIUS at once (SIGKILL), as a crash does.
func (f *homeFreeRADIUS) kill() {
	if f.cmd != nil && f.cmd.Process != nil {
		f.cmd.Process.Kill()
		<-f.done
	}
}

// freeRADIUSConf is a whole radiusd.conf: dir, client secret, auth and
// accounting ports.
const freeRADIUSConf = `prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
raddbdir = %[1]s
confdir = %[1]s
logdir = %[1]s/log
run_dir = %[1]s/run
libdir = /usr/lib/freeradius
pidfile = %[1]s/run/radiusd.pid
name = freeradius
max_request_time = 30
cleanup_delay = 5
max_requests = 65536
hostname_lookups = no
log {
	destination = stdout
}
security {
	allow_vulnerable_openssl = yes
	status_server = yes
}
thread pool {
	start_servers = 4
	max_servers = 32
	min_spare_servers = 2
	max_spare_servers = 8
}
client wifihk {
	ipaddr = 127.0.0.1
	secret = %[2]s
}
modules {
	pap {
	}
	files {
		filename = %[1]s/users
	}
	always ok {
		rcode = ok
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = %[3]d
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = %[4]d
	}
	authorize {
		Autz-Type Status-Server {
			ok
		}
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	accounting {
		ok
	}
}
`

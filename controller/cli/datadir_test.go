package cli

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
)

// serveBriefly runs serve on dir and returns its exit code and stderr; a
// serve that starts is stopped after a few seconds (and so exits 0).
func serveBriefly(t *testing.T, dir string, extra ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer time.AfterFunc(3*time.Second, cancel).Stop()
	var errOut bytes.Buffer
	code := Run(ctx, append([]string{"serve", "-data", dir, "-http", "127.0.0.1:0", "-https", "127.0.0.1:0",
		"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0"}, extra...), &bytes.Buffer{}, &errOut)
	return code, errOut.String()
}

// initialised makes a data dir as an operator's: a NAS with a sealed
// secret, and a journal tail not yet applied.
func initialised(t *testing.T) (datadir.Dir, []byte) {
	t.Helper()
	d := datadir.Dir(t.TempDir())
	if code, _, errOut := run(t, "nas", "add", "-data", string(d), "-name", "gw1", "-ip", "10.0.0.1", "-secret", "s3cret-gw1"); code != 0 {
		t.Fatalf("nas add: exit %d: %s", code, errOut)
	}
	tail := []byte("a journal tail the database has not seen")
	if err := os.WriteFile(d.AccountingJournal(), tail, 0o600); err != nil {
		t.Fatal(err)
	}
	return d, tail
}

// An initialised data dir whose database is gone or empty is never
// initialised afresh: serve and the admin commands refuse, say what to do,
// and leave the journals as they were.
func TestMissingDatabaseIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		harm func(d datadir.Dir) error
		want string
	}{
		{"deleted", func(d datadir.Dir) error { return os.Remove(d.DB()) }, "wifihk.db is missing"},
		{"empty", func(d datadir.Dir) error { return os.Truncate(d.DB(), 0) }, "wifihk.db is empty"},
		{"deleted with the key", func(d datadir.Dir) error {
			os.Remove(d.MasterKey())
			return os.Remove(d.DB())
		}, "master.key is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, tail := initialised(t)
			if err := tc.harm(d); err != nil {
				t.Fatal(err)
			}
			code, errOut := serveBriefly(t, string(d))
			if code != 1 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "restore") || !strings.Contains(errOut, "backup") {
				t.Errorf("serve: exit %d, stderr %q; want a refusal saying %q and what to do", code, errOut, tc.want)
			}
			code, _, errOut = run(t, "nas", "list", "-data", string(d))
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("nas list: exit %d, stderr %q", code, errOut)
			}
			if got, err := os.ReadFile(d.AccountingJournal()); !bytes.Equal(got, tail) {
				t.Errorf("the journal was touched: %q, %v", got, err)
			}
			if fi, err := os.Stat(d.DB()); err == nil && fi.Size() > 0 {
				t.Errorf("a new database of %d bytes was made", fi.Size())
			}
		})
	}
}

// A missing master key is not replaced by a new one: serve refuses and
// leaves no key file where the operator will put the real one back.
func TestMissingKeyIsNotReplaced(t *testing.T) {
	d, _ := initialised(t)
	if err := os.Remove(d.MasterKey()); err != nil {
		t.Fatal(err)
	}
	code, errOut := serveBriefly(t, string(d))
	if code != 1 || !strings.Contains(errOut, "master.key is missing") || !strings.Contains(errOut, "backup") {
		t.Errorf("serve: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run(t, "nas", "list", "-data", string(d)); code != 1 || !strings.Contains(errOut, "master.key is missing") {
		t.Errorf("nas list: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(d.MasterKey()); err == nil {
		t.Error("a new master.key was made")
	}
}

// A database cut short is refused with a message, not a crash.
func TestTruncatedDatabaseServeRefuses(t *testing.T) {
	d, _ := initialised(t)
	fi, _ := os.Stat(d.DB())
	if err := os.Truncate(d.DB(), fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	code, errOut := serveBriefly(t, string(d))
	if code != 1 || !strings.Contains(errOut, "truncated") || !strings.Contains(errOut, "restore it from a backup") {
		t.Errorf("serve: exit %d, stderr %q", code, errOut)
	}
}

// An empty data dir still initialises: the rule is only for dirs that
// hold something. A missing one is refused by an admin command, so that a
// mistyped -data does not become a new installation with its own master
// key; serve creates it.
func TestFreshDataDirInitialises(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "nas", "list", "-data", dir); code != 0 {
		t.Fatalf("nas list on %s: exit %d: %s", dir, code, errOut)
	}
	d := datadir.Dir(dir)
	if _, err := os.Stat(d.MasterKey()); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(d.DB()); err != nil {
		t.Error(err)
	}
	missing := filepath.Join(t.TempDir(), "new", "sub")
	code, _, errOut := run(t, "nas", "list", "-data", missing)
	if code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("nas list on a missing dir: exit %d, stderr %q; want 1 and what is wrong", code, errOut)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing dir was made: %v", err)
	}
	if code, errOut := serveBriefly(t, missing); code != 0 {
		t.Fatalf("serve on a missing dir: exit %d: %s", code, errOut)
	}
	// An empty database file alone (a first start that died) holds nothing
	// to lose.
	d = datadir.Dir(t.TempDir())
	os.WriteFile(d.DB(), nil, 0o600)
	if code, errOut := serveBriefly(t, string(d), "-demo"); code != 0 {
		t.Fatalf("serve -demo: exit %d: %s", code, errOut)
	}
}

// A start that fails after the control socket is up (here: the HTTP port
// is taken) leaves no socket behind.
func TestFailedStartRemovesControlSocket(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	d := datadir.Dir(t.TempDir())
	var errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "-data", string(d), "-http", taken.Addr().String(),
		"-https", "127.0.0.1:0", "-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0"}, &bytes.Buffer{}, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "address already in use") {
		t.Fatalf("serve on a taken port: exit %d: %s", code, errOut.String())
	}
	if _, err := os.Stat(d.ControlSocket()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start left %s: %v", d.ControlSocket(), err)
	}
}

// A socket that no process answers on (a killed server's) is replaced; one
// that answers is not taken over.
func TestControlSocketStaleOrLive(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	d := datadir.Dir(t.TempDir())
	dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: d.ControlSocket(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	dead.SetUnlinkOnClose(false) // as SIGKILL leaves it
	dead.Close()
	stop, err := ServeControl(context.Background(), Env{DataDir: string(d)}, log)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	stop()
	if _, err := os.Stat(d.ControlSocket()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stop left the socket: %v", err)
	}

	live, err := net.Listen("unix", d.ControlSocket())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if stop, err := ServeControl(context.Background(), Env{DataDir: string(d)}, log); err == nil || !strings.Contains(err.Error(), "another process answers") {
		if err == nil {
			stop()
		}
		t.Fatalf("live socket taken over: %v", err)
	}
	c, err := net.Dial("unix", d.ControlSocket())
	if err != nil {
		t.Fatalf("the live socket no longer answers: %v", err)
	}
	c.Close()
}

// A certificate or key that cannot be read fails the start with what is
// wrong, before anything is served, not at the first TLS handshake.
func TestServeChecksTLSFilesFirst(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	cfg := filepath.Join(dir, "wifihk.yaml")
	os.WriteFile(cfg, []byte("http:\n  tls_cert: "+junk+"\n  tls_key: "+junk+"\n"), 0o600)
	code, errOut := serveBriefly(t, filepath.Join(dir, "data"), "-config", cfg)
	if code != 1 || !strings.Contains(errOut, "http.tls_cert and http.tls_key") || strings.Contains(errOut, "wifihk serving") {
		t.Fatalf("serve with a junk certificate: exit %d, stderr %q", code, errOut)
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestNASAddOnStoppedDataDir(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "nas", "add", "-data", dir, "-name", "gw1", "-ip", "10.0.0.0/24", "-secret", "s3cret-gw1", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("-json output is not one JSON object: %v\n%s", err, out)
	}
	if got["ip"] != "10.0.0.0/24" || got["coa_port"] != float64(3799) || got["require_message_authenticator"] != "require" {
		t.Errorf("unexpected NAS: %v", got)
	}
	if strings.Contains(out, "s3cret-gw1") {
		t.Error("the secret must not be printed")
	}
	raw, _ := os.ReadFile(datadir.Dir(dir).DB())
	if bytes.Contains(raw, []byte("s3cret-gw1")) {
		t.Error("the secret is stored in clear in the database file")
	}
	// Overlapping address range is refused with a message naming the field.
	code, _, errOut = run(t, "nas", "add", "-data", dir, "-name", "gw2", "-ip", "10.0.0.7", "-secret", "another1")
	if code != 1 || !strings.Contains(errOut, "ip:") || !strings.Contains(errOut, "gw1") {
		t.Errorf("overlap: exit %d, %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"unknown flag", []string{"nas", "add", "-data", t.TempDir(), "-bogus"}, 2, "bogus"},
		{"bad ip", []string{"nas", "add", "-data", t.TempDir(), "-name", "x", "-ip", "300.1.1.1", "-secret", "abcdefgh"}, 1, "ip:"},
		{"bad policy", []string{"nas", "add", "-data", t.TempDir(), "-name", "x", "-ip", "10.1.1.1", "-secret", "abcdefgh", "-require-message-authenticator", "maybe"}, 1, "require-message-authenticator"},
		{"backup without file", []string{"backup", "-data", t.TempDir()}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errOut, tc.want)
			}
		})
	}
}

// While serve holds the database, admin commands run inside the server over
// the control socket, and backup copies the live database.
func TestAdminCommandsWhileServing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serveErr bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"serve", "-data", dir, "-http", "127.0.0.1:0",
			"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0"}, &bytes.Buffer{}, &serveErr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, serveErr.String())
		}
	})
	sock := datadir.Dir(dir).ControlSocket()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, serveErr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("control socket never appeared")
		}
	}
	code, out, errOut := run(t, "nas", "add", "-data", dir, "-name", "live", "-ip", "192.0.2.1", "-secret", "live-secret", "-json")
	if code != 0 || !strings.Contains(out, `"live"`) {
		t.Fatalf("nas add while serving: exit %d %s %s", code, out, errOut)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errOut := run(t, "backup", "-data", dir, backup); code != 0 {
		t.Fatalf("backup while serving: exit %d %s", code, errOut)
	}
	db, err := store.OpenFile(backup, store.Options{})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *store.Tx) error {
		var v map[string]any
		return tx.Get(store.NAS, "live", &v)
	})
	if err != nil {
		t.Fatalf("backup lacks the NAS added while serving: %v", err)
	}
}

func TestAbsPathsOnlyWherePathsAre(t *testing.T) {
	wd, _ := os.Getwd()
	for _, tc := range []struct {
		name        string
		args, paths []string
		want        []string
	}{
		{"positional file", []string{"-data", "d", "x.db"}, []string{"FILE"}, []string{"-data", "d", filepath.Join(wd, "x.db")}},
		{"after -json", []string{"-json", "x.csv"}, []string{"FILE"}, []string{"-json", filepath.Join(wd, "x.csv")}},
		{"no positional", []string{"-data", "d"}, []string{"FILE"}, []string{"-data", "d"}},
		{"flag value", []string{"-o", "out.csv", "-format", "csv"}, []string{"-o"}, []string{"-o", filepath.Join(wd, "out.csv"), "-format", "csv"}},
		{"flag=value", []string{"--print=v.html"}, []string{"-print"}, []string{"--print=" + filepath.Join(wd, "v.html")}},
		{"session id stays", []string{"-data", "d", "gw1/abc"}, nil, []string{"-data", "d", "gw1/abc"}},
		{"file before flags", []string{"-data", "d", "x.csv", "-json"}, []string{"FILE"}, []string{"-data", "d", filepath.Join(wd, "x.csv"), "-json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := absPaths(tc.args, tc.paths)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFlagsAfterPositionalArguments(t *testing.T) {
	dir := t.TempDir()
	backup := filepath.Join(t.TempDir(), "b.db")
	code, out, errOut := run(t, "backup", "-data", dir, backup, "-json")
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Fatalf("backup FILE -json: exit %d, %q %q", code, out, errOut)
	}
	if code, _, _ := run(t, "backup", "-data", dir, backup, "extra"); code != 2 {
		t.Fatalf("two files: exit %d, want 2", code)
	}
}

// A socket left by a killed server does not stop admin commands.
func TestStaleControlSocket(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(datadir.Dir(dir).ControlSocket(), nil, 0o600)
	if code, _, errOut := run(t, "nas", "list", "-data", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestNASAddWithCertificateIdentity(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "nas", "add", "-data", dir, "-name", "peer", "-ip", "192.0.2.9", "-secret", "udp-secret",
		"-cert-issuer", "Peer CA", "-cert-subject", "radsec.peer.example", "-cert-san", "radsec.peer.example", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Cert map[string]string `json:"cert"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Cert["issuer"] != "Peer CA" || got.Cert["subject"] != "radsec.peer.example" || got.Cert["san"] != "radsec.peer.example" {
		t.Errorf("cert = %v", got.Cert)
	}
	code, _, errOut = run(t, "nas", "add", "-data", dir, "-name", "peer2", "-ip", "192.0.2.10", "-secret", "udp-secret",
		"-cert-subject", "radsec.peer.example")
	if code != 1 || !strings.Contains(errOut, "cert-issuer") {
		t.Errorf("subject without issuer: exit %d, %q", code, errOut)
	}
}

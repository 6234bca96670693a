package cli

import (
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

func TestCertIssueListRevoke(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"org", "add", "-data", dir, "-code", "school", "-name", "A School"},
		{"user", "add", "-data", dir, "-username", "amy", "-password", "amy-pass-1", "-org", "school"},
	} {
		if code, _, errOut := run(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	out := filepath.Join(t.TempDir(), "amy")
	code, stdout, errOut := run(t, "cert", "issue", "-data", dir, "-org", "school", "-username", "amy", "-out", out, "-json")
	if code != 0 {
		t.Fatalf("issue: exit %d: %s", code, errOut)
	}
	var got struct{ Serial, Username string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.Username != "amy" || got.Serial == "" {
		t.Fatalf("issue output %q (%v)", stdout, err)
	}
	if _, err := tls.LoadX509KeyPair(out+".crt", out+".key"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (%v)", fi.Mode(), err)
	}
	// -p12: the same as one file under a password printed once.
	code, stdout, errOut = run(t, "cert", "issue", "-data", dir, "-org", "school", "-username", "amy", "-out", out+"-2", "-p12", "-json")
	var withP12 struct {
		P12         string `json:"p12"`
		P12Password string `json:"p12_password"`
	}
	if err := json.Unmarshal([]byte(stdout), &withP12); code != 0 || err != nil || withP12.P12Password == "" {
		t.Fatalf("issue -p12: exit %d %s %q (%v)", code, errOut, stdout, err)
	}
	file, err := os.ReadFile(out + "-2.p12")
	if err != nil {
		t.Fatal(err)
	}
	if _, leaf, _, err := pkcs12.DecodeChain(file, withP12.P12Password); err != nil || leaf.Subject.CommonName != "amy" {
		t.Fatalf("the .p12 does not open with the printed password: %v", err)
	}
	if code, _, errOut := run(t, "cert", "issue", "-data", dir, "-org", "nowhere", "-username", "amy", "-out", out); code == 0 || !strings.Contains(errOut, "-org") {
		t.Fatalf("unknown org: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "cert", "revoke", "-data", dir, "-org", "school", "-serial", got.Serial); code != 0 {
		t.Fatalf("revoke: exit %d: %s", code, errOut)
	}
	if code, stdout, _ := run(t, "cert", "list", "-data", dir, "-org", "school"); code != 0 || !strings.Contains(stdout, got.Serial) || !strings.Contains(stdout, "revoked") {
		t.Fatalf("list: exit %d:\n%s", code, stdout)
	}
}

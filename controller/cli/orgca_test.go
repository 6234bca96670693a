package cli

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

func TestCertCAImportListCRLRemove(t *testing.T) {
	dir, files := t.TempDir(), t.TempDir()
	if code, _, errOut := run(t, "org", "add", "-data", dir, "-code", "school", "-name", "A School"); code != 0 {
		t.Fatalf("org add: exit %d: %s", code, errOut)
	}
	school := orgpkitest.New(t, "School AD CA")
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile, junk := write("ca.pem", school.PEM), write("junk.pem", []byte("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"))
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-org", "school", "-identity", "upn", junk}, "orgpki: certificate"},
		{[]string{"-org", "school", "-identity", "dn", caFile}, "not upn, email or cn"},
		{[]string{"-org", "nowhere", "-identity", "upn", caFile}, "-org"},
		{[]string{"-org", "school", "-identity", "upn"}, "FILE"},
	} {
		if code, _, errOut := run(t, append([]string{"cert", "ca", "import", "-data", dir}, bad.args...)...); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Errorf("import %v: exit %d %q, want %q", bad.args, code, errOut, bad.want)
		}
	}
	code, stdout, errOut := run(t, "cert", "ca", "import", "-data", dir, "-org", "school", "-identity", "upn", "-domain", "school.edu.hk", "-strip-domain", caFile, "-json")
	var ca struct {
		ID       string
		Identity struct{ Field, Domain string }
	}
	if err := json.Unmarshal([]byte(stdout), &ca); code != 0 || err != nil || len(ca.ID) != 64 || ca.Identity.Domain != "school.edu.hk" {
		t.Fatalf("import: exit %d %s %q (%v)", code, errOut, stdout, err)
	}
	now := time.Now()
	leaf := school.Issue(t, orgpkitest.Names{UPN: "amy@school.edu.hk"})
	crl := write("school.crl", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: school.CRL(t, 3, now.Add(-time.Minute), now.Add(time.Hour), leaf.Cert)}))
	expired := write("old.crl", school.CRL(t, 2, now.Add(-2*time.Hour), now.Add(-time.Hour)))
	if code, _, errOut := run(t, "cert", "ca", "crl", "-data", dir, "-org", "school", "-id", ca.ID[:16], expired); code == 0 || !strings.Contains(errOut, "expired") {
		t.Fatalf("an expired CRL: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "cert", "ca", "crl", "-data", dir, "-org", "school", "-id", ca.ID[:16], crl); code != 0 {
		t.Fatalf("crl: exit %d: %s", code, errOut)
	}
	if code, stdout, _ := run(t, "cert", "ca", "list", "-data", dir, "-org", "school"); code != 0 || !strings.Contains(stdout, ca.ID[:16]) ||
		!strings.Contains(stdout, "upn, @school.edu.hk stripped") || !strings.Contains(stdout, "1 revoked") {
		t.Fatalf("list: exit %d:\n%s", code, stdout)
	}
	if code, _, errOut := run(t, "cert", "ca", "remove", "-data", dir, "-org", "shop", "-id", ca.ID); code == 0 || !strings.Contains(errOut, "no such imported CA") {
		t.Fatalf("remove from another organisation: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "cert", "ca", "remove", "-data", dir, "-org", "school", "-id", ca.ID); code != 0 {
		t.Fatalf("remove: exit %d: %s", code, errOut)
	}
	if code, stdout, _ := run(t, "cert", "ca", "list", "-data", dir, "-org", "school", "-json"); code != 0 || !strings.Contains(stdout, `"cas": []`) {
		t.Fatalf("list after remove: exit %d:\n%s", code, stdout)
	}
}

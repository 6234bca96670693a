package console_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// A realm's own RadSec client certificate from the console's form:
// uploaded with its key (a key of another certificate is refused on its
// field), shown by subject, issuer and expiry and never the key, in
// three languages; a form without the page's token is refused; another
// organisation's operator cannot edit it; an edit that uploads nothing
// keeps it, and the remove box removes it.
func TestRealmClientCertForm(t *testing.T) {
	a := startApp(t, appOpts{})
	fed := radsectest.NewCA(t, "Federation B")
	mine, other := fed.Client("proxy-b"), fed.Client("other")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	keyBody := strings.Split(string(read(mine.KeyFile)), "\n")[1]
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	for lang, label := range map[string]string{"en": "Client certificate for this realm", "zh-Hant": "用戶端證書", "zh-Hans": "客户端证书"} {
		if _, page := get(t, op, a.URL+"/console/realms?lang="+lang); !strings.Contains(page, label) || !strings.Contains(page, `enctype="multipart/form-data"`) {
			t.Errorf("%s: the add form has no client certificate upload saying %q", lang, label)
		}
	}
	_, page := get(t, op, a.URL+"/console/realms")
	fields := url.Values{"name": {"fed.a.example"}, "mode": {"servers"}, "transport": {"radsec"}, "servers": {"192.0.2.7"}, "timeout": {"3"}, "retries": {"1"}}
	files := func(cert, key radsectest.Issued) []formUpload {
		return []formUpload{{"client_cert", "cert.pem", read(cert.CertFile)}, {"client_key", "key.pem", read(key.KeyFile)}}
	}
	code, body := postFiles(t, op, page, a.URL+"/console/realms?lang=en", fields, files(mine, other)...)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "does not go with the certificate") ||
		!regexp.MustCompile(`id="client_key"[^>]*aria-invalid="true"`).MatchString(body) {
		t.Fatalf("a key of another certificate: %d\n%s", code, body)
	}
	if code, _ := postFiles(t, op, "", a.URL+"/console/realms?lang=en", fields, files(mine, mine)...); code != http.StatusForbidden {
		t.Errorf("an upload without the form's token: %d", code)
	}
	code, body = postFiles(t, op, page, a.URL+"/console/realms?lang=en", fields, files(mine, mine)...)
	if code != 200 || !strings.Contains(body, "Client certificate: CN=proxy-b, issued by CN=Federation B") || strings.Contains(body, keyBody) {
		t.Fatalf("add: %d\n%s", code, body)
	}
	if _, list := get(t, op, a.URL+"/console/realms?lang=zh-Hans"); !strings.Contains(list, "客户端证书：CN=proxy-b，由 CN=Federation B") {
		t.Error("the realm's row does not show its certificate in Simplified Chinese")
	}

	otherOp := client(t)
	signIn(t, otherOp, a.URL, "op-b")
	if code, _ := get(t, otherOp, a.URL+"/console/realms/edit?realm=fed.a.example"); code != http.StatusNotFound {
		t.Errorf("another organisation's edit form: %d", code)
	}
	code, edit := get(t, op, a.URL+"/console/realms/edit?realm=fed.a.example")
	if code != 200 || !strings.Contains(edit, `id="client-cert-now"`) || !strings.Contains(edit, `id="remove_client_cert"`) || strings.Contains(edit, keyBody) {
		t.Fatalf("edit form: %d\n%s", code, edit)
	}
	fields.Set("realm", "fed.a.example")
	if code, body := postFiles(t, op, edit, a.URL+"/console/realms/edit?lang=en", fields); code != 200 || !strings.Contains(body, "Client certificate: CN=proxy-b") {
		t.Fatalf("an edit that uploads nothing: %d\n%s", code, body)
	}
	if rt, _ := a.Registry.RouteRealm("fed.a.example"); rt.Servers[0].ClientCert == nil {
		t.Fatal("an edit that uploads nothing dropped the certificate")
	}
	fields.Set("remove_client_cert", "1")
	if code, body := postFiles(t, op, edit, a.URL+"/console/realms/edit?lang=en", fields); code != 200 || strings.Contains(body, "CN=proxy-b") {
		t.Fatalf("remove: %d\n%s", code, body)
	}
	if rt, _ := a.Registry.RouteRealm("fed.a.example"); rt.Servers[0].ClientCert != nil {
		t.Error("the remove box left the certificate")
	}
}

package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/visitors"
)

// upload posts a CSV file to the import form of page.
func upload(t *testing.T, c *http.Client, page, u, csv string, dryRun bool) (int, string) {
	t.Helper()
	fields := url.Values{"chap": {"1"}}
	if dryRun {
		fields.Set("dry_run", "1")
	}
	return postFile(t, c, page, u, fields, "accounts.csv", []byte(csv))
}

// postFile posts a multipart form from page (whose CSRF token it reuses)
// with fields and a file named name.
func postFile(t *testing.T, c *http.Client, page, u string, fields url.Values, name string, file []byte) (int, string) {
	t.Helper()
	var files []formUpload
	if name != "" {
		files = append(files, formUpload{"file", name, file})
	}
	return postFiles(t, c, page, u, fields, files...)
}

// formUpload is a file of a multipart form: its field, name and content.
type formUpload struct {
	field, name string
	data        []byte
}

// postFiles posts a multipart form from page (whose CSRF token it
// reuses) with fields and files.
func postFiles(t *testing.T, c *http.Client, page, u string, fields url.Values, files ...formUpload) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		mw.WriteField("csrf", m[1])
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", u, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	return res.StatusCode, body.String()
}

func TestAccountsImportDryRunRejectedRowsAndLookup(t *testing.T) {
	a := startApp(t, appOpts{})
	seedHistory(t, a) // alice has a closed session at orga's venue
	vis := visitors.New(a.DB, a.Sealer)
	if _, err := vis.AddAccount(visitors.AccountInput{Username: "taken", Password: "password-1", Org: "orga"}); err != nil {
		t.Fatal(err)
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/accounts")
	u := a.URL + "/console/accounts/import"
	csv := "username,password\nalice,password-alice\nbob,short\ntaken,password-1\nalice,password-again\ncarol one,password-c\ndave,password-d,extra\nerin,password-erin\n"
	code, body := upload(t, op, page, u, csv, true)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Dry run: 7 rows read, 2 would be added.") {
		t.Fatalf("dry run: %d\n%s", code, body)
	}
	for _, want := range []string{
		`<th scope="row" class="n">3</th><td>bob</td><td>password: must be 8-128`,
		`<th scope="row" class="n">4</th><td>taken</td><td>username: taken`,
		`<th scope="row" class="n">5</th><td>alice</td><td>username: repeats line 2`,
		`<th scope="row" class="n">6</th><td>carol one</td><td>username: &#34;carol one&#34; has a space`,
		`<th scope="row" class="n">7</th><td>dave</td><td>has 3 fields, want 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	if _, err := vis.Get("alice"); err == nil {
		t.Fatal("a dry run added an account")
	}
	code, body = upload(t, op, page, u, csv, false)
	if !strings.Contains(body, "7 rows read, 2 accounts added.") {
		t.Fatalf("import: %d\n%s", code, body)
	}
	alice, err := vis.Get("alice")
	if err != nil || alice.Org != "orga" || alice.SecretSealed == "" {
		t.Fatalf("alice: %+v %v", alice, err)
	}
	// Files that are no accounts CSV are refused in words.
	for _, tc := range []struct{ csv, want string }{
		{"", "the file is empty"},
		{"name,pass\nx,y\n", "header username,password"},
		{"username,password\n" + strings.Repeat("u,password-1\n", visitors.MaxImportRows+1), "split the file"},
	} {
		if code, body := upload(t, op, page, u, tc.csv, true); code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("%q: %d, want 422 saying %q", tc.csv[:min(len(tc.csv), 20)], code, tc.want)
		}
	}
	if code, body := upload(t, op, page, u, "username,password\n"+strings.Repeat("x", 70<<10), true); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") {
		t.Errorf("70 kB upload: %d", code)
	}
	if code, _ := upload(t, op, "", u, csv, true); code != http.StatusForbidden {
		t.Errorf("import without the form's token: %d", code)
	}
	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/accounts")
	if strings.Contains(vpage, "/accounts/import") {
		t.Error("a viewer is offered the import")
	}
	if code, _ := upload(t, viewer, vpage, u, csv, true); code != http.StatusForbidden {
		t.Errorf("viewer importing: %d", code)
	}
	// Look-up: the operator finds its account and its sessions; the other
	// organisation's operator finds nothing.
	_, found := get(t, op, a.URL+"/console/accounts?q=alice")
	if !strings.Contains(found, `id="account"`) || !strings.Contains(found, `data-session="nas-a/1"`) {
		t.Errorf("look-up of alice:\n%s", found)
	}
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	if _, nf := get(t, other, a.URL+"/console/accounts?q=alice"); strings.Contains(nf, `id="account"`) || !strings.Contains(nf, `id="no-account"`) {
		t.Error("orgb's operator finds orga's account")
	}
	if code, _ := get(t, op, a.URL+"/console/accounts?q=a%20b"); code != http.StatusBadRequest {
		t.Errorf("look-up of junk: %d", code)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	if len(entries) == 0 || entries[0].Action != "account.import" || !regexp.MustCompile(`^2 added$`).MatchString(entries[0].Object) {
		t.Errorf("audit: %+v", entries)
	}
}

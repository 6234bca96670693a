package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
)

// A session closed as stale leaves the open list and is shown as such
// below it; when its gateway speaks again it is open again.
func TestSessionsPageShowsStaleSessions(t *testing.T) {
	a := startApp(t, appOpts{})
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "nas-s", IP: "127.0.0.5", Secret: "secret-s", Hotspot: "orga/A001"}); err != nil {
		t.Fatal(err)
	}
	st := accounting.New(a.DB)
	now := time.Now()
	if _, err := st.Apply(accounting.Update{NAS: "nas-s", AcctID: "q", Status: accounting.Start, Username: "erin", At: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rule := accounting.StaleRule{Interim: func(accounting.Session) time.Duration { return 5 * time.Minute }}
	if n, err := st.CloseStale(context.Background(), rule, now); err != nil || n != 1 {
		t.Fatalf("closed %d, %v", n, err)
	}
	c := client(t)
	signIn(t, c, a.URL, "admin")
	_, page := get(t, c, a.URL+"/console/sessions")
	if strings.Contains(page, `data-session="nas-s/q"`) || !strings.Contains(page, `data-stale-session="nas-s/q"`) ||
		!strings.Contains(page, "Closed as stale") {
		t.Fatalf("sessions page after the stale close:\n%s", page)
	}
	if _, err := st.Apply(accounting.Update{NAS: "nas-s", AcctID: "q", Status: accounting.Interim, SessionTime: 3700, At: now}); err != nil {
		t.Fatal(err)
	}
	_, page = get(t, c, a.URL+"/console/sessions")
	if !strings.Contains(page, `data-session="nas-s/q"`) || strings.Contains(page, `data-stale-session`) {
		t.Fatalf("sessions page after the reopen:\n%s", page)
	}
}

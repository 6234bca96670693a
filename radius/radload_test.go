package radius

import (
	"context"
	"testing"
	"time"

	"github.com/wifihk/wifihk/bench/radload"
	"github.com/wifihk/wifihk/visitors"
)

// The load tool's hand-built packets must be valid RADIUS: the server
// accepts the right password, rejects a wrong one, and records accounting.
func TestLoadToolAgainstTheServer(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("loader", "loader-pass", false)
	// A voucher keeps a sealed secret and no argon2id hash, so wrong
	// passwords cost the server little.
	if err := h.vis.Insert(visitors.Credential{Username: "voucher-1", Kind: visitors.KindVoucher, UsesLeft: -1,
		SecretSealed: h.vis.Seal("voucher-pass")}); err != nil {
		t.Fatal(err)
	}
	run := func(mode, addr, user, pw string, c int, d time.Duration) radload.Result {
		t.Helper()
		res, err := radload.Run(context.Background(), radload.Config{Server: addr, Secret: testSecret, Mode: mode,
			Concurrency: c, Duration: d, Username: user, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Warm the verified-password cache: the first check is a full argon2id.
	warm := mustEncodeMA(t, accessRequest(testSecret, "loader", "loader-pass"))
	checkReply(t, h.client(h.authAddr).exchange(warm, answerWait), warm, true)
	if r := run("auth", h.authAddr.String(), "loader", "loader-pass", 4, 400*time.Millisecond); r.Accepted == 0 || r.Rejected != 0 || r.Timeouts != 0 {
		t.Fatalf("right password: %v", r)
	}
	if r := run("auth", h.authAddr.String(), "voucher-1", "not-the-pass", 4, 400*time.Millisecond); r.Accepted != 0 || r.Rejected == 0 {
		t.Fatalf("wrong password: %v", r)
	}
	r := run("acct", h.acctAddr.String(), "loader", "", 4, 400*time.Millisecond)
	if r.Accepted == 0 || r.Timeouts != 0 {
		t.Fatalf("accounting: %v", r)
	}
	all, err := h.sess.List(false, 0)
	if err != nil || len(all) == 0 || len(all) > 4 {
		t.Fatalf("sessions after load: %d, %v; want one per client (4)", len(all), err)
	}
	updates := 0
	for _, s := range all {
		updates += s.Updates
	}
	// Requests still in flight when the run ends are not counted by the tool
	// but may be recorded: at most one per client.
	if updates < r.Accepted || updates > r.Accepted+4 {
		t.Fatalf("%d updates recorded for %d acknowledged", updates, r.Accepted)
	}
	// acctnew: every acknowledged packet opened a session of its own.
	r = run("acctnew", h.acctAddr.String(), "loader", "", 4, 400*time.Millisecond)
	if r.Accepted == 0 || r.Timeouts != 0 {
		t.Fatalf("accounting, new sessions: %v", r)
	}
	after, err := h.sess.List(false, 0)
	if fresh := len(after) - len(all); err != nil || fresh < r.Accepted || fresh > r.Accepted+4 {
		t.Fatalf("%d new sessions for %d acknowledged, %v", fresh, r.Accepted, err)
	}
}

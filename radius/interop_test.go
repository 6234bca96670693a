package radius

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// These tests talk to the server with FreeRADIUS's radclient
// (freeradius-utils), an implementation we did not write.

func needRadclient(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("radclient")
	if err != nil {
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatal("radclient not found and WIFIHK_INTEROP=1: install freeradius-utils")
		}
		t.Skip("radclient not found: install freeradius-utils (or set WIFIHK_INTEROP=1 to fail instead of skip)")
	}
	return path
}

// radclient sends one request and returns radclient's output.
func radclient(t *testing.T, addr, kind, secret, attrs string, timeout string) string {
	t.Helper()
	cmd := exec.Command(needRadclient(t), "-x", "-r", "1", "-t", timeout, addr, kind, secret)
	cmd.Stdin = strings.NewReader(attrs + "\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // radclient exits non-zero on a reject or no reply; the output says which
	return out.String()
}

func wantIn(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("radclient output lacks %q:\n%s", w, out)
		}
	}
}

func TestInteropRadclient(t *testing.T) {
	needRadclient(t)
	h := newHarness(t, "")
	h.addUser("alice", "alice-pass-1", true)
	auth, acct := h.authAddr.String(), h.acctAddr.String()

	t.Run("PAP accept", func(t *testing.T) {
		out := radclient(t, auth, "auth", testSecret, "User-Name=alice,User-Password=alice-pass-1,Message-Authenticator=0x00", "5")
		wantIn(t, out, "Received Access-Accept", "Message-Authenticator = 0x", "Session-Timeout = 1800",
			"WISPr-Bandwidth-Max-Down = 8192000", "ChilliSpot-Bandwidth-Max-Up = 2048", "Class = 0x77686b31")
	})
	t.Run("PAP reject", func(t *testing.T) {
		out := radclient(t, auth, "auth", testSecret, "User-Name=alice,User-Password=wrong-pass,Message-Authenticator=0x00", "5")
		wantIn(t, out, "Received Access-Reject")
	})
	t.Run("CHAP", func(t *testing.T) {
		out := radclient(t, auth, "auth", testSecret, "User-Name=alice,CHAP-Password=alice-pass-1,Message-Authenticator=0x00", "5")
		wantIn(t, out, "Received Access-Accept")
	})
	t.Run("Status-Server", func(t *testing.T) {
		wantIn(t, radclient(t, auth, "status", testSecret, "Message-Authenticator=0x00", "5"), "Received Access-Accept")
		wantIn(t, radclient(t, acct, "status", testSecret, "Message-Authenticator=0x00", "5"), "Received Accounting-Response")
	})
	t.Run("no Message-Authenticator is dropped", func(t *testing.T) {
		before := h.drops(AuthPort, DropMissingMA)
		out := radclient(t, auth, "auth", testSecret, "User-Name=alice,User-Password=alice-pass-1", "1")
		wantIn(t, out, "No reply")
		h.waitDrops(AuthPort, DropMissingMA, before+1)
	})
	t.Run("wrong secret is dropped", func(t *testing.T) {
		before := h.drops(AuthPort, DropBadMA)
		out := radclient(t, auth, "auth", "wrong-secret", "User-Name=alice,User-Password=alice-pass-1,Message-Authenticator=0x00", "1")
		wantIn(t, out, "No reply")
		h.waitDrops(AuthPort, DropBadMA, before+1)
		before = h.drops(AcctPort, DropBadAuth)
		out = radclient(t, acct, "acct", "wrong-secret", "User-Name=alice,Acct-Status-Type=Start,Acct-Session-Id=zz", "1")
		wantIn(t, out, "No reply")
		h.waitDrops(AcctPort, DropBadAuth, before+1)
	})
	t.Run("accounting Start, Interim, Stop", func(t *testing.T) {
		base := "User-Name=alice,Acct-Session-Id=rc-1,Calling-Station-Id=02-00-00-00-00-01,"
		for _, attrs := range []string{
			"Acct-Status-Type=Start",
			"Acct-Status-Type=Interim-Update,Acct-Input-Octets=1000,Acct-Output-Octets=2000,Acct-Session-Time=60",
			"Acct-Status-Type=Stop,Acct-Input-Octets=5000,Acct-Input-Gigawords=2,Acct-Output-Octets=9000,Acct-Session-Time=125,Acct-Terminate-Cause=User-Request",
		} {
			wantIn(t, radclient(t, acct, "acct", testSecret, base+attrs, "5"), "Received Accounting-Response")
		}
		s, err := h.sess.Get("test-nas/rc-1")
		if err != nil {
			t.Fatal(err)
		}
		if s.Open || s.InputOctets != 2<<32+5000 || s.OutputOctets != 9000 || s.SessionTime != 125 ||
			s.TerminateCause != "User-Request" || s.Updates != 3 || s.Username != "alice" {
			t.Fatalf("session read back = %+v", s)
		}
	})
}

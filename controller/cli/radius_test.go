package cli

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/json"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "user", "add", "-data", dir, "-username", "alice", "-password", "alice-secret-pw", "-chap", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || got["username"] != "alice" || got["chap"] != true {
		t.Fatalf("output %q (%v)", out, err)
	}
	raw, _ := os.ReadFile(datadir.Dir(dir).DB())
	if bytes.Contains(raw, []byte("alice-secret-pw")) || strings.Contains(out, "alice-secret-pw") {
		t.Fatal("the password is in the clear in the database or the output")
	}
	if code, _, errOut := run(t, "user", "add", "-data", dir, "-username", "alice", "-password", "another-pw-1"); code != 1 || !strings.Contains(errOut, "taken") {
		t.Fatalf("duplicate: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "user", "add", "-data", dir, "-username", "bob", "-password", "short"); code != 1 || !strings.Contains(errOut, "password:") {
		t.Fatalf("short password: exit %d %q", code, errOut)
	}
}

// coaNAS answers Disconnect-Requests that carry a valid authenticator and
// Message-Authenticator with a Disconnect-ACK.
func coaNAS(t *testing.T, secret string) int {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			b := buf[:n]
			req, err := layeh.Parse(b, []byte(secret))
			if err != nil || req.Code != layeh.CodeDisconnectRequest || !layeh.IsAuthenticRequest(b, []byte(secret)) ||
				!validMA(b, []byte(secret)) || rfc2866.AcctSessionID_GetString(req) != "abc" {
				continue
			}
			reply, _ := req.Response(layeh.CodeDisconnectACK).Encode()
			conn.WriteToUDPAddrPort(reply, from)
		}
	}()
	return conn.LocalAddr().(*net.UDPAddr).Port
}

// validMA checks a Disconnect-Request's Message-Authenticator (RFC 5176
// §3.3: computed with a zeroed Request Authenticator).
func validMA(b, secret []byte) bool {
	for i := 20; i+18 <= len(b); i += int(b[i+1]) {
		if b[i+1] < 2 {
			return false
		}
		if b[i] == 80 && b[i+1] == 18 {
			c := append([]byte(nil), b...)
			clear(c[4:20])
			clear(c[i+2 : i+18])
			m := hmac.New(md5.New, secret)
			m.Write(c)
			return hmac.Equal(m.Sum(nil), b[i+2:i+18])
		}
	}
	return false
}

func TestSessionDisconnect(t *testing.T) {
	dir := t.TempDir()
	port := coaNAS(t, "gw-secret-1")
	if code, _, errOut := run(t, "nas", "add", "-data", dir, "-name", "gw1", "-ip", "127.0.0.1", "-secret", "gw-secret-1",
		"-coa-port", strconv.Itoa(port)); code != 0 {
		t.Fatal(errOut)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := accounting.New(db)
	_, err = st.Apply(accounting.Update{NAS: "gw1", AcctID: "abc", Status: accounting.Start, Username: "bob", NASAddr: "127.0.0.1"})
	st.Close()
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "session", "disconnect", "-data", dir, "-json", "gw1/abc")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || got["result"] != "Disconnect-ACK" || got["ack"] != true {
		t.Fatalf("output %q (%v)", out, err)
	}
	if code, _, errOut := run(t, "session", "disconnect", "-data", dir, "gw1/nope"); code != 1 || !strings.Contains(errOut, "no such session") {
		t.Fatalf("unknown session: exit %d %q", code, errOut)
	}
}

package portal

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
)

// goldenFAS reads testdata/opennds-fas-level3.txt: fas, iv and key of a
// redirect the real openNDS made.
func goldenFAS(t testing.TB) (fas, iv, key string) {
	f, err := os.Open("testdata/opennds-fas-level3.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<16)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && !strings.HasPrefix(k, "#") {
			kv[k] = v
		}
	}
	return kv["fas"], kv["iv"], kv["key"]
}

// The query Debian's opennds 9.10 sent, decrypted.
func TestDecryptFASFromOpenNDS(t *testing.T) {
	fas, iv, key := goldenFAS(t)
	q, err := DecryptFAS(fas, iv, key)
	if err != nil {
		t.Fatal(err)
	}
	want := FASQuery{HID: "d41c48beb6defa480b2c83a251430a01fe972190305e367d009523b5b227c1b7",
		ClientIP: netip.MustParseAddr("192.168.50.2"), ClientMAC: "aa:9f:3b:05:38:68", GatewayName: "probegw",
		GatewayAddr: netip.MustParseAddrPort("192.168.50.1:2050"), OriginURL: "http://93.184.216.34/"}
	if q != want {
		t.Fatalf("got  %+v\nwant %+v", q, want)
	}
	// RHID worked out with sha256sum in a shell: printf '%s' HID KEY | sha256sum.
	if got := RHID(q.HID, key); got != "8043017175522a32397442bd8d17eaedd302be64e68f9a43a0b0bffedc2681c3" {
		t.Fatalf("RHID = %s", got)
	}
	for name, c := range map[string][3]string{
		"wrong key":   {fas, iv, "0987654321"},
		"wrong iv":    {fas, "0000000000000000", key},
		"short iv":    {fas, "a7e2", key},
		"not base64":  {"!!" + fas, iv, key},
		"cut short":   {fas[:len(fas)-8], iv, key},
		"empty query": {"", iv, key},
	} {
		if _, err := DecryptFAS(c[0], c[1], c[2]); !errors.Is(err, ErrBadFAS) {
			t.Errorf("%s: %v, want ErrBadFAS", name, err)
		}
	}
}

// encryptFAS makes a query as openNDS does, for the tests.
func encryptFAS(plain, iv, key string) string {
	n := aes.BlockSize - len(plain)%aes.BlockSize
	pt := append([]byte(plain), bytes.Repeat([]byte{byte(n)}, n)...)
	block, _ := aes.NewCipher(fasKey(key))
	cipher.NewCBCEncrypter(block, []byte(iv)).CryptBlocks(pt, pt)
	return base64.StdEncoding.EncodeToString([]byte(base64.StdEncoding.EncodeToString(pt)))
}

func TestAuthListAndDeauth(t *testing.T) {
	got := AuthList([]FASAuth{{RHID: "ab", SessionMinutes: 30, UpKbps: 2048, DownKbps: 8192, DownQuotaKB: 1024, Custom: "eD0x"}, {RHID: "cd"}})
	if want := "* ab%2030%202048%208192%200%201024%20eD0x cd%200%200%200%200%200%20"; got != want {
		t.Fatalf("AuthList = %q, want %q", got, want)
	}
	if AuthList(nil) != "*" {
		t.Fatal("empty list is not *")
	}
	d, err := ParseDeauth("method=client_deauth, clientmac=AA:9F:3B:05:38:68, bytes_incoming=1200, bytes_outgoing=56000, session_start=1796364000, session_end=1796364090, token=t, custom=")
	if err != nil || d.ClientMAC != "aa:9f:3b:05:38:68" || d.BytesIncoming != 1200 || d.BytesOutgoing != 56000 || d.End-d.Start != 90 {
		t.Fatalf("ParseDeauth = %+v, %v", d, err)
	}
	for _, bad := range []string{"", "method=x", "method=x, clientmac=zz", "method=x, clientmac=aa:9f:3b:05:38:68, bytes_incoming=-1, bytes_outgoing=1, session_start=1, session_end=2",
		"method=x, clientmac=aa:9f:3b:05:38:68, bytes_incoming=1, bytes_outgoing=1, session_start=5, session_end=2"} {
		if _, err := ParseDeauth(bad); !errors.Is(err, ErrBadFAS) {
			t.Errorf("ParseDeauth(%q) = %v", bad, err)
		}
	}
}

func FuzzDecryptFAS(f *testing.F) {
	fas, iv, key := goldenFAS(f)
	f.Add(fas, iv)
	f.Add(encryptFAS("hid=x, clientip=1.2.3.4", "0123456789abcdef", key), "0123456789abcdef")
	f.Add(encryptFAS("hid="+strings.Repeat("a", 64)+", clientip=10.0.0.2, clientmac=02:00:00:00:00:01, gatewayname=gw%20Node%3a0200, "+
		"gatewayaddress=10.0.0.1:2050, originurl=javascript%3aalert(1)", "0123456789abcdef", key), "0123456789abcdef")
	f.Add(encryptFAS("a=b=c, , =, clientmac=zz", "0123456789abcdef", key), "0123456789abcdef")
	f.Fuzz(func(t *testing.T, fas, iv string) {
		q, err := DecryptFAS(fas, iv, key)
		if err != nil {
			if !errors.Is(err, ErrBadFAS) {
				t.Fatalf("error not wrapping ErrBadFAS: %v", err)
			}
			return
		}
		if len(q.HID) != 64 || !q.ClientIP.IsValid() || q.ClientMAC == "" || q.GatewayName == "" || !q.GatewayAddr.IsValid() {
			t.Fatalf("accepted an incomplete query: %+v", q)
		}
	})
}

func FuzzParseDeauth(f *testing.F) {
	f.Add("method=client_deauth, clientmac=aa:9f:3b:05:38:68, bytes_incoming=1, bytes_outgoing=2, session_start=1, session_end=2, token=t, custom=")
	f.Add("method=, clientmac=, bytes_incoming=99999999999999999999")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDeauth(s)
		if err != nil {
			if !errors.Is(err, ErrBadFAS) {
				t.Fatalf("error not wrapping ErrBadFAS: %v", err)
			}
			return
		}
		if d.Method == "" || d.ClientMAC == "" || d.End < d.Start {
			t.Fatalf("accepted %+v", d)
		}
	})
}

// The decrypted text is the gateway's, but a FAS key can leak: its parser
// takes junk too.
func FuzzParseFASParams(f *testing.F) {
	f.Add("hid=" + strings.Repeat("a", 64) + ", clientip=10.0.0.2, clientmac=02:00:00:00:00:01, gatewayname=gw%20Node%3a0200, gatewayaddress=10.0.0.1:2050, originurl=http%3a%2f%2fx%2f")
	f.Add("hid=, gatewayname=%zz, originurl=javascript%3aalert(1)")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseFASParams(s)
		if err != nil {
			return
		}
		if q.OriginURL != "" {
			if _, err := SafeUserURL(q.OriginURL); err != nil {
				t.Fatalf("unsafe originurl kept: %q", q.OriginURL)
			}
		}
		if _, err := token("gatewayname", q.GatewayName, 64); err != nil || q.GatewayName == "" {
			t.Fatalf("gateway name %q kept", q.GatewayName)
		}
	})
}

// authmon reads 1024 characters of a list: the queue hands out the oldest
// grants that fit, keeps the rest until they are acknowledged, and drops
// what no authmon took in time.
func TestFASQueue(t *testing.T) {
	var q fasQueue
	t0 := time.Unix(1796364000, 0)
	for i := range 30 {
		q.add("nas1", FASAuth{RHID: fmt.Sprintf("%064x", i), SessionMinutes: 60}, accounting.Update{AcctID: fmt.Sprint(i)}, t0.Add(time.Duration(i)*time.Second))
	}
	q.add("nas2", FASAuth{RHID: "other"}, accounting.Update{}, t0)
	l := q.list("nas1", t0.Add(time.Minute))
	if s := AuthList(l); len(l) == 0 || len(l) == 30 || len(s) > authListMax+2 || l[0].RHID != fmt.Sprintf("%064x", 0) {
		t.Fatalf("list of %d, %d characters: %+v", len(l), len(s), l)
	}
	if got, started := q.take("nas1", t0.Add(time.Minute)); len(got) != len(l) || len(started) != len(l) || len(q.list("nas1", t0.Add(time.Minute))) == 0 {
		t.Fatalf("take: %d, %d starts, then %d left", len(got), len(started), len(q.list("nas1", t0)))
	}
	if started := q.ack("nas1", []string{fmt.Sprintf("%064x", 29), "unknown"}); len(started) != 1 || started[0].AcctID != "29" {
		t.Fatalf("ack: %+v, want the Start of grant 29", started)
	}
	if l := q.list("nas1", t0.Add(fasPendingTTL+time.Hour)); len(l) != 0 {
		t.Fatalf("%d stale grants listed", len(l))
	}
	q.add("nas2", FASAuth{RHID: "new"}, accounting.Update{}, t0.Add(time.Minute))
	q.clear("nas2", t0.Add(time.Minute-authmonStartup))
	if l := q.list("nas2", t0.Add(time.Minute)); len(l) != 1 || l[0].RHID != "new" {
		t.Fatalf("cleared queue lists %+v, want only the grant made while authmon started", l)
	}
}

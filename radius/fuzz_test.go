package radius

import (
	"crypto/md5"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets/secretstest"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/visitors"
)

// FuzzPacket runs arbitrary datagrams from a known NAS through the whole
// packet path after the socket: framing, Message-Authenticator, duplicate
// key, the auth or accounting handler against a real store, and reply
// encoding. It must never panic, and whatever it answers must be a
// well-formed reply.
func FuzzPacket(f *testing.F) {
	sealer := secretstest.New(f)
	db := storetest.Open(f)
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := reg.AddNAS(hotspots.NASInput{Name: "fuzz", IP: "127.0.0.1", Secret: testSecret, RequireMA: hotspots.MAOff}); err != nil {
		f.Fatal(err)
	}
	vis := visitors.New(db, sealer)
	// A machine-made credential (sealed, no argon2 hash) keeps fuzzing fast.
	vis.Insert(visitors.Credential{Username: "fz", Kind: visitors.KindOneTime, UsesLeft: -1, SecretSealed: vis.Seal("fuzz-pass")})
	met := NewMetrics(prometheus.NewRegistry())
	sess := accounting.New(db)
	auth, err := NewAuthenticator(AuthConfig{Credentials: vis, Sessions: sess, Plans: reg, DefaultPlan: hotspots.DefaultPlan(), Metrics: met})
	if err != nil {
		f.Fatal(err)
	}
	servers := map[bool]*Server{}
	for isAcct, h := range map[bool]Handler{false: auth, true: NewAccounting(sess, nil)} {
		port := AuthPort
		if isAcct {
			port = AcctPort
		}
		if servers[isAcct], err = NewServer(ServerConfig{Port: port, NAS: reg, Handler: h, Metrics: met, DupWindow: time.Second}); err != nil {
			f.Fatal(err)
		}
	}

	seed := func(b []byte, err error) {
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(encodeRequest(accessRequest(testSecret, "fz", "fuzz-pass")))
	seed(accessRequest(testSecret, "fz", "bad").Encode())
	seed(encodeRequest(chapRequest("fz", "fuzz-pass", []byte("0123456789abcdef"))))
	seed(encodeRequest(layeh.New(layeh.CodeStatusServer, []byte(testSecret))))
	seed(acctPacket(testSecret, "s1", rfc2866.AcctStatusType_Value_Start, 1).Encode())
	seed(acctPacket(testSecret, "s1", rfc2866.AcctStatusType_Value_Stop, 1<<33).Encode())
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 20})
	f.Add([]byte{4, 1, 0, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0})

	src := netip.MustParseAddrPort("127.0.0.1:5000")
	nas, secret, _ := reg.NASForAddr(src.Addr())
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 1 {
			return
		}
		s := servers[layeh.Code(b[0]) == layeh.CodeAccountingRequest]
		if len(b) < headerLen || !s.serves(layeh.Code(b[0])) {
			return
		}
		b = append([]byte(nil), b...)
		if layeh.Code(b[0]) == layeh.CodeAccountingRequest {
			signAccounting(b, []byte(secret)) // so the fuzzer reaches the handler
		}
		req, reason := s.verify(b, []byte(secret), nas, src)
		if reason != "" {
			return
		}
		reply, err := s.answer(req)
		if err != nil || reply == nil {
			return
		}
		if _, err := parse(reply, []byte(secret)); err != nil {
			t.Fatalf("server produced a malformed reply: %v", err)
		}
	})
}

// signAccounting sets the Request Authenticator of an Accounting-Request in
// place, over as much of b as its length field claims (when valid).
func signAccounting(b, secret []byte) {
	n := int(b[2])<<8 | int(b[3])
	if n < headerLen || n > len(b) {
		return
	}
	clear(b[4:20])
	h := md5.New()
	h.Write(b[:n])
	h.Write(secret)
	copy(b[4:20], h.Sum(nil))
}

package radius

import (
	"net"
	"net/netip"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/hotspots"
)

// TestDropsCountedPerNAS: packets from a registered NAS with the wrong
// secret or without Message-Authenticator, sent over real UDP to the real
// servers, are counted for that NAS by reason; a packet from an address
// that is no NAS is counted under its source.
func TestDropsCountedPerNAS(t *testing.T) {
	h := newHarness(t, hotspots.MARequire)
	nas, _, ok := h.reg.NASForAddr(netip.MustParseAddr("127.0.0.1"))
	if !ok {
		t.Fatal("no test NAS")
	}
	auth, acct := h.client(h.authAddr), h.client(h.acctAddr)
	for range 3 {
		if auth.exchange(mustEncodeMA(t, accessRequest("not-the-secret", "demo", "demo1234")), dropWait) != nil {
			t.Fatal("a request signed with another secret was answered")
		}
	}
	if auth.exchange(mustEncode(t, accessRequest(testSecret, "demo", "demo1234")), dropWait) != nil {
		t.Fatal("a request without Message-Authenticator was answered")
	}
	if acct.exchange(mustEncode(t, acctPacket("not-the-secret", "s-1", rfc2866.AcctStatusType_Value_Start, 0)), dropWait) != nil {
		t.Fatal("accounting with another secret was answered")
	}
	h.waitDrops(AcctPort, DropBadAuth, 1)
	got, ok := h.counts.NAS(nas.ID, time.Now())
	if !ok {
		t.Fatal("no drops counted for the NAS")
	}
	want := map[string]int64{DropBadMA: 3, DropMissingMA: 1, DropBadAuth: 1}
	if len(got.Reasons) != len(want) {
		t.Errorf("reasons %+v, want %v", got.Reasons, want)
	}
	for _, r := range got.Reasons {
		if r.Total != want[r.Reason] || r.LastHour != want[r.Reason] || r.Last5Min != want[r.Reason] || time.Since(r.Last) > time.Minute {
			t.Errorf("%s: %+v, want %d in every window and a last drop just now", r.Reason, r, want[r.Reason])
		}
	}
	if got.Last5Min() != 5 {
		t.Errorf("last 5 minutes: %d, want 5", got.Last5Min())
	}

	// From 127.0.0.2, which no NAS covers.
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, h.authAddr)
	if err != nil {
		t.Skipf("cannot send from 127.0.0.2: %v", err)
	}
	defer conn.Close()
	for range 2 {
		if _, err := conn.Write(mustEncodeMA(t, accessRequest(testSecret, "demo", "demo1234"))); err != nil {
			t.Fatal(err)
		}
	}
	h.waitDrops(AuthPort, DropUnknownNAS, 2)
	top, total := h.counts.Unknown()
	if total != 2 || len(top) != 1 || top[0].Addr != netip.MustParseAddr("127.0.0.2") || top[0].Packets != 2 {
		t.Errorf("unknown sources %+v (total %d), want 127.0.0.2 with 2", top, total)
	}
}

// TestDropsWindows: the last 5 minutes and the last hour count whole
// minutes back from now; the total counts everything.
func TestDropsWindows(t *testing.T) {
	d := NewDrops()
	t0 := time.Date(2026, 12, 4, 10, 0, 30, 0, time.UTC)
	for _, at := range []time.Duration{0, 2 * time.Minute, 20 * time.Minute, 61 * time.Minute, 64 * time.Minute, 65 * time.Minute} {
		d.nasDrop("n1", DropBadAuth, t0.Add(at))
	}
	d.nasDrop("n1", DropInFlight, t0) // not a reason counted per NAS
	now := t0.Add(65 * time.Minute)
	got, ok := d.NAS("n1", now)
	if !ok || len(got.Reasons) != 1 {
		t.Fatalf("%+v %v", got, ok)
	}
	r := got.Reasons[0]
	// In the last hour (minutes 6..65): 20, 61, 64, 65; in the last 5
	// (61..65): 61, 64, 65.
	if r.Total != 6 || r.LastHour != 4 || r.Last5Min != 3 || !r.Last.Equal(now) || !got.Last.Equal(now) {
		t.Errorf("%+v, want total 6, hour 4, 5 min 3, last %v", r, now)
	}
	if _, ok := d.NAS("n2", now); ok {
		t.Error("a NAS with no drops has counts")
	}
	// Two hours of quiet later nothing is recent, and the total stays.
	later, _ := d.NAS("n1", now.Add(2*time.Hour))
	if r := later.Reasons[0]; r.Total != 6 || r.LastHour != 0 || r.Last5Min != 0 {
		t.Errorf("two hours later: %+v", r)
	}
}

// TestUnknownSourcesBounded: a flood from many spoofed addresses keeps at
// most topUnknown of them, and a source sending more than its share
// stays listed.
func TestUnknownSourcesBounded(t *testing.T) {
	d := NewDrops()
	heavy := netip.MustParseAddr("198.51.100.7")
	now := time.Now()
	for i := range 5000 {
		d.unknownDrop(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), now)
		if i%4 == 0 {
			d.unknownDrop(heavy, now)
		}
	}
	top, total := d.Unknown()
	if len(top) != topUnknown || total != 5000+1250 {
		t.Fatalf("%d sources kept (total %d), want %d", len(top), total, topUnknown)
	}
	if top[0].Addr != heavy || top[0].Packets < 1250 {
		t.Errorf("busiest %+v, want %v with at least 1250", top[0], heavy)
	}
}

// TestDropsAllocateNothingPerPacket: once a NAS has had a drop, further
// drops from it, and packets from unknown sources, allocate nothing.
func TestDropsAllocateNothingPerPacket(t *testing.T) {
	d := NewDrops()
	now := time.Now()
	d.nasDrop("n1", DropBadMA, now)
	a := netip.MustParseAddr("2001:db8::1")
	if n := testing.AllocsPerRun(1000, func() {
		d.nasDrop("n1", DropBadMA, now)
		d.unknownDrop(a, now)
	}); n != 0 {
		t.Errorf("%v allocations per dropped packet, want 0", n)
	}
}

// The auth server drops Access-Request on the accounting port as a bad
// code; the NAS gets it counted too.
func TestDropsBadCodeCounted(t *testing.T) {
	h := newHarness(t, hotspots.MARequire)
	nas, _, _ := h.reg.NASForAddr(netip.MustParseAddr("127.0.0.1"))
	p := layeh.New(layeh.CodeAccessRequest, []byte(testSecret))
	if h.client(h.acctAddr).exchange(mustEncodeMA(t, p), dropWait) != nil {
		t.Fatal("Access-Request answered on the accounting port")
	}
	h.waitDrops(AcctPort, DropBadCode, 1)
	if got, _ := h.counts.NAS(nas.ID, time.Now()); len(got.Reasons) != 1 || got.Reasons[0].Reason != DropBadCode {
		t.Errorf("%+v, want one bad_code", got)
	}
}

// BenchmarkDropsFlood is the counting cost of a flood of drops from one
// NAS, on every reader at once.
func BenchmarkDropsFlood(b *testing.B) {
	d := NewDrops()
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d.nasDrop("n1", DropBadMA, now)
		}
	})
}

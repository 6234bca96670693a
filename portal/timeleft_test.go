package portal_test

import (
	"bytes"
	"math"
	"net/netip"
	"testing"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/visitors"
)

type openSessions []accounting.Session

func (o openSessions) OpenByIP(string) ([]accounting.Session, error)  { return o, nil }
func (o openSessions) OpenByMAC(string) ([]accounting.Session, error) { return o, nil }

// noNAS is a directory that knows no NAS: the default plan applies.
type noNAS struct{ portal.NASDirectory }

func (noNAS) LookupNAS(string) (hotspots.NAS, bool) { return hotspots.NAS{}, false }

// TestTimeLeftBytesSaturate: a session whose Gigawords-folded counters
// sum past 2^64 has used up its data cap; it does not wrap round to a
// full cap left.
func TestTimeLeftBytesSaturate(t *testing.T) {
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []accounting.Session{
		{InputOctets: math.MaxUint64, OutputOctets: 1},
		{InputOctets: 1 << 63, OutputOctets: 1 << 63},
		{InputOctets: 1 << 63},
	} {
		s.Username, s.Open = "nobody", true
		a := portal.AccountingTimeLeft{Sessions: openSessions{s}, Visitors: visitors.New(storetest.Open(t), sealer),
			NAS: noNAS{}, Default: hotspots.Plan{DataCapMB: 100}}
		got, ok, err := a.TimeLeft(netip.MustParseAddr("10.1.0.2"), "")
		if err != nil || !ok || got.BytesLeft != 0 {
			t.Errorf("%d + %d octets used: %+v, %v, %v; want 0 bytes left", s.InputOctets, s.OutputOctets, got, ok, err)
		}
	}
}

package radius

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
)

// nasTable is a SessionNAS in memory.
type nasTable map[string]hotspots.NAS

func (t nasTable) NASByID(id string) (hotspots.NAS, error) {
	n, ok := t[id]
	if !ok {
		return n, fmt.Errorf("%w: NAS %q", hotspots.ErrNotFound, id)
	}
	return n, nil
}

func (t nasTable) Secret(n hotspots.NAS) (string, error) {
	if n.SecretSealed == "" {
		return "", errors.New("no secret")
	}
	return n.SecretSealed, nil // stands for the sealed secret, unsealed
}

// TestExtend sends a CoA-Request with the new Session-Timeout for a
// session to its NAS on a real UDP socket, which acknowledges a timeout of
// 60 s for the session it knows.
func TestExtend(t *testing.T) {
	at := testNAS(t, "coa-secret")
	d := &Disconnecter{NAS: nasTable{"gw": {ID: "gw", Name: "gw", Prefix: netip.PrefixFrom(at.Addr(), 32), CoAPort: int(at.Port()), SecretSealed: "coa-secret"}},
		Client: CoAClient{Timeout: 300 * time.Millisecond, Tries: 3}}
	live := accounting.Session{ID: "gw/live", NAS: "gw", AcctID: "live"}
	res, err := d.Extend(context.Background(), live, time.Minute)
	if err != nil || !res.ACK || res.Code != "CoA-ACK" {
		t.Fatalf("extend to 60 s: %+v %v", res, err)
	}
	if res, err := d.Extend(context.Background(), live, 2*time.Minute); err != nil || res.ACK {
		t.Fatalf("a timeout the NAS refuses: %+v %v", res, err)
	}
	for _, bad := range []time.Duration{0, -time.Minute, 200 * 365 * 24 * time.Hour} {
		if _, err := d.Extend(context.Background(), live, bad); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("Session-Timeout %v: %v", bad, err)
		}
	}
}

// TestDisconnecter sends Disconnect-Requests for accounting sessions to a
// NAS listening on a real UDP socket: the request goes to the address the
// session's accounting came from, at the NAS's CoA port, signed with the
// NAS's own secret.
func TestDisconnecter(t *testing.T) {
	at := testNAS(t, "coa-secret")
	one := netip.PrefixFrom(at.Addr(), 32)
	d := &Disconnecter{
		NAS: nasTable{
			"gw":       {ID: "gw", Name: "gw", Prefix: netip.MustParsePrefix("127.0.0.0/8"), CoAPort: int(at.Port()), SecretSealed: "coa-secret"},
			"single":   {ID: "single", Name: "single", Prefix: one, CoAPort: int(at.Port()), SecretSealed: "coa-secret"},
			"other":    {ID: "other", Name: "other", Prefix: one, CoAPort: int(at.Port()), SecretSealed: "other-secret"},
			"nosecret": {ID: "nosecret", Name: "nosecret", Prefix: one, CoAPort: int(at.Port())},
		},
		Client: CoAClient{Timeout: 300 * time.Millisecond, Tries: 3},
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		s    accounting.Session
		ack  bool
		err  string // substring; "" for an answer
	}{
		{"ACK from the address accounting came from", accounting.Session{ID: "gw/live", NAS: "gw", AcctID: "live", NASAddr: at.Addr().String()}, true, ""},
		{"NAK for a session the NAS does not know", accounting.Session{ID: "gw/gone", NAS: "gw", AcctID: "gone", NASAddr: at.Addr().String()}, false, ""},
		{"a NAS of one address needs none recorded", accounting.Session{ID: "single/live", NAS: "single", AcctID: "live"}, true, ""},
		{"a NAS of a range does", accounting.Session{ID: "gw/live", NAS: "gw", AcctID: "live"}, false, "no NAS address recorded and NAS gw covers 127.0.0.0/8"},
		{"an unknown NAS", accounting.Session{ID: "gone/live", NAS: "gone", AcctID: "live"}, false, `radius: session gone/live: NAS "gone": hotspots: not found`},
		{"a NAS without its secret", accounting.Session{ID: "nosecret/live", NAS: "nosecret", AcctID: "live"}, false, "NAS nosecret secret: no secret"},
		{"a NAS that does not share our secret", accounting.Session{ID: "other/live", NAS: "other", AcctID: "live"}, false, "no reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := d.Disconnect(ctx, tc.s)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %+v, %v; want an error with %q", res, err, tc.err)
				}
				return
			}
			if err != nil || res.ACK != tc.ack || res.To != at {
				t.Fatalf("got %+v, %v; want ACK %v from %s", res, err, tc.ack, at)
			}
		})
	}
}

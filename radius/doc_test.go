package radius

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	layeh "layeh.com/radius"
)

// nasSecrets is layeh's SecretSource over a NASSource: the shape the
// docs say NASSource keeps.
type nasSecrets struct{ nas NASSource }

func (s nasSecrets) RADIUSSecret(_ context.Context, addr net.Addr) ([]byte, error) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return nil, err
	}
	if _, secret, ok := s.nas.NASForAddr(ap.Addr().Unmap()); ok {
		return []byte(secret), nil
	}
	return nil, nil // unknown source: no secret, the packet is dropped
}

var _ layeh.SecretSource = nasSecrets{}

// The docs must not say layeh lacks per-source secrets: it has
// SecretSource, which the line above implements.
func TestDocsCreditLayehSecretSource(t *testing.T) {
	for _, f := range []string{"doc.go", "README.md"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), "SecretSource") {
			t.Errorf("%s should say that layeh takes per-source secrets through SecretSource", f)
		}
	}
}

package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// A dynamic realm's row lists the servers the DNS named that the proxy
// uses now, each with its state and counts.
func TestRealmsPageListsDiscoveredServers(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	v := &view{Lang: "en", Data: &realmsData{Realms: []realmRow{{
		Realm: hotspots.Realm{Name: "*.uni.example", Org: "uni", Discovery: &hotspots.Discovery{}},
		Found: []radius.ServerHealth{{Server: "radsec/192.0.2.5:2083", Alive: true, Answers: 3}, {Server: "radsec/192.0.2.6:2083", Timeouts: 2}},
	}}}}
	var buf bytes.Buffer
	if err := pages["realms"].ExecuteTemplate(&buf, "content", v); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`data-found="radsec/192.0.2.5:2083">radsec/192.0.2.5:2083: <span class="ok">`, `Answers 3`,
		`data-found="radsec/192.0.2.6:2083">radsec/192.0.2.6:2083: <span class="bad">`, `Time-outs 2`} {
		if !strings.Contains(page, want) {
			t.Errorf("no %q in\n%s", want, page)
		}
	}
}

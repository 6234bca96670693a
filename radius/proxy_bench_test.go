package radius

import (
	"context"
	"testing"
	"time"

	"github.com/wifihk/wifihk/bench/radload"
)

// BenchmarkProxyPAP: PAP Access-Requests from the load tool through the
// proxy to a scripted home server, all in this process, for 3 seconds
// whatever b.N (run it with -benchtime 1x); it reports answers/s at 64
// outstanding.
func BenchmarkProxyPAP(b *testing.B) {
	home := newFakeHome(b)
	h, _ := newProxyHarnessTo(b, proxySetup{timeout: 3 * time.Second, deadAfter: 3, probe: 10 * time.Second, acctOnAuthPort: true}, home.addr())
	b.ResetTimer()
	res, err := radload.Run(context.Background(), radload.Config{Server: h.authAddr.String(), Secret: testSecret, Mode: "auth",
		Concurrency: 64, Duration: 3 * time.Second, Username: "alice@operator.example", Password: "pw", Sockets: 4})
	if err != nil || res.Accepted == 0 {
		b.Fatal(res, err)
	}
	b.ReportMetric(res.PerSecond, "answers/s")
}

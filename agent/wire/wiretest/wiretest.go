// Package wiretest builds and sends agent reports for the tests of the
// packages that take them (telemetry and its HTTP routes in api).
package wiretest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
)

// Report is a valid pseudonymised report with sequence seq, ending at end
// after a one-minute interval, with n clients of 1000 bytes up and 5000
// down each.
func Report(seq uint64, end time.Time, n int) *wire.Report {
	r := &wire.Report{Version: wire.Version, Seq: seq, AgentVersion: "test", Start: end.Add(-time.Minute),
		End: end, IntervalS: 60, Pseudonymised: true, Clients: []wire.Client{}}
	for i := 0; i < n; i++ {
		id := []byte(wire.PseudonymPrefix + "000000000000000000000000")
		id[len(id)-1] = "0123456789abcdef"[i%16]
		id[len(id)-2] = "0123456789abcdef"[i/16%16]
		id[len(id)-3] = "0123456789abcdef"[i/256%16]
		c := wire.Client{ID: string(id), BytesUp: 1000, BytesDown: 5000, PacketsUp: 10, PacketsDown: 20,
			FirstSeen: r.Start, LastSeen: end}
		r.Clients = append(r.Clients, c)
		r.AP.BytesUp += c.BytesUp
		r.AP.BytesDown += c.BytesDown
	}
	r.AP.ClientsInterval, r.AP.ClientsNow = n, n
	return r
}

// Gzip compresses raw as an agent does its report bodies.
func Gzip(raw []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	return b.Bytes()
}

// Post sends body to the report route under baseURL as an agent does, with
// token (none if empty) and Content-Encoding (none if empty), and returns
// the answer's status and body.
func Post(t testing.TB, baseURL, token string, body []byte, encoding string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, baseURL+wire.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

package wire

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestAppendJSONDecodesBackToTheReport(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC)
	r := Report{Version: 1, Seq: 1<<53 - 1, AgentVersion: `v1 "quoted" <tag> & \ ünïcode`, Start: t0, End: t0.Add(time.Minute),
		IntervalS: 60, Gateway: "aa:bb:cc:dd:ee:ff",
		AP: APStats{Iface: "br-lan", ClientsInterval: 2, ClientsNow: 1, BytesUp: 1 << 40, Load1: 0.25, UptimeS: 1e9, MemTotalKB: 124000},
		Clients: []Client{
			{ID: "00:11:22:33:44:55", IP: "10.0.0.2", Hostname: "phone\u2028x", BytesUp: 5, FirstSeen: t0, LastSeen: t0.Add(time.Second)},
			{ID: "00:11:22:33:44:56", Hostname: "bad\xffutf8", LastSeen: t0},
		}}
	var got Report
	if err := json.Unmarshal(r.AppendJSON(nil), &got); err != nil {
		t.Fatalf("%v: %s", err, r.AppendJSON(nil))
	}
	r.Clients[1].Hostname = "bad\ufffdutf8" // as encoding/json would write it
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("got %+v\nwant %+v", got, r)
	}
	want, _ := json.Marshal(r)
	var a, b map[string]any
	json.Unmarshal(want, &a)
	json.Unmarshal(r.AppendJSON(nil), &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("differs from encoding/json:\n%s\n%s", want, r.AppendJSON(nil))
	}
}

package controller_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/wifihk/wifihk/agent"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/staff"
)

// The real agent reports to the real server; staff see the AP online with
// its clients, and the coverage view counts it online.
func TestAgentReportsToTheServer(t *testing.T) {
	a := startDemo(t)
	ap, token, err := a.Registry.AddAP(controller.DemoNASVenue, "lobby", "02:00:00:00:aa:01")
	if err != nil {
		t.Fatal(err)
	}
	_, staffToken, err := a.Staff.AddStaff(staff.StaffInput{Username: "noc", Role: staff.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}

	// A capture of two clients talking to one gateway.
	pcap := filepath.Join(t.TempDir(), "lobby.pcap")
	f, _ := os.Create(pcap)
	w := pcapgo.NewWriter(f)
	w.WriteFileHeader(65536, layers.LinkTypeEthernet)
	gw := []byte{2, 0, 0, 0, 0, 1}
	var sent uint64
	for i, c := range [][]byte{{2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 3}} {
		for j := 0; j < 10; j++ {
			for _, pair := range [][2][]byte{{c, gw}, {gw, c}} {
				buf := gopacket.NewSerializeBuffer()
				gopacket.SerializeLayers(buf, gopacket.SerializeOptions{},
					&layers.Ethernet{SrcMAC: pair[0], DstMAC: pair[1], EthernetType: layers.EthernetTypeIPv4},
					gopacket.Payload(make([]byte, 100+i*10+j)))
				data := buf.Bytes()
				sent += uint64(len(data))
				w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Now(), CaptureLength: len(data), Length: len(data)}, data)
			}
		}
	}
	f.Close()

	cfg := agent.DefaultConfig()
	cfg.Controller, cfg.Token, cfg.Pcap, cfg.Once = "http://"+a.HTTPAddr.String(), token, pcap, true
	cfg.SpoolDir = filepath.Join(t.TempDir(), "spool")
	ag, err := agent.New(cfg, agent.Options{Version: "1.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ag.Run(context.Background()); err != nil {
		t.Fatalf("agent: %v", err)
	}

	req, _ := http.NewRequest(http.MethodGet, "http://"+a.HTTPAddr.String()+"/api/v1/aps/"+ap.ID+"/status", nil)
	req.Header.Set("Authorization", "Bearer "+staffToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st struct {
		Online       bool
		LastReport   time.Time `json:"last_report"`
		Clients      int
		BytesUp      uint64 `json:"bytes_up"`
		BytesDown    uint64 `json:"bytes_down"`
		AgentVersion string `json:"agent_version"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil || res.StatusCode != 200 {
		t.Fatalf("status %d: %v", res.StatusCode, err)
	}
	if !st.Online || st.Clients != 2 || st.BytesUp+st.BytesDown != sent || st.AgentVersion != "1.0-test" || st.LastReport.IsZero() {
		t.Fatalf("status %+v, want online with 2 clients and %d bytes", st, sent)
	}

	cov, err := a.Registry.Coverage(context.Background(), "", 1, a.CoverageSources())
	if err != nil {
		t.Fatal(err)
	}
	if !cov.Total.APsOnline.Known || cov.Total.APsOnline.N != 1 {
		t.Fatalf("coverage APs online %+v, want 1", cov.Total.APsOnline)
	}
}

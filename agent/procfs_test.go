package agent

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/wifihk/wifihk/agent/wire"
)

func TestDefaultGatewayFromRouteAndARP(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 0101A8C0 is 192.168.1.1 in little-endian hex, as the kernel writes it.
	write("proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"+
		"br-lan\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"+
		"br-lan\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n")
	write("proc/net/arp", "IP address       HW type     Flags       HW address            Mask     Device\n"+
		"192.168.1.7      0x1         0x2         aa:bb:cc:00:00:07     *        br-lan\n"+
		"192.168.1.1      0x1         0x2         aa:bb:cc:00:00:01     *        br-lan\n")
	s := System{Root: root}
	ip, dev, err := s.DefaultGateway()
	if err != nil || ip != netip.MustParseAddr("192.168.1.1") || dev != "br-lan" {
		t.Fatalf("got %v %q %v", ip, dev, err)
	}
	m, err := s.Neighbour(ip)
	if err != nil || m.String() != "aa:bb:cc:00:00:01" {
		t.Fatalf("neighbour %v %v", m, err)
	}
	if _, err := s.Neighbour(netip.MustParseAddr("192.168.1.99")); err == nil {
		t.Fatal("a missing neighbour was found")
	}

	write("proc/uptime", "3600.50 7000.00\n")
	write("proc/loadavg", "0.10 0.20 0.30 1/100 42\n")
	write("proc/meminfo", "MemTotal:  124000 kB\nMemFree: 1000 kB\nMemAvailable:   60000 kB\n")
	write("sys/class/net/br-lan/statistics/rx_bytes", "123456\n")
	write("sys/class/net/br-lan/statistics/tx_packets", "789\n")
	var st wire.APStats
	s.Fill(&st, "br-lan")
	if st.UptimeS != 3600.5 || st.Load5 != 0.2 || st.MemTotalKB != 124000 || st.MemAvailableKB != 60000 ||
		st.IfRxBytes != 123456 || st.IfTxPackets != 789 {
		t.Fatalf("got %+v", st)
	}
}

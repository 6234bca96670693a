//go:build !linux

package agent

import "errors"

// OpenLive is Linux only (AF_PACKET); elsewhere replay a pcap file.
func OpenLive(iface string, promiscuous bool) (Live, error) {
	return nil, errors.New("agent: live capture needs Linux; use -pcap")
}

// Package agent is what runs on a WiFi@HK access point. It captures the
// client-facing interface with gopacket (an AF_PACKET socket through pcapgo,
// no cgo; internal/pcapgo is pcapgo without gopacket/layers, for size) or
// replays a pcap file, decodes the few headers it reads itself (frame.go),
// counts each client's bytes and packets up and down, learns client IPs
// from DHCP and ARP, and sends a gzip JSON report (package wire) to the
// controller every interval. Reports the controller
// cannot take now wait in an on-disk spool and are sent in order later.
//
// Direction comes from the gateway's MAC: frames to the gateway (and a
// client's broadcasts) are up, frames from it are down. Live, the gateway is
// the default route's neighbour (/proc/net/route, /proc/net/arp), or the AP
// itself when the default route leaves by another interface; on replay it is
// the MAC that every flow shares. Config can name it.
package agent

// Package pcapgo is gopacket's pcapgo (github.com/google/gopacket v1.1.19):
// its pcap and pcapng readers and its AF_PACKET EthernetHandle, copied
// without the pcap writers and without the one import the agent cannot
// afford, gopacket/layers, which it used only for the LinkType type.
//
// Importing gopacket/layers links every decoder it has, because its init
// fills 65,536-entry tables of them: about 1.2 MB of the linux/mipsle agent
// binary and about 6 MB of resident memory on amd64 (see the agent section
// of docs/PERFORMANCE.md). With this copy the agent still captures and
// replays with gopacket's code and types (gopacket.CaptureInfo), within
// the AP's 6 MB flash and 10 MB memory budgets.
//
// Changes from upstream, and nothing else: LinkType is declared here
// (linktype.go) instead of layers.LinkType; write.go, ngwrite.go and
// snoop.go are left out; the constants the readers need from write.go are
// in linktype.go; capture.go's build line is //go:build linux; a format
// verb in read.go's String; gofmt; and a bound on what a file can make the
// readers allocate (MaxCaptureLength: upstream allocates whatever a snap
// length or packet header says, up to 4 GB); an error instead of upstream's
// division by zero on a timestamp resolution out of range. fork_test.go fuzzes this copy
// against the upstream package: both must read every input alike, but for
// those two. To update, copy the upstream files again and repeat these
// changes. LICENSE is gopacket's.
package pcapgo

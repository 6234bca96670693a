package pcapgo

import "errors"

// LinkType is a capture's link-layer header type (LINKTYPE_*), as
// gopacket/layers.LinkType, which this copy does not import.
type LinkType uint8

// LinkTypeEthernet is LINKTYPE_ETHERNET.
const LinkTypeEthernet LinkType = 1

// From gopacket's pcapgo/write.go, which this copy leaves out.
const (
	magicMicroseconds = 0xA1B2C3D4
	versionMajor      = 2
	versionMinor      = 4
)

// MaxCaptureLength bounds a frame read from a file, and the buffer a reader
// allocates: upstream allocates what the file's snap length or a packet
// header says, up to 4 GB, before reading a byte of the frame.
const MaxCaptureLength = 256 << 10

// ErrCaptureTooLong is returned for a frame over MaxCaptureLength.
var ErrCaptureTooLong = errors.New("pcapgo: frame longer than 256 KiB in a capture file")

// ErrTimestampResolution is returned for an interface whose timestamp
// resolution overflows 64 bits (upstream divides by zero or keeps wrong
// times).
var ErrTimestampResolution = errors.New("pcapgo: interface timestamp resolution out of range")

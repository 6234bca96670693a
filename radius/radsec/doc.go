// Package radsec carries RADIUS over TLS (RadSec, RFC 6614): a server that
// identifies each NAS or peer by its client certificate and hands its
// requests to the same radius.Server as UDP, and a client for proxying to
// a RadSec home server. Packets are framed by their own length field.
package radsec

// Package eap is wifihk's EAP server for 802.1X (WPA2/WPA3-Enterprise):
// EAP carried in RADIUS (RFC 3579) and the EAP-TTLS method (RFC 5281) on
// crypto/tls, with inner PAP or MSCHAPv2, PEAPv0 with EAP-MSCHAPv2, and
// EAP-TLS (RFC 5216, RFC 9190) with client certificates.
//
// A Server keeps one conversation per authenticating device, keyed by the
// RADIUS State attribute it hands out in each Access-Challenge. It knows
// nothing of accounts: when the tunnel yields the inner credentials it
// returns them (an Outcome) and the radius package decides with the same
// rules as for PAP, then calls Finish for the EAP-Success or EAP-Failure.
//
// Conversations are bounded in number (MaxConversations, the oldest idle
// one evicted first) and in time (Timeout); a conversation that has not
// yet sent a TLS ClientHello holds a few hundred bytes and no goroutine.
//
// An accepted TLS session resumes without the inner method (admission
// still applies) on any node that shares the ticket keys and the store
// behind Config.Resumptions: each node keeps the sessions it has seen in
// memory, writes those it accepted to the store in the background, and
// reads the store only on a miss (resume.go, shared.go).
package eap

// Package radius is wifihk's RADIUS server: authentication (PAP, CHAP, MAC)
// and accounting for every venue's gateway, Status-Server, and the
// Disconnect/CoA client, built on layeh.com/radius for packets and
// attributes.
//
// layeh.com/radius's own PacketServer already takes a secret per source
// address through its SecretSource interface; NASSource keeps that shape,
// backed by the hotspot registry (longest prefix). Our server loop adds
// what layeh's leaves out: batched reads and writes; unknown sources
// dropped and counted; the Message-Authenticator (RFC 2869/3579) checked
// wherever present and required on Access-Request per NAS as FreeRADIUS
// 3.2.5+ does against BlastRADIUS (CVE-2024-3596), and put first in every
// reply to an Access-Request; a reply cache that answers retransmissions
// (RFC 5080); and accounting that answers only once the record is on disk,
// with many packets sharing one fsync.
package radius

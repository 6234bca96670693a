// Package discovery finds a realm's RadSec servers in the DNS, as RFC 7585
// describes: the realm's NAPTR records with the S-NAPTR service
// "aaa+auth:radius.tls.tcp" (by order, then preference), the SRV records
// they point to (by priority, then weighted at random, RFC 2782), and the
// A and AAAA records of each target. Answers are cached for as long as
// their shortest TTL allows, within bounds, and failures for a negative
// TTL; the cache holds a bounded number of realms.
//
// The proxy (radius.Proxy) asks only for the realms that say so.
package discovery

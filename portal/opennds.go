package portal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
)

// openNDS (OpenWrt's captive portal; Debian's opennds) hands the visitor
// to a remote FAS. At fas_secure_enabled 3 its redirect carries the
// client's parameters encrypted with the shared faskey: ?fas=F&iv=IV,
// where IV is 16 characters used as the AES IV as they are, and F is
// base64 of OpenSSL's base64 of AES-256-CBC (PKCS#7 padding) under faskey
// padded with zero bytes to 32 (PHP's openssl_encrypt). The plain text is
// name=value pairs joined by ", ". See docs/GATEWAYS.md for the rest of
// the protocol; this file holds its codec, which the FAS will use.

// ErrBadFAS is wrapped by every DecryptFAS error.
var ErrBadFAS = errors.New("portal: bad openNDS FAS query")

// FASQuery is what openNDS tells its FAS about a client.
type FASQuery struct {
	HID         string     // the client's hashed id; RHID(HID, key) names its authorisation
	ClientIP    netip.Addr // on the gateway's side
	ClientMAC   string     // lower-case, colon-separated
	GatewayName string     // GatewayName, without the " Node:MAC " openNDS appends
	GatewayAddr netip.AddrPort
	OriginURL   string // validated http(s) URL or ""
}

// fasKey is faskey as PHP's openssl_encrypt uses it for AES-256.
func fasKey(key string) []byte {
	k := make([]byte, 32)
	copy(k, key)
	return k
}

// DecryptFAS decrypts and checks a level 3 FAS query.
func DecryptFAS(fas, iv, key string) (FASQuery, error) {
	if len(fas) > MaxQuery || len(iv) != aes.BlockSize {
		return FASQuery{}, fmt.Errorf("%w: fas longer than %d or iv not %d characters", ErrBadFAS, MaxQuery, aes.BlockSize)
	}
	inner, err := base64.StdEncoding.DecodeString(fas)
	if err != nil {
		return FASQuery{}, fmt.Errorf("%w: fas is not base64", ErrBadFAS)
	}
	ct, err := base64.StdEncoding.DecodeString(string(inner))
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return FASQuery{}, fmt.Errorf("%w: fas does not hold AES blocks", ErrBadFAS)
	}
	block, _ := aes.NewCipher(fasKey(key)) // 32 bytes: cannot fail
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, []byte(iv)).CryptBlocks(pt, ct)
	n := int(pt[len(pt)-1])
	if n == 0 || n > aes.BlockSize || n > len(pt) {
		return FASQuery{}, fmt.Errorf("%w: wrong faskey or altered query", ErrBadFAS)
	}
	for _, b := range pt[len(pt)-n:] {
		if int(b) != n {
			return FASQuery{}, fmt.Errorf("%w: wrong faskey or altered query", ErrBadFAS)
		}
	}
	q, err := parseFASParams(string(pt[:len(pt)-n]))
	if err != nil {
		return FASQuery{}, fmt.Errorf("%w: %v", ErrBadFAS, err)
	}
	return q, nil
}

// parseFASParams reads the decrypted "name=value, name=value" list.
func parseFASParams(s string) (FASQuery, error) {
	kv := commaPairs(s)
	var q FASQuery
	var err error
	if q.HID, err = parseHID(kv["hid"]); err != nil || q.HID == "" {
		return q, fmt.Errorf("hid: %q is not 64 hex digits", clip(kv["hid"]))
	}
	if q.ClientIP, err = netip.ParseAddr(kv["clientip"]); err != nil {
		return q, fmt.Errorf("clientip: %q is not an IP address", clip(kv["clientip"]))
	}
	if q.ClientMAC, err = hotspots.NormalizeMAC(kv["clientmac"]); err != nil {
		return q, fmt.Errorf("clientmac: %q is not a MAC address", clip(kv["clientmac"]))
	}
	name, err := url.QueryUnescape(kv["gatewayname"])
	if name, _, _ = strings.Cut(name, " Node:"); err != nil || strings.TrimSpace(name) == "" {
		return q, fmt.Errorf("gatewayname: %q is not a gateway name", clip(kv["gatewayname"]))
	}
	if q.GatewayName, err = token("gatewayname", strings.TrimSpace(name), 64); err != nil {
		return q, err
	}
	if q.GatewayAddr, err = netip.ParseAddrPort(kv["gatewayaddress"]); err != nil {
		return q, fmt.Errorf("gatewayaddress: %q is not IP:port", clip(kv["gatewayaddress"]))
	}
	if u, err := url.QueryUnescape(kv["originurl"]); err == nil && u != "" {
		q.OriginURL, _ = SafeUserURL(u) // a bad one is dropped, as a bad userurl is
	}
	return q, nil
}

// parseHID accepts "" or an openNDS hid: 64 lower-case hex digits.
func parseHID(s string) (string, error) {
	if s != "" && (len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "") {
		return "", fmt.Errorf("hid: %q is not 64 hex digits", clip(s))
	}
	return s, nil
}

// commaPairs reads openNDS's "name=value, name=value" lists; a name
// given twice keeps its first value.
func commaPairs(s string) map[string]string {
	kv := map[string]string{}
	for _, f := range strings.Split(s, ", ") {
		if k, v, ok := strings.Cut(f, "="); ok {
			if _, seen := kv[k]; !seen {
				kv[k] = v
			}
		}
	}
	return kv
}

// RHID names a client's authorisation to openNDS: hex SHA-256 of its hid
// followed by faskey.
func RHID(hid, key string) string {
	sum := sha256.Sum256([]byte(hid + key))
	return hex.EncodeToString(sum[:])
}

// FASAuth is one authorisation for openNDS's authmon to apply with
// `ndsctl auth`: 0 is no limit.
type FASAuth struct {
	RHID                   string
	SessionMinutes         int
	UpKbps, DownKbps       int
	UpQuotaKB, DownQuotaKB int64
	Custom                 string // base64, handed to BinAuth
}

// AuthList is the answer to authmon's "view": "*" and each authorisation,
// its spaces %-encoded, space-separated.
func AuthList(auths []FASAuth) string {
	var b strings.Builder
	b.WriteString("*")
	for _, a := range auths {
		e := fmt.Sprintf("%s %d %d %d %d %d %s", a.RHID, a.SessionMinutes, a.UpKbps, a.DownKbps, a.UpQuotaKB, a.DownQuotaKB, a.Custom)
		// authmon splits on spaces and decodes only %XX.
		b.WriteString(" " + strings.NewReplacer("%", "%25", " ", "%20").Replace(e))
	}
	return b.String()
}

// FASDeauth is openNDS's report of a finished session (auth_get=deauthed,
// sent by its BinAuth script). BytesIncoming is what the client
// downloaded, BytesOutgoing what it sent (openNDS's fw_iptables.c), as of
// openNDS's last counter update (every checkinterval).
type FASDeauth struct {
	Method                       string // client_deauth, idle_deauth, timeout_deauth, downquota_deauth, …
	ClientMAC                    string
	BytesIncoming, BytesOutgoing uint64
	Start, End                   int64 // Unix seconds
}

// ParseDeauth parses the decoded payload of a deauthed report.
func ParseDeauth(s string) (FASDeauth, error) {
	kv := commaPairs(s)
	var d FASDeauth
	var err error
	if d.Method, err = token("method", kv["method"], 32); err != nil || d.Method == "" {
		return d, fmt.Errorf("%w: method: %q", ErrBadFAS, clip(kv["method"]))
	}
	if d.ClientMAC, err = hotspots.NormalizeMAC(kv["clientmac"]); err != nil {
		return d, fmt.Errorf("%w: clientmac: %q is not a MAC address", ErrBadFAS, clip(kv["clientmac"]))
	}
	for _, f := range []struct {
		name string
		dst  *uint64
	}{{"bytes_incoming", &d.BytesIncoming}, {"bytes_outgoing", &d.BytesOutgoing}} {
		if *f.dst, err = strconv.ParseUint(kv[f.name], 10, 64); err != nil {
			return d, fmt.Errorf("%w: %s: %q is not a byte count", ErrBadFAS, f.name, clip(kv[f.name]))
		}
	}
	if d.Start, err = strconv.ParseInt(kv["session_start"], 10, 64); err == nil {
		d.End, err = strconv.ParseInt(kv["session_end"], 10, 64)
	}
	if err != nil || d.Start < 0 || d.End < d.Start {
		return d, fmt.Errorf("%w: session_start %q, session_end %q", ErrBadFAS, clip(kv["session_start"]), clip(kv["session_end"]))
	}
	return d, nil
}

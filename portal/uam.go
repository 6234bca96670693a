package portal

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
)

// The UAM results a gateway reports back in res= (CoovaChilli redir.c).
const (
	ResNotYet  = "notyet"
	ResSuccess = "success"
	ResFailed  = "failed"
	ResLogoff  = "logoff"
	ResAlready = "already"
)

// MaxQuery caps the length of a UAM redirect query.
const MaxQuery = 4096

// ErrBadQuery is wrapped by every ParseQuery error.
var ErrBadQuery = errors.New("portal: bad UAM query")

// Params is what a UAM gateway sends in its redirect to the portal.
type Params struct {
	Res       string
	UAMIP     netip.Addr
	UAMPort   uint16
	Challenge []byte // 16 bytes; nil on pages that need none
	Called    string
	MAC       string // lower-case, colon-separated
	IP        netip.Addr
	NASID     string
	SessionID string
	UserURL   string // validated http(s) URL or ""
	Reply     string // the gateway's Reply-Message on res=failed
	MD        string // upper-case hex, "" when absent
	// Dropped says why a userurl was ignored ("" when none was).
	Dropped string
	// HID is set for an openNDS client (opennds.go): its login goes to
	// authmon, not to the gateway's /logon, and it needs no challenge.
	HID string
}

// ParseQuery parses and validates a raw UAM redirect query. A bad userurl
// is dropped (Dropped says why) rather than failing the login.
func ParseQuery(raw string) (Params, error) {
	q, err := gatewayQuery(raw)
	if err != nil {
		return Params{}, err
	}
	p, err := paramsFrom(q)
	if err != nil {
		return Params{}, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	return p, nil
}

// gatewayQuery parses a query a gateway made: at most MaxQuery bytes,
// each parameter once.
func gatewayQuery(raw string) (url.Values, error) {
	if len(raw) > MaxQuery {
		return nil, fmt.Errorf("%w: query is %d bytes, over %d", ErrBadQuery, len(raw), MaxQuery)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	for k, v := range q {
		if len(v) > 1 {
			return nil, fmt.Errorf("%w: %s: given %d times", ErrBadQuery, k, len(v))
		}
	}
	return q, nil
}

func paramsFrom(q url.Values) (Params, error) {
	p := Params{Res: q.Get("res")}
	switch p.Res {
	case "":
		p.Res = ResNotYet
	case ResNotYet, ResSuccess, ResFailed, ResLogoff, ResAlready:
	default:
		return p, fmt.Errorf("res: %q is not notyet, success, failed, logoff or already", clip(p.Res))
	}
	var err error
	if p.UAMIP, err = parseUAMIP(q.Get("uamip")); err != nil {
		return p, err
	}
	if p.UAMPort, err = parsePort(q.Get("uamport")); err != nil {
		return p, err
	}
	if p.MAC, err = parseMAC(q.Get("mac")); err != nil {
		return p, err
	}
	if p.HID, err = parseHID(q.Get("hid")); err != nil {
		return p, err
	}
	if p.Challenge, err = parseChallenge(q.Get("challenge"), p.Res, p.HID != ""); err != nil {
		return p, err
	}
	if s := q.Get("ip"); s != "" {
		if p.IP, err = netip.ParseAddr(s); err != nil {
			return p, fmt.Errorf("ip: %q is not an IP address", clip(s))
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
		max  int
	}{{"nasid", &p.NASID, 64}, {"called", &p.Called, 64}, {"sessionid", &p.SessionID, 64}} {
		if *f.dst, err = token(f.name, q.Get(f.name), f.max); err != nil {
			return p, err
		}
	}
	if p.NASID == "" && p.Called == "" {
		return p, errors.New("nasid: required (or called)")
	}
	if p.MD, err = parseMD(q.Get("md")); err != nil {
		return p, err
	}
	p.Reply = printable(q.Get("reply"), 200)
	if u := q.Get("userurl"); u != "" {
		if p.UserURL, err = SafeUserURL(u); err != nil {
			p.UserURL, p.Dropped = "", err.Error()
		}
	}
	return p, nil
}

// parseUAMIP accepts only an IP literal of the kind a gateway listens on:
// never a host name, which would let a forged link send visitors anywhere.
func parseUAMIP(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, errors.New("uamip: required")
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return a, fmt.Errorf("uamip: %q is not an IP address", clip(s))
	}
	a = a.Unmap()
	if a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return a, fmt.Errorf("uamip: %s cannot be a gateway address", a)
	}
	return a, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("uamport: %q is not a port 1-65535", clip(s))
	}
	return uint16(n), nil
}

func parseMAC(s string) (string, error) {
	if s == "" {
		return "", errors.New("mac: required")
	}
	m, err := hotspots.NormalizeMAC(s)
	if err != nil {
		return "", fmt.Errorf("mac: %q is not a MAC address", clip(s))
	}
	return m, nil
}

func parseChallenge(s, res string, fas bool) ([]byte, error) {
	if s == "" {
		if !fas && (res == ResNotYet || res == ResFailed) {
			return nil, errors.New("challenge: required")
		}
		return nil, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("challenge: %q is not 32 hex digits", clip(s))
	}
	return b, nil
}

func parseMD(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if b, err := hex.DecodeString(s); err != nil || len(b) != 16 {
		return "", fmt.Errorf("md: %q is not 32 hex digits", clip(s))
	}
	return strings.ToUpper(s), nil
}

// token accepts the identifiers gateways send: letters, digits and . _ : -.
func token(name, s string, max int) (string, error) {
	if len(s) > max {
		return "", fmt.Errorf("%s: longer than %d characters", name, max)
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._:-", c)) {
			return "", fmt.Errorf("%s: %q has a character other than letters, digits, '.', '_', ':' or '-'", name, clip(s))
		}
	}
	return s, nil
}

// printable keeps at most max printable characters of s.
func printable(s string, max int) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= max {
			break
		}
		if c >= ' ' && c != 0x7f {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// clip shortens untrusted input quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// MD is CoovaChilli's redirect checksum: UPPER_HEX(MD5(url ‖ uamsecret)),
// where url is the whole redirect URL up to (not including) "&md=".
func MD(urlUpToMD, uamsecret string) string {
	sum := md5.Sum([]byte(urlUpToMD + uamsecret))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// ErrBadMD means the md checksum is missing or does not match.
var ErrBadMD = errors.New("portal: UAM md checksum does not match (wrong uamsecret or altered link)")

// VerifyMD checks the md= at the end of fullURL, the redirect URL exactly
// as the gateway built it. md must be the last parameter: anything after it
// is not covered by the checksum, so a link with more is refused rather
// than trusted (a userurl appended after md would otherwise be used).
func VerifyMD(fullURL, uamsecret string) error {
	i := strings.Index(fullURL, "&md=")
	if i < 0 {
		return ErrBadMD
	}
	got := strings.ToUpper(fullURL[i+len("&md="):])
	if strings.ContainsAny(got, "&;#") {
		return fmt.Errorf("%w: parameters after md are not covered by it", ErrBadMD)
	}
	want := MD(fullURL[:i], uamsecret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrBadMD
	}
	return nil
}

// NewChallenge is the challenge the gateway puts in CHAP-Challenge:
// MD5(challenge ‖ uamsecret), or the challenge itself without a uamsecret.
func NewChallenge(chal []byte, uamsecret string) []byte {
	if uamsecret == "" {
		return chal
	}
	sum := md5.Sum(append(append([]byte{}, chal...), uamsecret...))
	return sum[:]
}

// CHAPResponse is hotspotlogin.cgi's response=: hex(MD5(0x00 ‖ password ‖ newchal)).
func CHAPResponse(chal []byte, uamsecret, password string) string {
	h := md5.New()
	h.Write([]byte{0})
	h.Write([]byte(password))
	h.Write(NewChallenge(chal, uamsecret))
	return hex.EncodeToString(h.Sum(nil))
}

// PAPPassword is the password= a gateway set to PAP decodes:
// hex(password XOR newchal, the challenge repeated as needed).
func PAPPassword(chal []byte, uamsecret, password string) string {
	nc := NewChallenge(chal, uamsecret)
	out := make([]byte, len(password))
	for i := range out {
		out[i] = password[i] ^ nc[i%len(nc)]
	}
	return hex.EncodeToString(out)
}

// LogonURL is where the browser goes after the portal has logged a visitor
// in: the gateway's own /logon, with a CHAP response or, for a NAS set to
// PAP, the XOR-ed password.
func LogonURL(p Params, uamsecret, username, password string, pap bool) (string, error) {
	if len(p.Challenge) != 16 {
		return "", errors.New("portal: the gateway sent no challenge to log on with")
	}
	q := url.Values{"username": {username}}
	if pap {
		q.Set("password", PAPPassword(p.Challenge, uamsecret, password))
	} else {
		q.Set("response", CHAPResponse(p.Challenge, uamsecret, password))
	}
	if p.UserURL != "" {
		q.Set("userurl", p.UserURL)
	}
	return gatewayURL(p, "/logon") + "?" + q.Encode(), nil
}

// LogoffURL ends the visitor's session at the gateway.
func LogoffURL(p Params) string { return gatewayURL(p, "/logoff") }

func gatewayURL(p Params, path string) string {
	return "http://" + netip.AddrPortFrom(p.UAMIP, p.UAMPort).String() + path
}

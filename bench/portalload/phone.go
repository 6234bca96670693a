package portalload

import (
	"github.com/wifihk/wifihk/portal/gateway"

	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Phone is a simulated visitor's device behind a Gateway, for load runs:
// its own address on 127/8 (the gateway tells devices apart by address,
// as chilli does), its cookies, and its connection to the portal, kept
// open from the landing page as a phone's browser keeps it. It speaks
// HTTP/1.1 on plain sockets, as a load generator written in C would:
// net/http's client (a dial goroutine and two loops per connection) costs
// more CPU than the portal's handler, and in a load run on one machine
// the phones share the cores with the server being measured.
type Phone struct {
	IP      netip.Addr
	conn    net.Conn
	br      *bufio.Reader
	cookies string
	form    url.Values
	connect *url.URL
}

// NewPhone returns phone number i (0 to 16 million), not yet attached.
func NewPhone(i int) *Phone {
	return &Phone{IP: netip.AddrFrom4([4]byte{127, byte(1 + i>>16), byte(i >> 8), byte(i)})}
}

// hiddenRE finds the landing page's form tokens.
var hiddenRE = regexp.MustCompile(`name="(csrf|uam)" value="([^"]*)"`)

// Land attaches the phone to gw with mac, opens the gateway's redirect to
// the landing page and keeps the page's form, cookies and connection.
func (p *Phone) Land(ctx context.Context, gw *gateway.Gateway, mac string) error {
	gw.Attach(p.IP, mac)
	to, err := gw.RedirectURL(p.IP, "http://example.com/")
	if err != nil {
		return err
	}
	u, err := url.Parse(to)
	if err != nil {
		return err
	}
	p.connect = u.JoinPath("connect")
	p.connect.RawQuery = ""
	if p.conn, err = p.dial(ctx, u.Host); err != nil {
		return err
	}
	p.br = bufio.NewReader(p.conn)
	res, page, err := p.do(ctx, p.conn, p.br, "GET", u, "")
	if err != nil {
		return err
	}
	var jar []string
	for _, c := range res.Cookies() {
		jar = append(jar, c.Name+"="+c.Value)
	}
	p.cookies = strings.Join(jar, "; ")
	m := hiddenRE.FindAllStringSubmatch(page, 2)
	if res.StatusCode != http.StatusOK || len(m) < 2 {
		return fmt.Errorf("uamtest: landing page: HTTP %d without the connect form", res.StatusCode)
	}
	p.form = url.Values{"terms": {"yes"}}
	for _, f := range m {
		p.form.Set(f[1], strings.ReplaceAll(f[2], "&#43;", "+"))
	}
	return nil
}

// Login is one click-through after Land: the portal POST, then the
// gateway's /logon, which answers once RADIUS has accepted the CHAP
// Access-Request. It returns the last HTTP status and closes the
// phone's connections.
func (p *Phone) Login(ctx context.Context) (int, error) {
	defer p.conn.Close()
	res, _, err := p.do(ctx, p.conn, p.br, "POST", p.connect, p.form.Encode())
	if err != nil {
		return 0, err
	}
	logon := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.Contains(logon, "/logon?") {
		return res.StatusCode, fmt.Errorf("uamtest: connect: HTTP %d to %q", res.StatusCode, logon)
	}
	u, err := url.Parse(logon)
	if err != nil {
		return res.StatusCode, err
	}
	gw, err := p.dial(ctx, u.Host)
	if err != nil {
		return 0, err
	}
	defer gw.Close()
	res, _, err = p.do(ctx, gw, bufio.NewReader(gw), "GET", u, "")
	if err != nil {
		return 0, err
	}
	if to := res.Header.Get("Location"); !strings.Contains(to, "res=success") {
		return res.StatusCode, fmt.Errorf("uamtest: logon not accepted: %q", to)
	}
	return res.StatusCode, nil
}

// dial connects from the phone's own address.
func (p *Phone) dial(ctx context.Context, hostport string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: p.IP.AsSlice()}}
	return d.DialContext(ctx, "tcp", hostport)
}

// do sends one request on c and reads the whole response, within ctx's
// deadline.
func (p *Phone) do(ctx context.Context, c net.Conn, br *bufio.Reader, method string, u *url.URL, body string) (*http.Response, string, error) {
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl) // zero: none
	var b strings.Builder
	b.WriteString(method + " " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
	if p.cookies != "" {
		b.WriteString("Cookie: " + p.cookies + "\r\n")
	}
	if body != "" {
		b.WriteString("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n" + body)
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, "", err
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, "", err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	c.SetDeadline(time.Time{})
	return res, string(page), err
}

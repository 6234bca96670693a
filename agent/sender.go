package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
)

// outcome is what became of one POST.
type outcome int

const (
	delivered outcome = iota // 2xx: stored by the controller
	refused                  // 400, 401, 403, 413…: final, never retried
	transient                // no connection, timeout, 429, 5xx: retry later
)

// sender POSTs report bodies to the controller over HTTP/1.1, keeping one
// connection open between reports. It is a small client of its own rather
// than net/http, which would add about 2 MB to the agent binary; it needs
// only POST, Content-Length and keep-alive.
type sender struct {
	addr, host, path string     // dial address, Host header, request path
	tls              *tlsDialer // nil for http
	token, userAgent string
	timeout          time.Duration

	conn net.Conn
	br   *bufio.Reader
}

func newSender(c Config, token, version string) (*sender, error) {
	u, err := url.Parse(c.Controller)
	if err != nil {
		return nil, fmt.Errorf("agent: controller: %w", err)
	}
	s := &sender{host: u.Host, path: strings.TrimRight(u.Path, "/") + wire.Path,
		token: token, userAgent: "wifihk-agent/" + version, timeout: c.Timeout}
	port := u.Port()
	if u.Scheme == "https" {
		if s.tls, err = newTLS(u.Hostname(), c.CAFile); err != nil {
			return nil, err
		}
		if port == "" {
			port = "443"
		}
	} else if port == "" {
		port = "80"
	}
	s.addr = net.JoinHostPort(u.Hostname(), port)
	if c.CAFile != "" && s.tls == nil {
		return nil, errors.New("agent: ca_file: set, but the controller URL is not https")
	}
	return s, nil
}

// send POSTs one gzip JSON body. The error explains a refusal or a
// transient failure.
func (s *sender) send(ctx context.Context, body []byte) (outcome, error) {
	reused := s.conn != nil
	code, msg, err := s.roundTrip(ctx, body)
	if err != nil && reused && ctx.Err() == nil {
		// The kept connection may have been closed by the server meanwhile.
		code, msg, err = s.roundTrip(ctx, body)
	}
	if err != nil {
		return transient, fmt.Errorf("agent: post: %w", err)
	}
	switch {
	case code >= 200 && code < 300:
		return delivered, nil
	case code == 408 || code == 429 || code == 404 || code >= 500:
		return transient, fmt.Errorf("agent: controller answered %d: %s", code, msg)
	default:
		return refused, fmt.Errorf("agent: controller refused the report: %d: %s", code, msg)
	}
}

func (s *sender) roundTrip(ctx context.Context, body []byte) (code int, msg string, err error) {
	if s.conn == nil {
		if err := s.dial(ctx); err != nil {
			return 0, "", err
		}
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	s.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := make([]byte, 0, 512+len(body))
	req = fmt.Appendf(req, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"+
		"Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"+
		"Content-Length: %d\r\n\r\n", s.path, s.host, s.userAgent, s.token, len(body))
	req = append(req, body...)
	if _, err := s.conn.Write(req); err != nil {
		return 0, "", err
	}
	return s.readResponse()
}

// readResponse reads the status, headers and up to 512 bytes of the body
// (the controller's reason for a refusal).
func (s *sender) readResponse() (int, string, error) {
	tp := textproto.NewReader(s.br)
	line, err := tp.ReadLine()
	if err != nil {
		return 0, "", err
	}
	proto, rest, _ := strings.Cut(line, " ")
	codeStr, _, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeStr)
	if !strings.HasPrefix(proto, "HTTP/1.") || err != nil || code < 100 || code > 999 {
		return 0, "", fmt.Errorf("malformed status line %q", line)
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return 0, "", err
	}
	keep := !strings.EqualFold(hdr.Get("Connection"), "close") && hdr.Get("Transfer-Encoding") == ""
	n, err := strconv.ParseInt(hdr.Get("Content-Length"), 10, 64)
	if err != nil || n < 0 || n > 64<<10 {
		keep, n = false, 512 // unknown length: read what comes, then close
	}
	buf := make([]byte, min(n, 512))
	got, rerr := io.ReadFull(s.br, buf)
	if keep && rerr == nil {
		_, rerr = io.CopyN(io.Discard, s.br, n-int64(got))
	}
	if !keep || rerr != nil {
		s.close()
	}
	return code, strings.TrimSpace(string(buf[:got])), nil
}

func (s *sender) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: s.timeout, KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	if s.tls != nil {
		if c, err = s.tls.client(ctx, c, s.timeout); err != nil {
			return err
		}
	}
	s.conn, s.br = c, bufio.NewReaderSize(c, 1024)
	return nil
}

func (s *sender) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.br = nil, nil
	}
}

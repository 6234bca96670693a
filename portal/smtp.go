package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
	"time"

	"github.com/wifihk/wifihk/visitors"
)

// SMTP TLS modes (SMTPConfig.TLS).
const (
	SMTPStartTLS = "starttls" // plain connection upgraded by STARTTLS, which the server must offer
	SMTPTLS      = "tls"      // implicit TLS from the first byte (SMTPS, usually port 465)
	SMTPNoTLS    = "none"     // no encryption: only to a loopback address (a local relay)
)

// DefaultSMTPSubject is the subject of a code message: visitors read
// English or Chinese.
const DefaultSMTPSubject = "WiFi@HK code / 驗證碼"

// SMTPConfig configures an SMTP sender. NewSMTP checks it.
type SMTPConfig struct {
	// Addr is the relay's host:port, e.g. smtp.example.hk:587. Required.
	Addr string
	// From is the envelope and header sender, an RFC 5322 address such as
	// `"WiFi@HK" <noreply@wifi.example.hk>` (a name with @ is quoted). Required.
	From string
	// Username and Password, when set, log in with AUTH PLAIN (only over
	// TLS or to a loopback relay). Default: no AUTH.
	Username string
	Password string
	// TLS is SMTPStartTLS (default), SMTPTLS or SMTPNoTLS.
	TLS string
	// RootCAs verify the server's certificate. Default: the system's roots.
	RootCAs *x509.CertPool
	// Subject of every message, RFC 2047-encoded. Default DefaultSMTPSubject.
	Subject string
	// HelloName is the EHLO name. Default: this host's name.
	HelloName string
	// Timeout bounds one delivery when the context has no earlier
	// deadline. Default 10s.
	Timeout time.Duration
	// Log gets one line a delivered message, the address masked. Default: discard.
	Log *slog.Logger
	// Now stamps the Date header. Default time.Now.
	Now func() time.Time
}

// SMTP is a Sender that delivers codes by e-mail through an SMTP relay,
// one connection a message. It never logs a message: it holds the code.
type SMTP struct {
	cfg  SMTPConfig
	host string // Addr's host: the TLS server name and AUTH's host
	from *mail.Address
}

// NewSMTP checks cfg and fills in its defaults. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("portal: smtp: addr %q is not host:port", cfg.Addr)
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("portal: smtp: from: %w", err)
	}
	if cfg.TLS == "" {
		cfg.TLS = SMTPStartTLS
	}
	switch cfg.TLS {
	case SMTPStartTLS, SMTPTLS:
	case SMTPNoTLS:
		if !IsLoopbackHost(host) {
			return nil, fmt.Errorf("portal: smtp: tls %q is only allowed to a loopback address, not %q", cfg.TLS, host)
		}
	default:
		return nil, fmt.Errorf("portal: smtp: tls %q is not starttls, tls or none", cfg.TLS)
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("portal: smtp: set both username and password, or neither")
	}
	if cfg.Subject == "" {
		cfg.Subject = DefaultSMTPSubject
	}
	if strings.ContainsAny(cfg.Subject, "\r\n") {
		return nil, errors.New("portal: smtp: subject contains CR or LF")
	}
	if cfg.HelloName == "" {
		cfg.HelloName, _ = os.Hostname()
	}
	if cfg.HelloName == "" || strings.ContainsAny(cfg.HelloName, "\r\n ") {
		cfg.HelloName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SMTP{cfg: cfg, host: host, from: from}, nil
}

// IsLoopbackHost reports whether host is "localhost" or a loopback IP
// address: the only places SMTP without TLS may go.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseAddress accepts one RFC 5322 address with no CR or LF, so that it
// can go into a header and an SMTP command as it is.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("address contains CR or LF")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an address: %w", s, err)
	}
	return a, nil
}

// Send delivers message to the e-mail address to.
func (s *SMTP) Send(ctx context.Context, to, message string) error {
	rcpt, err := parseAddress(to)
	if err != nil {
		return fmt.Errorf("portal: smtp: to: %w", err)
	}
	msg, err := s.compose(rcpt, message)
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, rcpt.Address, msg); err != nil {
		return err
	}
	s.cfg.Log.Info("code sent by smtp", "to", MaskContact(to), "server", s.cfg.Addr)
	return nil
}

// compose writes the message: UTF-8 text, base64 in lines of 76.
func (s *SMTP) compose(to *mail.Address, message string) ([]byte, error) {
	id := make([]byte, 16)
	rand.Read(id)
	domain := s.from.Address[strings.LastIndex(s.from.Address, "@")+1:]
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", s.from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", s.cfg.Subject)},
		{"Date", s.cfg.Now().Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(id) + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "base64"},
	} {
		if strings.ContainsAny(h[1], "\r\n") {
			return nil, fmt.Errorf("portal: smtp: %s header contains CR or LF", h[0])
		}
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	text := strings.ReplaceAll(strings.ReplaceAll(message, "\r\n", "\n"), "\n", "\r\n")
	body := base64.StdEncoding.EncodeToString([]byte(text + "\r\n"))
	for len(body) > 76 {
		b.WriteString(body[:76] + "\r\n")
		body = body[76:]
	}
	b.WriteString(body + "\r\n")
	return b.Bytes(), nil
}

// deliver runs one SMTP session. Its errors name the step that failed.
func (s *SMTP) deliver(ctx context.Context, rcpt string, msg []byte) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	step := "dial"
	if s.cfg.TLS == SMTPTLS {
		step = "dial (TLS)"
	}
	defer func() {
		if err == nil {
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection's deadline is the context's: its timer is
			// due now, if it has not fired yet.
			<-ctx.Done()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %v", context.Cause(ctx), err)
		}
		err = fmt.Errorf("portal: smtp %s: %s: %w", s.cfg.Addr, step, err)
	}()

	tlsConf := &tls.Config{ServerName: s.host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	if s.cfg.TLS == SMTPTLS {
		conn, err = (&tls.Dialer{Config: tlsConf}).DialContext(ctx, "tcp", s.cfg.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", s.cfg.Addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// A cancelled context interrupts whatever read or write is waiting.
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })()

	step = "greeting"
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	step = "EHLO"
	if err = c.Hello(s.cfg.HelloName); err != nil {
		return err
	}
	if s.cfg.TLS == SMTPStartTLS {
		step = "STARTTLS"
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer it, and tls is starttls")
		}
		if err = c.StartTLS(tlsConf); err != nil {
			return err
		}
	}
	if s.cfg.Username != "" {
		step = "AUTH"
		ok, mechs := c.Extension("AUTH")
		if !ok || !hasWord(mechs, "PLAIN") {
			return fmt.Errorf("the server does not offer AUTH PLAIN (it offers %q)", mechs)
		}
		if err = c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return err
		}
	}
	step = "MAIL FROM"
	if err = c.Mail(s.from.Address); err != nil {
		return err
	}
	step = "RCPT TO"
	if err = c.Rcpt(rcpt); err != nil {
		return err
	}
	step = "DATA"
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err = w.Write(msg); err != nil {
		return err
	}
	if err = w.Close(); err != nil {
		return err
	}
	// The relay has taken the message; a failed QUIT must not make the
	// visitor ask for (and get) a second code.
	c.Quit()
	return nil
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// ByContact routes each code by the kind of contact, as sign-up tells
// them apart (visitors.IsMobile on a normalised contact): mobile numbers
// to Phone, e-mail addresses to Email. A nil field refuses that kind.
type ByContact struct {
	Email Sender
	Phone Sender
}

// Send passes the message to Email or Phone.
func (b ByContact) Send(ctx context.Context, to, message string) error {
	s, kind := b.Email, "e-mail addresses"
	if visitors.IsMobile(to) {
		s, kind = b.Phone, "mobile numbers"
	}
	if s == nil {
		return fmt.Errorf("portal: no sender for %s", kind)
	}
	return s.Send(ctx, to, message)
}

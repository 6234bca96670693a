package portal_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/portal"
)

// fakeSMTP is a minimal in-process SMTP server for the tests that need no
// real one: it offers the EHLO extensions it is given, answers AUTH with
// 535 and every other command with 250, and hands over each DATA.
type fakeSMTP struct {
	addr string
	ext  []string
	data chan string
}

func startFakeSMTP(t *testing.T, ext ...string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{addr: ln.Addr().String(), ext: ext, data: make(chan string, 4)}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { f.serve(c) })
		}
	})
	return f
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 fake ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
		switch verb {
		case "EHLO":
			lines := append([]string{"fake"}, f.ext...)
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "AUTH":
			tp.PrintfLine("535 5.7.8 authentication failed")
		case "DATA":
			tp.PrintfLine("354 go on")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			f.data <- string(b)
			tp.PrintfLine("250 ok")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

// none reports that nothing reached the server.
func (f *fakeSMTP) none(t *testing.T) {
	t.Helper()
	select {
	case d := <-f.data:
		t.Fatalf("the server got a message:\n%s", d)
	default:
	}
}

func newSMTP(t *testing.T, cfg portal.SMTPConfig) *portal.SMTP {
	t.Helper()
	s, err := portal.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkMail parses a message as a mail reader would and checks its
// headers, its base64 lines and its decoded body.
func checkMail(t *testing.T, raw, from, to, subject, body string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	h := m.Header
	if got, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || got != subject {
		t.Errorf("Subject %q decodes to %q (%v), want %q", h.Get("Subject"), got, err, subject)
	}
	if a, err := h.AddressList("From"); err != nil || len(a) != 1 || a[0].String() != from {
		t.Errorf("From %q (%v), want %q", h.Get("From"), err, from)
	}
	if a, err := h.AddressList("To"); err != nil || len(a) != 1 || a[0].Address != to {
		t.Errorf("To %q (%v), want %s", h.Get("To"), err, to)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	for k, want := range map[string]string{
		"MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "base64",
	} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
		t.Errorf("Message-ID %q", id)
	}
	enc, _ := io.ReadAll(m.Body)
	for _, l := range strings.Split(strings.TrimRight(string(enc), "\r\n"), "\n") {
		if l = strings.TrimSuffix(l, "\r"); len(l) > 76 {
			t.Errorf("base64 line of %d characters: %s", len(l), l)
		}
	}
	dec, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(string(enc)))))
	if err != nil || string(dec) != body {
		t.Errorf("body decodes to %q (%v), want %q", dec, err, body)
	}
}

func TestSMTPMessage(t *testing.T) {
	f := startFakeSMTP(t)
	var log bytes.Buffer
	s := newSMTP(t, portal.SMTPConfig{Addr: f.addr, From: `"WiFi@HK" <noreply@wifi.example.hk>`, TLS: portal.SMTPNoTLS,
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	msg := "WiFi@HK: 6 位數字驗證碼 918273\n" + strings.Repeat("請在十分鐘內輸入。", 8)
	if err := s.Send(context.Background(), "visitor@example.com", msg); err != nil {
		t.Fatal(err)
	}
	checkMail(t, <-f.data, `"WiFi@HK" <noreply@wifi.example.hk>`, "visitor@example.com", portal.DefaultSMTPSubject,
		strings.ReplaceAll(msg, "\n", "\r\n")+"\r\n")
	if l := log.String(); !strings.Contains(l, "v***@example.com") || strings.Contains(l, "visitor@") || strings.Contains(l, "918273") {
		t.Errorf("the log should name the address masked and never the code:\n%s", l)
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	f := startFakeSMTP(t)
	s := newSMTP(t, portal.SMTPConfig{Addr: f.addr, From: "noreply@wifi.example.hk", TLS: portal.SMTPNoTLS})
	for _, to := range []string{
		"visitor@example.com\r\nBcc: victim@example.org",
		"visitor@example.com\nBcc: victim@example.org",
		"visitor@example.com\r",
		"not an address",
		"",
	} {
		if err := s.Send(context.Background(), to, "code 123456"); err == nil || !strings.Contains(err.Error(), "portal: smtp: to:") {
			t.Errorf("to %q: got %v, want a refusal", to, err)
		}
	}
	for _, cfg := range []portal.SMTPConfig{
		{Addr: f.addr, TLS: portal.SMTPNoTLS, From: "noreply@wifi.example.hk\r\nBcc: victim@example.org"},
		{Addr: f.addr, TLS: portal.SMTPNoTLS, From: "WiFi\n <noreply@wifi.example.hk>"},
		{Addr: f.addr, TLS: portal.SMTPNoTLS, From: "noreply@wifi.example.hk", Subject: "code\r\nBcc: victim@example.org"},
	} {
		if _, err := portal.NewSMTP(cfg); err == nil {
			t.Errorf("%+v: accepted", cfg)
		}
	}
	f.none(t)
}

func TestNewSMTPRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  portal.SMTPConfig
		want string
	}{
		{"no port", portal.SMTPConfig{Addr: "mail.example.hk", From: "a@example.hk"}, "addr"},
		{"no host", portal.SMTPConfig{Addr: ":25", From: "a@example.hk"}, "addr"},
		{"no from", portal.SMTPConfig{Addr: "mail.example.hk:587"}, "from"},
		{"bad from", portal.SMTPConfig{Addr: "mail.example.hk:587", From: "noreply at example.hk"}, "from"},
		{"tls mode", portal.SMTPConfig{Addr: "mail.example.hk:587", From: "a@example.hk", TLS: "ssl"}, "not starttls, tls or none"},
		{"none to a remote name", portal.SMTPConfig{Addr: "mail.example.hk:25", From: "a@example.hk", TLS: portal.SMTPNoTLS}, "loopback"},
		{"none to a remote address", portal.SMTPConfig{Addr: "192.0.2.25:25", From: "a@example.hk", TLS: portal.SMTPNoTLS}, "loopback"},
		{"user without password", portal.SMTPConfig{Addr: "mail.example.hk:587", From: "a@example.hk", Username: "u"}, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := portal.NewSMTP(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:25", "localhost:25", "[::1]:25", "127.0.0.53:25"} {
		if _, err := portal.NewSMTP(portal.SMTPConfig{Addr: addr, From: "a@example.hk", TLS: portal.SMTPNoTLS}); err != nil {
			t.Errorf("none to %s: %v", addr, err)
		}
	}
}

func TestSMTPStartTLSIsRequired(t *testing.T) {
	f := startFakeSMTP(t, "8BITMIME", "AUTH PLAIN")
	s := newSMTP(t, portal.SMTPConfig{Addr: f.addr, From: "a@example.hk", Username: "wifihk", Password: "pw-never-shown"})
	err := s.Send(context.Background(), "visitor@example.com", "code 123456")
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("got %v, want an error naming STARTTLS", err)
	}
	f.none(t)
}

// The password is in no error and no log line, whatever fails.
func TestSMTPFailuresKeepThePasswordOut(t *testing.T) {
	const password = "pw-never-shown"
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	// A listener nobody accepts from: the connection opens and no
	// greeting comes.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	for _, tc := range []struct {
		name, addr, want string
		ext              []string
	}{
		{"unreachable", deadAddr, "dial", nil},
		{"no greeting", silent.Addr().String(), "greeting", nil},
		{"AUTH refused", "", "AUTH: 535", []string{"AUTH PLAIN LOGIN"}},
		{"no AUTH offered", "", "does not offer AUTH PLAIN", []string{"AUTH LOGIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.addr
			if addr == "" {
				f := startFakeSMTP(t, tc.ext...)
				defer f.none(t)
				addr = f.addr
			}
			var log bytes.Buffer
			s := newSMTP(t, portal.SMTPConfig{Addr: addr, From: "a@example.hk", TLS: portal.SMTPNoTLS,
				Username: "wifihk", Password: password, Log: slog.New(slog.NewTextHandler(&log, nil))})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err := s.Send(ctx, "visitor@example.com", "code 123456")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) || log.Len() > 0 {
				t.Errorf("error %q, log %q: want no password and no log line", err, log.String())
			}
			if tc.name == "no greeting" && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%v should wrap the context's deadline", err)
			}
		})
	}
}

type recordingSender struct{ to []string }

func (r *recordingSender) Send(_ context.Context, to, _ string) error {
	r.to = append(r.to, to)
	return nil
}

func TestByContactRoutesEmailAndMobile(t *testing.T) {
	var email, phone recordingSender
	s := portal.ByContact{Email: &email, Phone: &phone}
	for _, to := range []string{"visitor@example.com", "+85291234567"} {
		if err := s.Send(context.Background(), to, "code"); err != nil {
			t.Fatal(err)
		}
	}
	if len(email.to) != 1 || email.to[0] != "visitor@example.com" || len(phone.to) != 1 || phone.to[0] != "+85291234567" {
		t.Fatalf("e-mail got %q, phone got %q", email.to, phone.to)
	}
	if err := (portal.ByContact{Email: &email}).Send(context.Background(), "+85291234567", "code"); err == nil {
		t.Fatal("no phone sender: want an error")
	}
}

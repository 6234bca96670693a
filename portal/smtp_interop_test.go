package portal_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/browsertest"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/portal"
)

// These tests deliver codes to a real SMTP server: Debian's
// python3-aiosmtpd, run by testdata/smtpd.py. Without it they skip, or
// fail under WIFIHK_INTEROP=1.

// aiosmtpdPython is a python3 that can import aiosmtpd, or "". Debian's
// package is for /usr/bin/python3, which may not be the first on PATH.
var aiosmtpdPython = sync.OnceValue(func() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	return ""
})

// received is one message as smtpd.py recorded it.
type received struct {
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	Data     []byte   `json:"data"`
	TLS      string   `json:"tls"`   // e.g. TLSv1.3; "" when plain
	Login    string   `json:"login"` // the AUTH user
}

type smtpd struct {
	addr   string
	msgs   chan received
	stderr *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSMTPD runs aiosmtpd on 127.0.0.1 with smtpd.py's args; a non-empty
// auth ("user:password") makes it require AUTH.
func startSMTPD(t *testing.T, auth string, args ...string) *smtpd {
	t.Helper()
	py := aiosmtpdPython()
	browsertest.Need(t, "python3 with aiosmtpd (apt-get install python3-aiosmtpd)", py != "")
	cmd := exec.Command(py, append([]string{"testdata/smtpd.py"}, args...)...)
	cmd.Env = append(os.Environ(), "SMTPD_AUTH="+auth)
	s := &smtpd{msgs: make(chan received, 8), stderr: &lockedBuffer{}}
	cmd.Stderr = s.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		stdin.Close() // smtpd.py exits when its stdin closes
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	ready := make(chan string, 1)
	go func() {
		defer close(exited)
		defer cmd.Wait()
		defer close(ready)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		if sc.Scan() {
			ready <- sc.Text()
		}
		for sc.Scan() {
			var m received
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m.MailFrom = "smtpd.py: " + sc.Text()
			}
			s.msgs <- m
		}
	}()
	select {
	case line := <-ready:
		port, ok := strings.CutPrefix(line, "port ")
		if !ok {
			t.Fatalf("smtpd.py did not start: %q\n%s", line, s.stderr)
		}
		s.addr = net.JoinHostPort("127.0.0.1", port)
	case <-time.After(30 * time.Second):
		t.Fatalf("smtpd.py not listening after 30 s\n%s", s.stderr)
	}
	return s
}

// next is the next message the server accepted.
func (s *smtpd) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("smtpd.py received nothing in 10 s\n%s", s.stderr)
		return received{}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and localhost and its key
// (PEM, PKCS #8, as Python's ssl reads them) and returns their paths and
// a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtpd.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

const (
	smtpUser     = "wifihk-portal"
	smtpPassword = "s3cret-never-logged"
	smtpFrom     = `"WiFi@HK" <noreply@wifi.example.hk>`
)

func TestSMTPStartTLSAndAuthWithAiosmtpd(t *testing.T) {
	cert, key, pool := selfSigned(t)
	srv := startSMTPD(t, smtpUser+":"+smtpPassword, "--starttls", cert, key)
	var log bytes.Buffer
	s := newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom, Username: smtpUser, Password: smtpPassword,
		RootCAs: pool, Subject: "WiFi@HK 驗證碼", Log: slog.New(slog.NewTextHandler(&log, nil))})
	msg := "WiFi@HK: 6 位數字驗證碼 482913\n" + strings.Repeat("請在十分鐘內輸入。", 8)
	if err := s.Send(context.Background(), "visitor@example.com", msg); err != nil {
		t.Fatalf("%v\n%s", err, srv.stderr)
	}
	m := srv.next(t)
	if m.MailFrom != "noreply@wifi.example.hk" || len(m.RcptTos) != 1 || m.RcptTos[0] != "visitor@example.com" {
		t.Errorf("envelope from %q to %q", m.MailFrom, m.RcptTos)
	}
	if !strings.HasPrefix(m.TLS, "TLSv1.") || m.Login != smtpUser {
		t.Errorf("the session should be encrypted and logged in: tls %q, login %q", m.TLS, m.Login)
	}
	checkMail(t, string(m.Data), smtpFrom, "visitor@example.com", "WiFi@HK 驗證碼", strings.ReplaceAll(msg, "\n", "\r\n")+"\r\n")
	if l := log.String(); !strings.Contains(l, "v***@example.com") || strings.Contains(l, "482913") || strings.Contains(l, smtpPassword) {
		t.Errorf("log: %s", l)
	}

	t.Run("wrong password", func(t *testing.T) {
		s := newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom, Username: smtpUser, Password: "wrong-" + smtpPassword, RootCAs: pool})
		err := s.Send(context.Background(), "visitor@example.com", "code 123456")
		if err == nil || !strings.Contains(err.Error(), "AUTH: 535") || strings.Contains(err.Error(), smtpPassword) {
			t.Fatalf("got %v, want a 535 from AUTH without the password", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		s := newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom, Username: smtpUser, Password: smtpPassword})
		err := s.Send(context.Background(), "visitor@example.com", "code 123456")
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a certificate error at STARTTLS", err)
		}
	})
	t.Run("no AUTH", func(t *testing.T) {
		s := newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom, RootCAs: pool})
		err := s.Send(context.Background(), "visitor@example.com", "code 123456")
		if err == nil || !strings.Contains(err.Error(), "MAIL FROM") {
			t.Fatalf("got %v, want a refusal at MAIL FROM", err)
		}
	})
	select {
	case m := <-srv.msgs:
		t.Errorf("a failed session delivered a message: %+v", m)
	default:
	}
}

func TestSMTPImplicitTLSWithAiosmtpd(t *testing.T) {
	cert, key, pool := selfSigned(t)
	srv := startSMTPD(t, smtpUser+":"+smtpPassword, "--smtps", cert, key)
	s := newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom, TLS: portal.SMTPTLS,
		Username: smtpUser, Password: smtpPassword, RootCAs: pool})
	if err := s.Send(context.Background(), "visitor@example.com", "WiFi@HK: code 271828"); err != nil {
		t.Fatalf("%v\n%s", err, srv.stderr)
	}
	m := srv.next(t)
	if !strings.HasPrefix(m.TLS, "TLSv1.") || m.Login != smtpUser {
		t.Errorf("tls %q, login %q", m.TLS, m.Login)
	}
	checkMail(t, string(m.Data), smtpFrom, "visitor@example.com", portal.DefaultSMTPSubject, "WiFi@HK: code 271828\r\n")
}

func TestSMTPPlainRelayWithAiosmtpd(t *testing.T) {
	srv := startSMTPD(t, "")
	s := newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom, TLS: portal.SMTPNoTLS})
	if err := s.Send(context.Background(), "visitor@example.com", "WiFi@HK: code 314159"); err != nil {
		t.Fatalf("%v\n%s", err, srv.stderr)
	}
	if m := srv.next(t); m.TLS != "" || m.RcptTos[0] != "visitor@example.com" {
		t.Errorf("%+v", m)
	}
	// The same server, when STARTTLS is required, is refused.
	s = newSMTP(t, portal.SMTPConfig{Addr: srv.addr, From: smtpFrom})
	if err := s.Send(context.Background(), "visitor@example.com", "WiFi@HK: code 314159"); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("got %v, want an error naming STARTTLS", err)
	}
}

// A visitor signs up with an e-mail address in Chinese through the whole
// controller, configured as an operator would (portal.smtp with a password
// file and a private CA), reads the code from the mail and gets online; a
// mobile number's code still goes to the outbox.
func TestSignUpByEmailThroughSMTP(t *testing.T) {
	cert, key, _ := selfSigned(t)
	srv := startSMTPD(t, smtpUser+":"+smtpPassword, "--starttls", cert, key)
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	os.WriteFile(pwFile, []byte(smtpPassword+"\n"), 0o600)
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		c.Portal.SMTP = config.SMTP{Addr: srv.addr, From: smtpFrom, Username: smtpUser,
			PasswordFile: pwFile, TLS: "starttls", CAFile: cert}
	}})
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:31")
	c := newBrowser(t)
	base := portalURL(a.HTTPAddr)

	_, page := get(t, c, g.URL+"/")
	form := formFields(t, page)
	form.Set("lang", "zh-Hant")
	form.Set("contact", "Visitor@Example.com")
	form.Set("password", "correct horse")
	code, page, _ := post(t, c, base+"/signup", form)
	if code != http.StatusOK {
		t.Fatalf("sign-up: %d\n%s", code, page)
	}
	m := srv.next(t)
	if len(m.RcptTos) != 1 || m.RcptTos[0] != "visitor@example.com" || m.TLS == "" || m.Login != smtpUser {
		t.Fatalf("%+v", m)
	}
	body := mailText(t, m.Data)
	if !strings.Contains(body, "驗證碼") {
		t.Errorf("the code should come in the visitor's language: %q", body)
	}
	form = formFields(t, page)
	form.Set("contact", "visitor@example.com")
	form.Set("code", codeRE.FindString(body))
	if code, page, _ = post(t, c, base+"/verify", form); code != http.StatusOK {
		t.Fatalf("verify with the mailed code %q: %d\n%s", codeRE.FindString(body), code, page)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("logon after sign-up by e-mail refused: %+v", res)
	}

	_, page = get(t, c, g.URL+"/")
	form = formFields(t, page)
	form.Set("contact", "9123 4568")
	form.Set("password", "correct horse")
	if code, page, _ = post(t, c, base+"/signup", form); code != http.StatusOK {
		t.Fatalf("sign-up by mobile: %d\n%s", code, page)
	}
	lastCode(t, a.Config.DataDir, "+85291234568")
	if out, _ := os.ReadFile(datadir.Dir(a.Config.DataDir).Outbox()); strings.Contains(string(out), "example.com") {
		t.Errorf("an e-mail code went to the outbox:\n%s", out)
	}
}

// mailText is a received message's decoded text.
func mailText(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type")); params["charset"] != "utf-8" {
		t.Errorf("Content-Type %q", m.Header.Get("Content-Type"))
	}
	enc, _ := io.ReadAll(m.Body)
	text, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(enc)))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	return string(text)
}

package controller

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/visitors"
)

// mountPortal serves the captive portal under /portal.
func (a *App) mountPortal() error {
	portalKey, _ := a.formKeys()
	sender, err := a.codeSender()
	if err != nil {
		return err
	}
	secure, err := a.secureNetwork()
	if err != nil {
		return err
	}
	vis := visitors.New(a.DB, a.Sealer)
	p, err := portal.New(portal.Config{
		Secure: secure, Gateways: a.auth, GatewaySessions: a.Sessions,
		NAS: a.Registry, Visitors: vis, DefaultPlan: a.Config.Plan,
		Sender: sender, Log: a.Log,
		PublicURL: a.Config.HTTP.PublicURL, Key: portalKey, KeepSessions: a.Config.Retention.Sessions,
		TimeLeft: portal.AccountingTimeLeft{Sessions: a.Sessions, Visitors: vis,
			NAS: a.Registry, Default: a.Config.Plan},
	})
	if err != nil {
		return err
	}
	p.Mount(a.Router)
	// The site's root is where someone who types the portal's host
	// lands: the portal.
	a.Router.Path("/").Methods(http.MethodGet, http.MethodHead).Handler(http.RedirectHandler("/portal", http.StatusSeeOther))
	met := web.NewRouteMetrics(a.Metrics, "portal", "/portal")
	met.Init(a.Router)
	a.Router.Use(met.Middleware)
	return nil
}

// codeSender is the outbox, or with portal.smtp.addr set, SMTP for e-mail
// addresses and the outbox for mobile numbers. The password and CA files
// are read here, once.
func (a *App) codeSender() (portal.Sender, error) {
	outbox := portal.NewOutbox(a.Config.DataDir, a.Log)
	c := a.Config.Portal.SMTP
	if c.Addr == "" {
		return outbox, nil
	}
	cfg := portal.SMTPConfig{Addr: c.Addr, From: c.From, Username: c.Username, TLS: c.TLS, Log: a.Log}
	if c.PasswordFile != "" {
		pw, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("config: portal.smtp.password_file: %w", err)
		}
		if cfg.Password = strings.TrimRight(string(pw), "\r\n"); cfg.Password == "" {
			return nil, fmt.Errorf("config: portal.smtp.password_file: %s is empty", c.PasswordFile)
		}
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("config: portal.smtp.ca_file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config: portal.smtp.ca_file: no PEM certificate in %s", c.CAFile)
		}
	}
	smtp, err := portal.NewSMTP(cfg)
	if err != nil {
		return nil, err
	}
	a.Log.Info("portal: codes for e-mail addresses go by smtp", "server", c.Addr, "tls", c.TLS, "auth", c.Username != "")
	return portal.ByContact{Email: smtp, Phone: outbox}, nil
}

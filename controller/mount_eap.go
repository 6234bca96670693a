package controller

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
)

// eapConfig configures the 802.1X EAP server when a certificate is configured
// (nil otherwise: EAP requests are rejected). The nodes of a cluster share
// its ticket keys (from master.key) and its resumable sessions (in the
// store), so that a ticket from one node resumes on any.
func (a *App) eapConfig() (*eap.Config, error) {
	c := a.Config.RADIUS.EAP
	if c.Cert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("config: radius.eap.cert and radius.eap.key: %w", err)
	}
	var ticketKey [32]byte
	copy(ticketKey[:], a.Sealer.Key("eap session tickets"))
	vis := visitors.New(a.DB, a.Sealer)
	return &eap.Config{Certificate: cert, TicketKeys: [][32]byte{ticketKey}, Timeout: c.Timeout,
		ClientCert: vis.VerifyClientCert, Resumptions: vis}, nil
}

// DemoEAP makes a demo CA and EAP server certificate in the data dir
// (once) and points cfg at them, unless a certificate is configured. The
// CA is what a device must trust for the secure SSID.
func DemoEAP(cfg *config.Config) (eap.DemoPKI, bool, error) {
	if cfg.RADIUS.EAP.Cert != "" {
		return eap.DemoPKI{}, false, nil
	}
	pki, err := eap.WriteDemoPKI(datadir.Dir(cfg.DataDir).DemoEAP(), "radius.wifi.hk")
	if err != nil {
		return pki, false, err
	}
	cfg.RADIUS.EAP.Cert, cfg.RADIUS.EAP.Key, cfg.RADIUS.EAP.CA = pki.Cert, pki.Key, pki.CA
	return pki, true, nil
}

// secureNetwork is the portal's onboarding for the 802.1X SSID, when EAP
// and its CA are configured: the server name devices check is the first
// DNS name of the server certificate.
func (a *App) secureNetwork() (*portal.SecureNetwork, error) {
	c := a.Config.RADIUS.EAP
	if c.Cert == "" || c.CA == "" {
		return nil, nil
	}
	ca, err := os.ReadFile(c.CA)
	if err != nil {
		return nil, fmt.Errorf("config: radius.eap.ca: %w", err)
	}
	pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("config: radius.eap.cert and radius.eap.key: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil || len(leaf.DNSNames) == 0 {
		return nil, fmt.Errorf("config: radius.eap.cert: no DNS name for devices to check (%v)", err)
	}
	return &portal.SecureNetwork{SSID: c.SSID, ServerName: leaf.DNSNames[0], CAPEM: ca}, nil
}

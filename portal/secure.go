package portal

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/template"
)

// SecureNetwork is the WPA2/WPA3-Enterprise SSID that the onboarding page
// sets a device up for: EAP-TTLS/PAP (or PEAP/MSCHAPv2) to a RADIUS server
// whose certificate the device checks against CA and ServerName. The
// profiles hold no secret: the visitor types their own account.
type SecureNetwork struct {
	SSID       string // e.g. "WiFi@HK Secure"
	ServerName string // a DNS name in the RADIUS server's certificate
	CAPEM      []byte // the CA that issued that certificate
	caDER      []byte
}

// check validates n and keeps the CA's DER.
func (n *SecureNetwork) check() error {
	if n.SSID == "" || len(n.SSID) > 32 {
		return fmt.Errorf("portal: secure network: SSID %q must be 1-32 bytes", n.SSID)
	}
	if n.ServerName == "" || strings.ContainsAny(n.ServerName, " \"<>&/") {
		return fmt.Errorf("portal: secure network: server name %q is not a DNS name", n.ServerName)
	}
	b, _ := pem.Decode(n.CAPEM)
	if b == nil || b.Type != "CERTIFICATE" {
		return errors.New("portal: secure network: CA is not a PEM certificate")
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil || !ca.IsCA {
		return fmt.Errorf("portal: secure network: CA is not a CA certificate (%v)", err)
	}
	n.caDER = b.Bytes
	return nil
}

// outerIdentity is the anonymous identity the profiles set, so that only
// the tunnel carries the account name.
const outerIdentity = "anonymous@wifi.hk"

// secure is the onboarding page: the profiles and the settings spelled
// out for devices that take no profile.
func (p *Portal) secure(w http.ResponseWriter, r *http.Request, v *view) {
	d := v.data("secure_heading")
	d.Heading = tr(v.lang, "secure_heading")
	d.Secure = p.cfg.Secure
	d.Outer = outerIdentity
	v.render(http.StatusOK, "secure", d)
}

// secureCA serves the CA certificate (DER, which Android installs).
func (p *Portal) secureCA(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-x509-ca-cert")
	w.Header().Set("Content-Disposition", `attachment; filename="wifihk-ca.crt"`)
	w.Write(p.cfg.Secure.caDER)
}

// secureApple serves an Apple configuration profile: the CA as a root
// payload and a Wi-Fi payload that trusts only it and only ServerName.
func (p *Portal) secureApple(w http.ResponseWriter, r *http.Request) {
	b, err := appleProfile(p.cfg.Secure)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-apple-aspen-config")
	w.Header().Set("Content-Disposition", `attachment; filename="wifihk.mobileconfig"`)
	w.Write(b)
}

// secureWPA serves a wpa_supplicant network block (Linux, Android builds
// that take one); the CA goes beside it as wifihk-ca.pem.
func (p *Portal) secureWPA(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="wifihk-wpa_supplicant.conf"`)
	wpaTemplate.Execute(w, struct {
		*SecureNetwork
		Base string
	}{p.cfg.Secure, p.cfg.Base})
}

var wpaTemplate = template.Must(template.New("wpa").Parse(`# WiFi@HK secure network. Save the CA (the portal's {{.Base}}/secure/ca.crt) as
# /etc/wpa_supplicant/wifihk-ca.crt and put your account in identity and password.
network={
	ssid={{printf "%q" .SSID}}
	key_mgmt=WPA-EAP
	eap=TTLS
	anonymous_identity="` + outerIdentity + `"
	identity="YOUR ACCOUNT"
	password="YOUR PASSWORD"
	ca_cert="/etc/wpa_supplicant/wifihk-ca.crt"
	domain_match={{printf "%q" .ServerName}}
	phase2="auth=PAP"
}
`))

// appleProfile is the .mobileconfig (an XML property list). Its UUIDs
// derive from the SSID and CA, so installing it again replaces it.
func appleProfile(n *SecureNetwork) ([]byte, error) {
	var buf bytes.Buffer
	err := appleTemplate.Execute(&buf, map[string]string{
		"SSID": n.SSID, "Server": n.ServerName, "Outer": outerIdentity,
		"CA":     base64.StdEncoding.EncodeToString(n.caDER),
		"UUID":   profileUUID(n, "profile"),
		"CAUUID": profileUUID(n, "ca"), "WiFiUUID": profileUUID(n, "wifi"),
	})
	return buf.Bytes(), err
}

func profileUUID(n *SecureNetwork, part string) string {
	h := sha256.Sum256([]byte(part + "\x00" + n.SSID + "\x00" + string(n.caDER)))
	h[6] = h[6]&0x0f | 0x50 // version 5 style: name-based
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

var appleTemplate = template.Must(template.New("apple").Funcs(template.FuncMap{"x": xmlText}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadType</key><string>com.apple.security.root</string>
			<key>PayloadVersion</key><integer>1</integer>
			<key>PayloadIdentifier</key><string>hk.wifi.secure.ca</string>
			<key>PayloadUUID</key><string>{{.CAUUID}}</string>
			<key>PayloadDisplayName</key><string>WiFi@HK RADIUS CA</string>
			<key>PayloadCertificateFileName</key><string>wifihk-ca.cer</string>
			<key>PayloadContent</key><data>{{.CA}}</data>
		</dict>
		<dict>
			<key>PayloadType</key><string>com.apple.wifi.managed</string>
			<key>PayloadVersion</key><integer>1</integer>
			<key>PayloadIdentifier</key><string>hk.wifi.secure.wifi</string>
			<key>PayloadUUID</key><string>{{.WiFiUUID}}</string>
			<key>PayloadDisplayName</key><string>{{x .SSID}}</string>
			<key>SSID_STR</key><string>{{x .SSID}}</string>
			<key>HIDDEN_NETWORK</key><false/>
			<key>AutoJoin</key><true/>
			<key>EncryptionType</key><string>WPA2</string>
			<key>EAPClientConfiguration</key>
			<dict>
				<key>AcceptEAPTypes</key><array><integer>21</integer><integer>25</integer></array>
				<key>TTLSInnerAuthentication</key><string>PAP</string>
				<key>OuterIdentity</key><string>{{x .Outer}}</string>
				<key>PayloadCertificateAnchorUUID</key><array><string>{{.CAUUID}}</string></array>
				<key>TLSTrustedServerNames</key><array><string>{{x .Server}}</string></array>
			</dict>
		</dict>
	</array>
	<key>PayloadType</key><string>Configuration</string>
	<key>PayloadVersion</key><integer>1</integer>
	<key>PayloadIdentifier</key><string>hk.wifi.secure</string>
	<key>PayloadUUID</key><string>{{.UUID}}</string>
	<key>PayloadDisplayName</key><string>{{x .SSID}}</string>
	<key>PayloadOrganization</key><string>WiFi@HK</string>
	<key>PayloadRemovalDisallowed</key><false/>
</dict>
</plist>
`))

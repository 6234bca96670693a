package portal

import "strings"

// MaskMAC keeps a MAC's vendor prefix for logs: aa:bb:cc:xx:xx:xx.
func MaskMAC(mac string) string {
	if len(mac) != 17 {
		return "xx:xx:xx:xx:xx:xx"
	}
	return mac[:8] + ":xx:xx:xx"
}

// MaskContact hides most of a phone number or e-mail address:
// +852****4567, a***@example.com.
func MaskContact(c string) string {
	if strings.HasPrefix(c, "+852") && len(c) == 12 {
		return "+852****" + c[8:]
	}
	user, domain, ok := strings.Cut(c, "@")
	if !ok || user == "" {
		return "***"
	}
	return user[:1] + "***@" + domain
}

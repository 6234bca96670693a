package portal

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxUserURL caps the length of a userurl.
const MaxUserURL = 2048

// SafeUserURL returns s if it is an absolute http or https URL with a host
// and no credentials: never javascript:, data:, a relative path or
// "//host" that a browser would resolve against the portal.
func SafeUserURL(s string) (string, error) {
	if len(s) > MaxUserURL {
		return "", fmt.Errorf("userurl: longer than %d characters", MaxUserURL)
	}
	for _, c := range s {
		if c < 0x21 || c == 0x7f || c == '\\' {
			return "", errors.New("userurl: has spaces, control characters or backslashes")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("userurl: %v", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return "", fmt.Errorf("userurl: scheme %q is not http or https", clip(u.Scheme))
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("userurl: has no host")
	case u.User != nil:
		return "", errors.New("userurl: must not carry a user name or password")
	case u.Opaque != "":
		return "", errors.New("userurl: is not a hierarchical URL")
	}
	return u.String(), nil
}

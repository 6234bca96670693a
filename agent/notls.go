//go:build notls

package agent

import (
	"context"
	"errors"
	"net"
	"time"
)

// Built with -tags notls the agent speaks plain HTTP only: about 2.3 MB
// smaller, for APs that reach the controller through a VPN or a management
// VLAN and must fit a small flash.
type tlsDialer struct{}

func newTLS(string, string) (*tlsDialer, error) {
	return nil, errors.New("agent: controller: https needs an agent built without -tags notls")
}

func (*tlsDialer) client(context.Context, net.Conn, time.Duration) (net.Conn, error) {
	return nil, errors.New("agent: no TLS in this build")
}

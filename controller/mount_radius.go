package controller

import (
	"context"
	"fmt"
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
)

// mountRADIUS builds the authentication and accounting servers and starts
// them in Run.
func (a *App) mountRADIUS() error {
	met := radius.NewMetrics(a.Metrics)
	// Accounting is made durable in a journal beside the database and
	// applied to it in the background (see accounting).
	sess, err := accounting.Open(a.DB, datadir.Dir(a.Config.DataDir).AccountingJournal(), a.Log)
	if err != nil {
		return err
	}
	a.Sessions = sess
	a.Metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wifihk_accounting_session_id_reused_total",
		Help: "Acct-Session-Ids a NAS used again for a new session (another Class or User-Name).",
	}, func() float64 { return float64(sess.ReusedIDs()) }))
	a.usage = &accounting.Usage{Sessions: sess}
	// Closed after the listeners have drained.
	a.onClose(func() error { sess.Close(); return nil })
	eapCfg, err := a.eapConfig()
	if err != nil {
		return err
	}
	auth, err := radius.NewAuthenticator(radius.AuthConfig{
		Credentials: visitors.NewCachedReader(visitors.New(a.DB, a.Sealer)), Sessions: sess, Plans: a.Registry,
		DefaultPlan: a.Config.Plan, Metrics: met, Log: a.Log, EAP: eapCfg,
		CUIKey: a.Sealer.Key("radius chargeable-user-identity"),
	})
	if err != nil {
		return err
	}
	a.auth = auth
	if e := auth.EAP(); e != nil { // resumable sessions still queued reach the store before it closes
		a.onClose(func() error { e.Flush(); return nil })
		a.Metrics.MustRegister(eapSharedMetrics(e)...)
	}
	pc := a.Config.RADIUS.Proxy
	dialer, err := a.homeDialer()
	if err != nil {
		return err
	}
	proxyCfg := radius.ProxyConfig{Routes: a.Registry, Registerer: a.Metrics, Log: a.Log,
		OperatorName: pc.OperatorName, DeadAfter: pc.DeadAfter, ProbeInterval: pc.ProbeInterval, Dial: dialer.Dial}
	if dns := a.proxyDNS(); dns != nil {
		proxyCfg.Discover, proxyCfg.Resolve = dns, dns
	}
	proxy, err := radius.NewProxy(proxyCfg)
	if err != nil {
		return err
	}
	a.Proxy = proxy
	a.onClose(proxy.Close)
	a.Drops = radius.NewDrops()
	var servers []*radius.Server // auth, acct
	for _, l := range []struct {
		port    radius.Port
		addr    string
		handler radius.Handler
		bound   *net.Addr
	}{
		{radius.AuthPort, a.Config.RADIUS.AuthAddr, proxy.Auth(auth), &a.AuthAddr},
		{radius.AcctPort, a.Config.RADIUS.AcctAddr, proxy.Acct(radius.NewAccounting(sess, a.Log)), &a.AcctAddr},
	} {
		srv, err := radius.NewServer(radius.ServerConfig{
			Port: l.port, NAS: a.Registry, Handler: l.handler, Metrics: met, Log: a.Log,
			DupWindow: a.Config.RADIUS.DuplicateWindow, UnknownLogEvery: a.Config.RADIUS.UnknownLogEvery, Drops: a.Drops,
		})
		if err != nil {
			return err
		}
		a.onStart(a.startRADIUS(srv, l.port, l.addr, l.bound))
		servers = append(servers, srv)
	}
	return a.mountRadSec(servers[0], servers[1])
}

func (a *App) startRADIUS(srv *radius.Server, port radius.Port, addr string, bound *net.Addr) func(context.Context) (func(context.Context) error, error) {
	return func(ctx context.Context) (func(context.Context) error, error) {
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("server: radius %s: %w", port, err)
		}
		conn, err := net.ListenUDP("udp", ua)
		if err != nil {
			return nil, fmt.Errorf("server: radius %s: %w", port, err)
		}
		conn.SetReadBuffer(4 << 20) // ride out bursts; the kernel may cap it
		*bound = conn.LocalAddr()
		go func() {
			if err := srv.Serve(conn); err != nil && err != radius.ErrServerClosed {
				a.Log.Error("radius listener stopped", "port", string(port), "err", err)
			}
		}()
		return srv.Shutdown, nil
	}
}

// eapSharedMetrics count the resumable 802.1X sessions this node shared
// with the others through the store, and found there.
func eapSharedMetrics(e *eap.Server) []prometheus.Collector {
	var out []prometheus.Collector
	for _, r := range []struct {
		result string
		count  func(eap.ShareStats) uint64
	}{
		{"saved", func(s eap.ShareStats) uint64 { return s.Saved }},
		{"save_failed", func(s eap.ShareStats) uint64 { return s.Failed }},
		{"dropped", func(s eap.ShareStats) uint64 { return s.Dropped }},
		{"loaded", func(s eap.ShareStats) uint64 { return s.Loaded }},
		{"load_failed", func(s eap.ShareStats) uint64 { return s.LoadFailed }},
	} {
		out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "wifihk_radius_eap_resumptions_shared_total",
			Help:        "Resumable 802.1X sessions written to the store the nodes share (saved, save_failed, dropped: the queue was full) and found there on a miss of this node's memory (loaded, load_failed).",
			ConstLabels: prometheus.Labels{"result": r.result},
		}, func() float64 { return float64(r.count(e.Stats().Shared)) }))
	}
	return out
}

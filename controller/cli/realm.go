package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func cmdRealmAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "realm add")
	var in hotspots.RealmInput
	var servers, secrets, cas, names listFlag
	fs.StringVar(&in.Name, "realm", "", "realm: operator.example, *.example.edu, ~REGEX or DEFAULT")
	fs.StringVar(&in.Org, "org", "", "organisation that owns the realm")
	fs.Var(&servers, "server", "home server IP:PORT or HOST:PORT (authentication port; with -radsec IP or HOST[:PORT], port 2083 by default; a HOST is looked up when used, through radius.proxy.dns), repeated in failover order")
	fs.Var(&secrets, "secret", "home server shared secret: once for all, or once per -server (not with -radsec)")
	acctPort := fs.Int("acct-port", 0, "home servers' accounting port (default: authentication port + 1; none with -radsec)")
	timeout := fs.Duration("timeout", 3*time.Second, "wait per try for a home server's answer")
	retries := fs.Int("retries", 1, "resends to a home server before the next is tried (RadSec: the wait is timeout × (1+retries), nothing resent)")
	radsec := fs.Bool("radsec", false, "the home servers speak RadSec (RADIUS over TLS, RFC 6614)")
	fs.Var(&cas, "ca", "with -radsec: PEM file of the CAs that sign the servers' certificates, once for all or once per -server (default: radius.proxy.radsec.ca)")
	fs.Var(&names, "server-name", "with -radsec: the name the server's certificate must carry, once for all or once per -server (default: its IP address)")
	dynamic := fs.Bool("dynamic", false, "find the realm's RadSec servers in the DNS (RFC 7585 NAPTR, SRV, A/AAAA) for each visitor's realm, instead of -server; with -ca once (default: radius.proxy.radsec.ca), -timeout and -retries")
	fs.BoolVar(&in.Local, "local", false, "the brand's own realm: authenticate its visitors here")
	fs.BoolVar(&in.ForwardAcct, "forward-accounting", false, "also forward accounting to the home servers")
	fs.BoolVar(&in.NoStrip, "nostrip", false, "send User-Name with its realm (by default the realm is stripped, as FreeRADIUS does; EAP keeps it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, l := range []struct {
		flag string
		vals listFlag
		need bool
	}{{"-secret", secrets, !*radsec && len(servers) > 0}, {"-ca", cas, false}, {"-server-name", names, false}} {
		if n := len(l.vals); n > 1 && n != len(servers) || n == 0 && l.need {
			fmt.Fprintf(e.Stderr, "realm add: give %s once, or once per -server\n", l.flag)
			return errUsage
		}
	}
	if *dynamic && (len(servers)+len(names)+len(secrets) > 0 || len(cas) > 1 || *radsec) {
		fmt.Fprintln(e.Stderr, "realm add: -dynamic finds the servers in the DNS: give no -server, -secret, -server-name or -radsec, and -ca at most once")
		return errUsage
	}
	if !*radsec && !*dynamic && len(cas)+len(names) > 0 {
		fmt.Fprintln(e.Stderr, "realm add: -ca and -server-name go with -radsec")
		return errUsage
	}
	pems := make(listFlag, len(cas))
	for i, f := range cas {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("realm add: -ca: %w", err)
		}
		pems[i] = string(b)
	}
	if *dynamic {
		in.Discovery = &hotspots.DiscoveryInput{CA: pems.nth(0, ""), Timeout: *timeout, Retries: *retries}
	}
	for i, s := range servers {
		hs := hotspots.HomeServerInput{Address: s, Secret: secrets.nth(i, ""), AcctPort: *acctPort, Timeout: *timeout, Retries: *retries}
		if *radsec {
			hs.Transport, hs.CA, hs.ServerName = hotspots.TransportRadSec, pems.nth(i, ""), names.nth(i, "")
		}
		in.Servers = append(in.Servers, hs)
	}
	rl, err := e.Registry.AddRealm(in)
	if err != nil {
		return err
	}
	audit(e, "realm.create", rl.Name, rl.Org, fmt.Sprintf("servers=%d", len(rl.Servers)))
	return e.result(realmView(rl), "added realm %s (%s) of %s: %s\n", rl.Name, rl.Kind, rl.Org, realmWhere(rl))
}

// nth is the value for the i-th -server: the only one, the i-th, or def.
func (l listFlag) nth(i int, def string) string {
	switch {
	case len(l) == 1:
		return l[0]
	case i < len(l):
		return l[i]
	}
	return def
}

func realmWhere(rl hotspots.Realm) string {
	if rl.Local {
		return "local"
	}
	if rl.Discovery != nil {
		return "dynamic (DNS, RFC 7585)"
	}
	addrs := make([]string, len(rl.Servers))
	for i, s := range rl.Servers {
		addrs[i] = s.Where()
		if s.Transport != hotspots.TransportUDP {
			addrs[i] += " (" + s.Transport + ")"
		}
	}
	return strings.Join(addrs, ", ")
}

func cmdRealmList(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "realm list")
	org := fs.String("org", "", "only this organisation's realms")
	if err := parse(fs, args); err != nil {
		return err
	}
	all, err := e.Registry.ListRealms(*org)
	if err != nil {
		return err
	}
	if e.JSON {
		out := make([]map[string]any, len(all))
		for i, rl := range all {
			out[i] = realmView(rl)
		}
		return e.result(map[string]any{"realms": out}, "")
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REALM\tKIND\tORG\tHOME SERVERS\tACCOUNTING")
	for _, rl := range all {
		acct := "local"
		if rl.ForwardAcct {
			acct = "forwarded"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rl.Name, rl.Kind, rl.Org, realmWhere(rl), acct)
	}
	return tw.Flush()
}

func cmdRealmRemove(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "realm remove")
	name := fs.String("realm", "", "the realm to remove")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(e.Stderr, "usage: wifihk realm remove -data DIR -realm REALM")
		return errUsage
	}
	if err := e.Registry.RemoveRealm("", *name); err != nil {
		return err
	}
	audit(e, "realm.delete", *name, "", "")
	return e.result(map[string]any{"removed": *name}, "removed realm %s\n", *name)
}

// realmView is a realm as printed and served: never the secrets.
func realmView(rl hotspots.Realm) map[string]any {
	servers := make([]map[string]any, len(rl.Servers))
	for i, s := range rl.Servers {
		servers[i] = map[string]any{"address": s.Where(), "acct_port": s.AcctPort, "transport": s.Transport,
			"timeout_ms": s.TimeoutMS, "retries": s.Retries}
		if s.Transport == hotspots.TransportRadSec {
			servers[i]["server_name"], servers[i]["ca"] = s.ServerName, s.CA
		}
	}
	v := map[string]any{"name": rl.Name, "kind": rl.Kind, "org": rl.Org, "local": rl.Local,
		"forward_accounting": rl.ForwardAcct, "nostrip": rl.NoStrip, "servers": servers, "created": rl.Created}
	if d := rl.Discovery; d != nil {
		v["discovery"] = map[string]any{"ca": d.CA, "timeout_ms": d.TimeoutMS, "retries": d.Retries}
	}
	return v
}

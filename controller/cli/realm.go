package cli

import (
	"cmp"
	"context"
	"flag"
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
	var name, org string
	fs.StringVar(&name, "realm", "", "realm: operator.example, *.example.edu, ~REGEX or DEFAULT")
	fs.StringVar(&org, "org", "", "organisation that owns the realm")
	rf := addRealmFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	in, err := rf.input(e, "realm add", true)
	if err != nil {
		return err
	}
	in.Name, in.Org = name, org
	rl, err := e.Registry.AddRealm(in)
	if err != nil {
		return err
	}
	audit(e, "realm.create", rl.Name, rl.Org, fmt.Sprintf("servers=%d", len(rl.Servers)))
	return e.result(realmView(rl), "added realm %s (%s) of %s: %s%s\n", rl.Name, rl.Kind, rl.Org, realmWhere(rl), certNote(rl))
}

// cmdRealmUpdate replaces a realm in place: what is given is the whole
// realm, as for realm add; a UDP server without -secret keeps its own.
func cmdRealmUpdate(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "realm update")
	name := fs.String("realm", "", "the realm to edit")
	rename := fs.String("name", "", "its new match (operator.example, *.example.edu, ~REGEX or DEFAULT); default: as it is")
	rf := addRealmFlags(fs)
	rf.noClientCert = fs.Bool("no-client-cert", false, "remove the realm's client certificate (the proxy's is presented again)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(e.Stderr, "usage: wifihk realm update -data DIR -realm REALM [-name NEW] (the realm as for realm add)")
		return errUsage
	}
	in, err := rf.input(e, "realm update", false)
	if err != nil {
		return err
	}
	in.Name = cmp.Or(*rename, *name)
	rl, err := e.Registry.UpdateRealm("", *name, in)
	if err != nil {
		return err
	}
	audit(e, "realm.update", rl.Name, rl.Org, fmt.Sprintf("was=%s servers=%d", *name, len(rl.Servers)))
	return e.result(realmView(rl), "updated realm %s (%s) of %s: %s%s\n", rl.Name, rl.Kind, rl.Org, realmWhere(rl), certNote(rl))
}

// realmFlags describe a realm's home servers and flags, for realm add
// and realm update.
type realmFlags struct {
	servers, secrets, cas, names       listFlag
	acctPort, retries                  *int
	timeout                            *time.Duration
	radsec, dynamic, local, fwd, strip *bool
	clientCert, clientKey              *string
	noClientCert                       *bool
}

func addRealmFlags(fs *flag.FlagSet) *realmFlags {
	f := &realmFlags{}
	fs.Var(&f.servers, "server", "home server IP:PORT or HOST:PORT (authentication port; with -radsec IP or HOST[:PORT], port 2083 by default; a HOST is looked up when used, through radius.proxy.dns), repeated in failover order")
	fs.Var(&f.secrets, "secret", "home server shared secret: once for all, or once per -server (not with -radsec; realm update: a server left without keeps its own)")
	f.acctPort = fs.Int("acct-port", 0, "home servers' accounting port (default: authentication port + 1; none with -radsec)")
	f.timeout = fs.Duration("timeout", 3*time.Second, "wait per try for a home server's answer")
	f.retries = fs.Int("retries", 1, "resends to a home server before the next is tried (RadSec: the wait is timeout × (1+retries), nothing resent)")
	f.radsec = fs.Bool("radsec", false, "the home servers speak RadSec (RADIUS over TLS, RFC 6614)")
	fs.Var(&f.cas, "ca", "with -radsec: PEM file of the CAs that sign the servers' certificates, once for all or once per -server (default: radius.proxy.radsec.ca)")
	fs.Var(&f.names, "server-name", "with -radsec: the name the server's certificate must carry, once for all or once per -server (default: its IP address)")
	f.dynamic = fs.Bool("dynamic", false, "find the realm's RadSec servers in the DNS (RFC 7585 NAPTR, SRV, A/AAAA) for each visitor's realm, instead of -server; with -ca once (default: radius.proxy.radsec.ca), -timeout and -retries")
	f.local = fs.Bool("local", false, "the brand's own realm: authenticate its visitors here")
	f.fwd = fs.Bool("forward-accounting", false, "also forward accounting to the home servers")
	f.strip = fs.Bool("nostrip", false, "send User-Name with its realm (by default the realm is stripped, as FreeRADIUS does; EAP keeps it)")
	f.clientCert = fs.String("client-cert", "", "with -radsec or -dynamic: PEM file of the client certificate (chain) to present to this realm's RadSec servers instead of radius.proxy.radsec.cert (realm update: none keeps the realm's)")
	f.clientKey = fs.String("client-key", "", "PEM file of -client-cert's private key, stored sealed (realm update: none keeps the realm's key for a renewed certificate)")
	f.noClientCert = new(bool) // realm update's -no-client-cert
	return f
}

// input checks the flags' combinations and reads the CA files; with
// needSecret a UDP server must be given its secret.
func (f *realmFlags) input(e *Env, cmd string, needSecret bool) (hotspots.RealmInput, error) {
	in := hotspots.RealmInput{Local: *f.local, ForwardAcct: *f.fwd, NoStrip: *f.strip}
	for _, l := range []struct {
		flag string
		vals listFlag
		need bool
	}{{"-secret", f.secrets, needSecret && !*f.radsec && len(f.servers) > 0}, {"-ca", f.cas, false}, {"-server-name", f.names, false}} {
		if n := len(l.vals); n > 1 && n != len(f.servers) || n == 0 && l.need {
			fmt.Fprintf(e.Stderr, "%s: give %s once, or once per -server\n", cmd, l.flag)
			return in, errUsage
		}
	}
	if *f.dynamic && (len(f.servers)+len(f.names)+len(f.secrets) > 0 || len(f.cas) > 1 || *f.radsec) {
		fmt.Fprintf(e.Stderr, "%s: -dynamic finds the servers in the DNS: give no -server, -secret, -server-name or -radsec, and -ca at most once\n", cmd)
		return in, errUsage
	}
	if !*f.radsec && !*f.dynamic && len(f.cas)+len(f.names) > 0 {
		fmt.Fprintf(e.Stderr, "%s: -ca and -server-name go with -radsec\n", cmd)
		return in, errUsage
	}
	pems := make(listFlag, len(f.cas))
	for i, file := range f.cas {
		b, err := os.ReadFile(file)
		if err != nil {
			return in, fmt.Errorf("%s: -ca: %w", cmd, err)
		}
		pems[i] = string(b)
	}
	if err := f.readClientCert(&in, cmd); err != nil {
		return in, err
	}
	if *f.dynamic {
		in.Discovery = &hotspots.DiscoveryInput{CA: pems.nth(0, ""), Timeout: *f.timeout, Retries: *f.retries}
	}
	for i, s := range f.servers {
		hs := hotspots.HomeServerInput{Address: s, Secret: f.secrets.nth(i, ""), AcctPort: *f.acctPort, Timeout: *f.timeout, Retries: *f.retries}
		if *f.radsec {
			hs.Transport, hs.CA, hs.ServerName = hotspots.TransportRadSec, pems.nth(i, ""), f.names.nth(i, "")
		}
		in.Servers = append(in.Servers, hs)
	}
	return in, nil
}

// readClientCert reads the -client-cert and -client-key files into in;
// AddRealm and UpdateRealm check them.
func (f *realmFlags) readClientCert(in *hotspots.RealmInput, cmd string) error {
	in.DropClientCert = *f.noClientCert
	for _, c := range []struct {
		flag, file string
		to         *string
	}{{"-client-cert", *f.clientCert, &in.ClientCert}, {"-client-key", *f.clientKey, &in.ClientKey}} {
		if c.file == "" {
			continue
		}
		b, err := os.ReadFile(c.file)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", cmd, c.flag, err)
		}
		*c.to = string(b)
	}
	return nil
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

// certNote names the realm's own client certificate, if any.
func certNote(rl hotspots.Realm) string {
	sum, ok := rl.ClientCertSummary()
	if !ok {
		return ""
	}
	return fmt.Sprintf("; client certificate %s from %s, expires %s", sum.Subject, sum.Issuer, sum.NotAfter.Format(time.DateOnly))
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
	if sum, ok := rl.ClientCertSummary(); ok {
		v["client_cert"] = sum
	}
	return v
}

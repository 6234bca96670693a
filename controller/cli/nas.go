package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/wifihk/wifihk/hotspots"
)

func cmdNASAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "nas add")
	var in hotspots.NASInput
	fs.StringVar(&in.Name, "name", "", "NAS name (letters, digits, . _ -)")
	fs.StringVar(&in.IP, "ip", "", "source IP or IP/PREFIX the NAS sends from")
	fs.StringVar(&in.Secret, "secret", "", "its RADIUS shared secret")
	hotspot := fs.String("hotspot", "", "venue ORG/LOCATIONID it serves")
	fs.IntVar(&in.CoAPort, "coa-port", 3799, "its RFC 5176 CoA/Disconnect port")
	fs.StringVar(&in.RequireMA, "require-message-authenticator", "require", "require, auto or off (BlastRADIUS)")
	fs.StringVar(&in.Identifier, "nas-id", "", "NAS-Identifier / UAM nasid it sends")
	fs.StringVar(&in.UAMSecret, "uam-secret", "", "UAM secret shared with the portal (an openNDS gateway's faskey)")
	fs.StringVar(&in.PortalAuth, "portal-auth", "chap", "how the portal logs visitors on: chap or pap")
	fs.StringVar(&in.Cert.Issuer, "cert-issuer", "", "RadSec: issuer CN (or full DN) of the client certificate it presents")
	fs.StringVar(&in.Cert.Subject, "cert-subject", "", "RadSec: subject CN of its client certificate")
	fs.StringVar(&in.Cert.SAN, "cert-san", "", "RadSec: a DNS, URI, e-mail or IP subject alternative name of its client certificate")
	if err := parse(fs, args); err != nil {
		return err
	}
	in.Hotspot = hotspots.VenueKey(*hotspot)
	n, err := e.Registry.AddNAS(in)
	if err != nil {
		return err
	}
	return e.result(nasView(n), "added NAS %s for %s (CoA port %d, Message-Authenticator %s)\n",
		n.Name, n.Prefix, n.CoAPort, n.RequireMA)
}

func cmdNASList(_ context.Context, e *Env, args []string) error {
	if err := parse(flags(e, "nas list"), args); err != nil {
		return err
	}
	all, err := e.Registry.ListNAS()
	if err != nil {
		return err
	}
	if e.JSON {
		out := make([]map[string]any, len(all))
		for i, n := range all {
			out[i] = nasView(n)
		}
		return e.result(map[string]any{"nas": out}, "")
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESSES\tNAS-ID\tHOTSPOT\tCOA\tMESSAGE-AUTH\tPORTAL-AUTH\tUAM-SECRET")
	for _, n := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", n.Name, n.Prefix, dash(n.Identifier), dash(n.Hotspot.String()),
			n.CoAPort, n.RequireMA, n.PortalAuth, yesNo(n.UAMSecretSealed != ""))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "set"
	}
	return "none"
}

// nasView is a NAS as printed: never its secrets, only whether it has a
// UAM secret.
func nasView(n hotspots.NAS) map[string]any {
	return map[string]any{"id": n.ID, "name": n.Name, "ip": n.Prefix.String(), "hotspot": n.Hotspot,
		"coa_port": n.CoAPort, "require_message_authenticator": n.RequireMA, "nas_identifier": n.Identifier,
		"portal_auth": n.PortalAuth, "uam_secret_set": n.UAMSecretSealed != "", "cert": n.Cert}
}

// cmdNASUpdate changes the flags given and keeps the rest.
func cmdNASUpdate(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "nas update")
	name := fs.String("name", "", "the NAS to change")
	str := map[string]*string{
		"ip":                            fs.String("ip", "", "source IP or IP/PREFIX the NAS sends from"),
		"secret":                        fs.String("secret", "", "its RADIUS shared secret"),
		"hotspot":                       fs.String("hotspot", "", "venue ORG/LOCATIONID it serves (\"\" for none)"),
		"require-message-authenticator": fs.String("require-message-authenticator", "", "require, auto or off (BlastRADIUS)"),
		"nas-id":                        fs.String("nas-id", "", "NAS-Identifier / UAM nasid it sends (\"\" for none)"),
		"uam-secret":                    fs.String("uam-secret", "", "UAM secret shared with the portal, or openNDS faskey (\"\" for none)"),
		"portal-auth":                   fs.String("portal-auth", "", "how the portal logs visitors on: chap or pap"),
	}
	coa := fs.Int("coa-port", 3799, "its RFC 5176 CoA/Disconnect port")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(e.Stderr, "usage: wifihk nas update -data DIR -name NAME [-ip …] [-secret …] …")
		return errUsage
	}
	var ch hotspots.NASChange
	fs.Visit(func(f *flag.Flag) {
		v := str[f.Name]
		switch f.Name {
		case "ip":
			ch.IP = v
		case "secret":
			ch.Secret = v
		case "hotspot":
			h := hotspots.VenueKey(*v)
			ch.Hotspot = &h
		case "require-message-authenticator":
			ch.RequireMA = v
		case "nas-id":
			ch.Identifier = v
		case "uam-secret":
			ch.UAMSecret = v
		case "portal-auth":
			ch.PortalAuth = v
		case "coa-port":
			ch.CoAPort = coa
		}
	})
	n, err := e.Registry.UpdateNAS(*name, ch)
	if err != nil {
		return err
	}
	return e.result(nasView(n), "updated NAS %s (%s)\n", n.Name, n.Prefix)
}

func cmdNASRemove(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "nas remove")
	name := fs.String("name", "", "the NAS to remove")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(e.Stderr, "usage: wifihk nas remove -data DIR -name NAME")
		return errUsage
	}
	if err := e.Registry.DeleteNAS(*name); err != nil {
		return err
	}
	return e.result(map[string]any{"removed": *name}, "removed NAS %s: RADIUS from its addresses is dropped from now on\n", *name)
}

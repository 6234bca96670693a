package cli

import (
	"context"
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
	fs.StringVar(&in.UAMSecret, "uam-secret", "", "UAM secret shared with the portal")
	fs.StringVar(&in.PortalAuth, "portal-auth", "chap", "how the portal logs visitors on: chap or pap")
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
	fmt.Fprintln(tw, "NAME\tADDRESSES\tHOTSPOT\tCOA\tMESSAGE-AUTH")
	for _, n := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", n.Name, n.Prefix, n.Hotspot, n.CoAPort, n.RequireMA)
	}
	return tw.Flush()
}

// nasView is a NAS as printed: never its secrets.
func nasView(n hotspots.NAS) map[string]any {
	return map[string]any{"id": n.ID, "name": n.Name, "ip": n.Prefix.String(), "hotspot": n.Hotspot,
		"coa_port": n.CoAPort, "require_message_authenticator": n.RequireMA, "nas_identifier": n.Identifier}
}

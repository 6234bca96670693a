package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/staff"
)

// staffService opens the staff accounts over the env's store.
func staffService(e *Env) *staff.Service {
	return staff.New(e.DB, staff.Options{OrgExists: func(code string) bool {
		_, err := e.Registry.Org(code)
		return err == nil
	}})
}

// audit records a change made from the command line.
func audit(e *Env, action, object, org, detail string) {
	if err := e.Registry.Audit(hotspots.AuditEntry{Actor: "cli", Action: action, Object: object, Org: org, Detail: detail}); err != nil {
		fmt.Fprintf(e.Stderr, "warning: audit log: %v\n", err)
	}
}

func cmdStaffAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "staff add")
	var in staff.StaffInput
	var role string
	fs.StringVar(&in.Username, "username", "", "login name (lower-case letters, digits, . _ -)")
	fs.StringVar(&role, "role", "", "admin, operator or viewer")
	fs.StringVar(&in.Org, "org", "", "organisation code (required for an operator)")
	fs.StringVar(&in.Password, "password", "", "console password (10+ characters); none: API token only")
	if err := parse(fs, args); err != nil {
		return err
	}
	in.Role = staff.Role(role)
	st, token, err := staffService(e).AddStaff(in)
	if err != nil {
		return err
	}
	audit(e, "staff.create", st.Username, st.Org, "role="+role)
	return e.result(map[string]any{"username": st.Username, "role": st.Role, "org": st.Org,
		"has_password": st.HasPassword(), "token": token},
		"added %s %s%s\nAPI token (shown only now): %s\n", st.Role, st.Username, orgSuffix(st.Org), token)
}

func orgSuffix(org string) string {
	if org == "" {
		return ""
	}
	return " of " + org
}

func cmdAPAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "ap add")
	hotspot := fs.String("hotspot", "", "venue ORG/LOCATIONID")
	name := fs.String("name", "", "AP name")
	mac := fs.String("mac", "", "AP MAC address")
	if err := parse(fs, args); err != nil {
		return err
	}
	ap, token, err := e.Registry.AddAP(hotspots.VenueKey(*hotspot), *name, *mac)
	if err != nil {
		return err
	}
	audit(e, "ap.create", ap.ID, ap.Org(), ap.Hotspot.String())
	return e.result(map[string]any{"id": ap.ID, "hotspot": ap.Hotspot, "name": ap.Name, "mac": ap.MAC, "token": token},
		"added AP %s (%s) at %s\nagent token (shown only now): %s\n", ap.ID, ap.MAC, ap.Hotspot, token)
}

func cmdOrgAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "org add")
	var o hotspots.Org
	fs.StringVar(&o.Code, "code", "", "organisation code, as the open data's OrganisationCode")
	fs.StringVar(&o.NameEN, "name", "", "English name")
	fs.StringVar(&o.NameTC, "name-tc", "", "Traditional Chinese name")
	fs.StringVar(&o.NameSC, "name-sc", "", "Simplified Chinese name")
	fs.StringVar(&o.SupportHotline, "hotline", "", "support hotline")
	fs.StringVar(&o.SupportEmail, "email", "", "support e-mail")
	if err := parse(fs, args); err != nil {
		return err
	}
	o, err := e.Registry.AddOrg(o)
	if err != nil {
		return err
	}
	audit(e, "org.create", o.Code, o.Code, "")
	return e.result(o, "added organisation %s\n", o.Code)
}

func cmdVenueAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "venue add")
	var v hotspots.Venue
	key := fs.String("hotspot", "", "venue ORG/LOCATIONID")
	fs.StringVar(&v.NameEN, "name", "", "English name")
	fs.StringVar(&v.NameTC, "name-tc", "", "Traditional Chinese name")
	fs.StringVar(&v.TypeEN, "type", "", "venue type (English), e.g. \"Public Libraries\"")
	fs.StringVar(&v.AddressEN, "address", "", "English address")
	fs.StringVar(&v.District, "district", "", "one of the 18 districts (default: from the coordinates)")
	fs.Float64Var(&v.Latitude, "lat", 0, "latitude")
	fs.Float64Var(&v.Longitude, "lon", 0, "longitude")
	fs.StringVar(&v.SSID, "ssid", "WiFi@HK", "SSID")
	fs.IntVar(&v.Hotspots, "hotspots", 1, "number of hotspots")
	fs.StringVar(&v.Plan, "plan", "", "access plan name (default: the configured default plan)")
	if err := parse(fs, args); err != nil {
		return err
	}
	k, err := hotspots.ParseVenueKey(*key)
	if err != nil {
		return fmt.Errorf("hotspot: %w", err)
	}
	v.Org, v.LocationID = k.Org(), k.LocationID()
	v, err = e.Registry.AddVenue(v)
	if err != nil {
		return err
	}
	audit(e, "venue.create", v.Key().String(), v.Org, "")
	return e.result(v, "added venue %s (%s, %s)\n", v.Key(), v.District, v.Area)
}

func cmdPlanAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "plan add")
	var p hotspots.Plan
	var kind string
	fs.StringVar(&p.Name, "name", "", "plan name")
	fs.StringVar(&kind, "kind", "", "free_timed, free, accounts, members or voucher")
	fs.StringVar(&p.Org, "org", "", "owning organisation (default: network-wide)")
	fs.IntVar(&p.SessionTimeout, "session-timeout", 0, "seconds per session (0 = none)")
	fs.IntVar(&p.SessionsPerDay, "sessions-per-day", 0, "sessions a day per device (free_timed)")
	fs.IntVar(&p.IdleTimeout, "idle-timeout", 600, "idle seconds before the NAS ends a session")
	fs.IntVar(&p.InterimInterval, "interim", 300, "accounting interim interval, seconds")
	fs.IntVar(&p.BandwidthUpKbps, "up-kbps", 0, "upload cap, kbit/s (0 = none)")
	fs.IntVar(&p.BandwidthDownKbps, "down-kbps", 0, "download cap, kbit/s (0 = none)")
	fs.Int64Var(&p.DataCapMB, "data-cap-mb", 0, "data cap per session, MB (0 = none)")
	fs.IntVar(&p.SimultaneousUse, "simultaneous-use", 0, "open sessions per account (0 = no limit)")
	if err := parse(fs, args); err != nil {
		return err
	}
	p.Kind = hotspots.PlanKind(kind)
	p, err := e.Registry.AddPlan(p)
	if err != nil {
		return err
	}
	audit(e, "plan.create", p.Name, p.Org, kind)
	return e.result(p, "added plan %s (%s)\n", p.Name, p.Kind)
}

func cmdHotspotImport(ctx context.Context, e *Env, args []string) error {
	fs := flags(e, "hotspot import")
	format := fs.String("format", "", "csv or json (default: from the content)")
	strict := fs.Bool("strict", false, "fail (exit 1) when any row is rejected; the accepted rows are still imported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.Stderr, "usage: wifihk hotspot import -data DIR FILE")
		return errUsage
	}
	data, err := readImportFile(fs.Arg(0))
	if err != nil {
		return err
	}
	opt := hotspots.ImportOptions{Format: *format}
	if isTerminal(e.Stderr) {
		opt.Progress = func(done, total int) {
			fmt.Fprintf(e.Stderr, "\rimporting %d/%d", done, total)
			if done == total {
				fmt.Fprintln(e.Stderr)
			}
		}
	}
	res, err := e.Registry.Import(ctx, data, opt)
	if err != nil {
		return err
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(e.Stderr, "%s:%d: rejected %s: %s\n", fs.Arg(0), r.Line, r.Key, r.Reason)
	}
	audit(e, "hotspot.import", fs.Arg(0), "", fmt.Sprintf("created=%d updated=%d unchanged=%d rejected=%d",
		res.Created, res.Updated, res.Unchanged, len(res.Rejected)))
	if err := e.result(res, "imported %d of %d rows (%d new, %d updated, %d unchanged, %d new organisations), rejected %d\n",
		res.Imported, res.Rows, res.Created, res.Updated, res.Unchanged, res.OrgsCreated, len(res.Rejected)); err != nil {
		return err
	}
	if *strict && len(res.Rejected) > 0 {
		return fmt.Errorf("-strict: %d of %d rows rejected", len(res.Rejected), res.Rows)
	}
	return nil
}

// maxImportFile bounds what import reads into memory.
const maxImportFile = 256 << 20

func readImportFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxImportFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxImportFile>>20)
	}
	return data, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func cmdHotspotExport(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "hotspot export")
	format := fs.String("format", "csv", "csv, json or geojson")
	out := fs.String("o", "", "write to FILE instead of standard output")
	district := fs.String("district", "", "only this district")
	venueType := fs.String("venue-type", "", "only this venue type")
	if err := parse(fs, args); err != nil {
		return err
	}
	if e.JSON && *out == "" {
		fmt.Fprintln(e.Stderr, "wifihk hotspot export: -json prints a summary, so it needs -o FILE for the data")
		return errUsage
	}
	f := hotspots.VenueFilter{District: *district, Type: *venueType}
	if *out == "" {
		return e.Registry.Export(e.Stdout, *format, f)
	}
	n, err := exportFile(e, *out, *format, f)
	if err != nil {
		return err
	}
	return e.result(map[string]any{"file": *out, "format": *format, "bytes": n},
		"wrote %s (%d bytes)\n", *out, n)
}

func exportFile(e *Env, path, format string, f hotspots.VenueFilter) (int64, error) {
	tmp, err := os.CreateTemp(dirOf(path), ".wifihk-export-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	cw := &countingWriter{w: tmp}
	err = e.Registry.Export(cw, format, f)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return cw.n, err
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i+1]
	}
	return "."
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wifihk/wifihk/hotspots"
)

// realmForm is the add form as typed: a realm answered here (local),
// found in the DNS (dynamic), or with a list of home servers, one a line.
type realmForm struct {
	Name, Org, Mode, Transport, Servers, Secret, ServerName, CA, Timeout, Retries string
	NoStrip, ForwardAcct                                                          bool
	// ClientCert and ClientKey are the uploaded PEM files, never sent
	// back; DropClientCert removes the realm's.
	ClientCert, ClientKey string
	DropClientCert        bool
}

func newRealmForm() realmForm {
	return realmForm{Mode: "servers", Transport: hotspots.TransportUDP, Timeout: "3", Retries: "1"}
}

// parseRealmForm reads the add form into what AddRealm takes; AddRealm
// checks the rest.
func parseRealmForm(f realmForm) (hotspots.RealmInput, error) {
	in := hotspots.RealmInput{Name: f.Name, Org: f.Org, NoStrip: f.NoStrip, ForwardAcct: f.ForwardAcct,
		ClientCert: f.ClientCert, ClientKey: f.ClientKey, DropClientCert: f.DropClientCert}
	secs, err := strconv.ParseFloat(f.Timeout, 64)
	if err != nil || secs < 0.01 || secs > 60 {
		return in, &formError{"timeout", "realm_bad_timeout"}
	}
	retries, err := strconv.Atoi(f.Retries)
	if err != nil || retries < 0 || retries > 10 {
		return in, &formError{"retries", "realm_bad_retries"}
	}
	timeout := time.Duration(secs * float64(time.Second))
	switch f.Mode {
	case "local":
		in.Local = true
	case "dynamic":
		in.Discovery = &hotspots.DiscoveryInput{CA: f.CA, Timeout: timeout, Retries: retries}
	case "servers":
		lines := strings.Fields(f.Servers)
		if len(lines) == 0 || len(f.Servers) > 2000 || strings.IndexFunc(f.Servers, isControlNotSpace) >= 0 {
			return in, &formError{"servers", "realm_need_servers"}
		}
		for _, a := range lines {
			in.Servers = append(in.Servers, hotspots.HomeServerInput{Address: a, Transport: f.Transport, Secret: f.Secret,
				ServerName: f.ServerName, CA: f.CA, Timeout: timeout, Retries: retries})
		}
	default:
		return in, &formError{"mode", "realm_bad_mode"}
	}
	return in, nil
}

func isControlNotSpace(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }

// realmField maps AddRealm's error prefix ("servers[1].ca",
// "discovery.timeout", "name") to the form field it concerns.
func realmField(prefix string) string {
	if _, rest, ok := strings.Cut(prefix, "]."); ok {
		prefix = rest
	}
	prefix = strings.TrimPrefix(prefix, "discovery.")
	switch prefix {
	case "address", "servers":
		return "servers"
	case "acct_port":
		return "transport"
	}
	return prefix
}

// readRealmForm reads the add or edit form as typed, with the client
// certificate and key files when uploaded.
func readRealmForm(r *http.Request) realmForm {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	file := func(k string) string { b, _ := formFile(r, k); return string(b) }
	return realmForm{Name: g("name"), Org: g("org"), Mode: g("mode"), Transport: g("transport"), Servers: r.PostFormValue("servers"),
		Secret: r.PostFormValue("secret"), ServerName: g("server_name"), CA: g("ca"), Timeout: g("timeout"), Retries: g("retries"),
		NoStrip: r.PostFormValue("nostrip") != "", ForwardAcct: r.PostFormValue("forward_accounting") != "",
		ClientCert: file("client_cert"), ClientKey: file("client_key"), DropClientCert: r.PostFormValue("remove_client_cert") != ""}
}

// forgetUploads clears what the form never sends back: the secret and
// the uploaded certificate and key.
func (f *realmForm) forgetUploads() { f.Secret, f.ClientCert, f.ClientKey = "", "", "" }

func (c *Console) realmCreate(w http.ResponseWriter, r *http.Request, v *view) string {
	f := readRealmForm(r)
	if !mayManage(v) {
		return c.fail(v, errForbidden)
	}
	if !v.User.IsAdmin() {
		f.Org = v.User.Org
	}
	d := &realmsData{Form: f}
	refuse := func(field, msg string) string {
		v.Status, v.Error, d.BadField = http.StatusUnprocessableEntity, msg, field
		d.Form.forgetUploads()
		return c.renderRealms(v, d)
	}
	if !v.User.CanWrite(f.Org) {
		return refuse("org", v.T("realm_not_yours"))
	}
	in, err := parseRealmForm(f)
	if fe := (*formError)(nil); errors.As(err, &fe) {
		return refuse(fe.Field, v.T(fe.Key))
	}
	rl, err := c.reg.AddRealm(in)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "hotspots: ")
		field, _, _ := strings.Cut(msg, ":")
		return refuse(realmField(field), msg)
	}
	c.audit(*v.User, "realm.create", rl.Name, rl.Org, "servers="+strconv.Itoa(len(rl.Servers)))
	v.Notice = v.T("realm_made", rl.Name)
	return c.renderRealms(v, &realmsData{Form: newRealmForm()})
}

func (c *Console) realmDelete(w http.ResponseWriter, r *http.Request, v *view) string {
	name := r.PostFormValue("realm")
	all, err := c.reg.ListRealms(v.User.Scope())
	if err != nil {
		return c.fail(v, err)
	}
	var rl *hotspots.Realm
	for i := range all {
		if all[i].Name == name && v.Sees(all[i].Org) {
			rl = &all[i]
		}
	}
	if rl == nil {
		return c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(rl.Org) {
		return c.fail(v, errForbidden)
	}
	v.Section = "realms"
	if !confirmed(r, v, confirmation{Action: c.cfg.Base + "/realms/delete", Fields: map[string]string{"realm": rl.Name},
		Question: v.T("realm_delete_q", rl.Name), Detail: v.T("realm_delete_detail"),
		Button: v.T("realm_delete_label", rl.Name), Cancel: c.cfg.Base + "/realms"}) {
		return "confirm"
	}
	if err := c.reg.RemoveRealm(rl.Org, rl.Name); err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "realm.delete", rl.Name, rl.Org, "")
	http.Redirect(w, r, c.cfg.Base+"/realms", http.StatusSeeOther)
	return ""
}

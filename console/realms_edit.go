package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
)

// realmFormOf is the form that would make rl again; mixed when its
// servers differ in what the form gives once for all (transport, CA,
// server name, timeout, retries, a UDP accounting port of its own).
func realmFormOf(rl hotspots.Realm) (f realmForm, mixed bool) {
	f = newRealmForm()
	f.Name, f.Org, f.NoStrip, f.ForwardAcct = rl.Name, rl.Org, rl.NoStrip, rl.ForwardAcct
	switch {
	case rl.Local:
		f.Mode = "local"
	case rl.Discovery != nil:
		d := rl.Discovery
		f.Mode, f.CA, f.Timeout, f.Retries = "dynamic", d.CA, seconds(d.TimeoutMS), strconv.Itoa(d.Retries)
	case len(rl.Servers) > 0:
		first, where := rl.Servers[0], make([]string, len(rl.Servers))
		f.Transport, f.CA, f.ServerName = first.Transport, first.CA, first.ServerName
		f.Timeout, f.Retries = seconds(first.TimeoutMS), strconv.Itoa(first.Retries)
		for i, s := range rl.Servers {
			where[i] = s.Where()
			mixed = mixed || s.Transport != first.Transport || s.CA != first.CA || s.ServerName != first.ServerName ||
				s.TimeoutMS != first.TimeoutMS || s.Retries != first.Retries || ownAcctPort(s)
		}
		f.Servers = strings.Join(where, "\n")
	}
	return f, mixed
}

func seconds(ms int) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }

// ownAcctPort reports a UDP server whose accounting port is not the
// authentication port + 1, which the form cannot give.
func ownAcctPort(s hotspots.HomeServer) bool {
	port := s.Address.Port()
	if s.Host != "" {
		port = s.Port
	}
	return s.Transport == hotspots.TransportUDP && s.AcctPort != port+1
}

// editableRealm finds the realm named in the request that v's user may
// change; otherwise it renders why not.
func (c *Console) editableRealm(v *view, name string) (hotspots.Realm, string, bool) {
	all, err := c.reg.ListRealms(v.User.Scope())
	if err != nil {
		return hotspots.Realm{}, c.fail(v, err), false
	}
	for _, rl := range all {
		if rl.Name != name || !v.Sees(rl.Org) {
			continue
		}
		if !v.User.CanWrite(rl.Org) {
			return rl, c.fail(v, errForbidden), false
		}
		return rl, "", true
	}
	return hotspots.Realm{}, c.fail(v, errNotFound), false
}

// realmEdit shows the realms page with the form filled from the realm,
// to edit it in place.
func (c *Console) realmEdit(w http.ResponseWriter, r *http.Request, v *view) string {
	rl, page, ok := c.editableRealm(v, r.URL.Query().Get("realm"))
	if !ok {
		return page
	}
	f, mixed := realmFormOf(rl)
	return c.renderRealms(v, &realmsData{Form: f, Editing: rl.Name, Mixed: mixed, EditingCert: certText(v, rl)})
}

// realmUpdate replaces the realm with what the edit form holds; its
// organisation stays, and an empty secret keeps each server's own.
func (c *Console) realmUpdate(w http.ResponseWriter, r *http.Request, v *view) string {
	rl, page, ok := c.editableRealm(v, r.PostFormValue("realm"))
	if !ok {
		return page
	}
	f := readRealmForm(r)
	f.Org = rl.Org
	d := &realmsData{Form: f, Editing: rl.Name, EditingCert: certText(v, rl)}
	refuse := func(field, msg string) string {
		v.Status, v.Error, d.BadField = http.StatusUnprocessableEntity, msg, field
		d.Form.forgetUploads()
		return c.renderRealms(v, d)
	}
	in, err := parseRealmForm(f)
	if fe := (*formError)(nil); errors.As(err, &fe) {
		return refuse(fe.Field, v.T(fe.Key))
	}
	updated, err := c.reg.UpdateRealm(rl.Org, rl.Name, in)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "hotspots: ")
		field, _, _ := strings.Cut(msg, ":")
		return refuse(realmField(field), msg)
	}
	c.audit(*v.User, "realm.update", updated.Name, updated.Org, "was="+rl.Name+" servers="+strconv.Itoa(len(updated.Servers)))
	v.Notice = v.T("realm_updated", updated.Name)
	return c.renderRealms(v, &realmsData{Form: newRealmForm()})
}

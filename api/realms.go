package api

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/staff"
)

// ProxyHealth reports the home servers' health; *radius.Proxy
// implements it.
type ProxyHealth interface {
	Health() []radius.ServerHealth
}

// realmView is a realm as the API shows it: never the home servers'
// secrets, and each server's health when the proxy has used it.
type realmView struct {
	Name        string         `json:"name"`
	Kind        string         `json:"kind"`
	Org         string         `json:"org"`
	Local       bool           `json:"local"`
	ForwardAcct bool           `json:"forward_accounting"`
	NoStrip     bool           `json:"nostrip"`
	Servers     []serverView   `json:"servers"`
	Discovery   *discoveryView `json:"discovery,omitempty"`
	// ClientCert describes the realm's own RadSec client certificate;
	// its key is never shown.
	ClientCert *hotspots.CertSummary `json:"client_cert,omitempty"`
	Created    time.Time             `json:"created"`
}

// discoveryView is a dynamic realm's use of the servers the DNS names.
type discoveryView struct {
	hotspots.Discovery
	// Servers are those the DNS named for the realm's visitors and the
	// proxy uses now, with their health.
	Servers []radius.ServerHealth `json:"servers"`
}

type serverView struct {
	Address    string               `json:"address"`
	AcctPort   uint16               `json:"acct_port"`
	Transport  string               `json:"transport"`
	TimeoutMS  int                  `json:"timeout_ms"`
	Retries    int                  `json:"retries"`
	CA         string               `json:"ca,omitempty"`          // RadSec: PEM
	ServerName string               `json:"server_name,omitempty"` // RadSec
	Health     *radius.ServerHealth `json:"health,omitempty"`
	// Resolved is the health of each address a server given by name
	// stands for now; Health is the first's (a live one).
	Resolved []radius.ServerHealth `json:"resolved,omitempty"`
}

func (a *API) viewRealm(rl hotspots.Realm, health []radius.ServerHealth) realmView {
	v := realmView{Name: rl.Name, Kind: rl.Kind, Org: rl.Org, Local: rl.Local, ForwardAcct: rl.ForwardAcct, NoStrip: rl.NoStrip,
		Servers: []serverView{}, Created: rl.Created}
	if d := rl.Discovery; d != nil {
		v.Discovery = &discoveryView{Discovery: *d, Servers: discovered(rl.Name, health)}
	}
	if sum, ok := rl.ClientCertSummary(); ok {
		v.ClientCert = &sum
	}
	for _, s := range rl.Servers {
		sv := serverView{Address: s.Where(), AcctPort: s.AcctPort, Transport: s.Transport, TimeoutMS: s.TimeoutMS, Retries: s.Retries,
			CA: s.CA, ServerName: s.ServerName}
		if hs := radius.HealthFor(health, rl.Name, s); len(hs) > 0 {
			sv.Health = &hs[0]
			if s.Host != "" {
				sv.Resolved = hs
			}
		}
		v.Servers = append(v.Servers, sv)
	}
	return v
}

// discovered are the servers in health that realm uses, by name.
func discovered(realm string, health []radius.ServerHealth) []radius.ServerHealth {
	out := []radius.ServerHealth{}
	for _, h := range health {
		if slices.Contains(h.Realms, realm) {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b radius.ServerHealth) int { return strings.Compare(a.Server, b.Server) })
	return out
}

func (a *API) health() []radius.ServerHealth {
	if a.cfg.Proxy == nil {
		return nil
	}
	return a.cfg.Proxy.Health()
}

type realmBody struct {
	Name        string `json:"name"`
	Org         string `json:"org"`
	Local       bool   `json:"local"`
	ForwardAcct bool   `json:"forward_accounting"`
	NoStrip     bool   `json:"nostrip"`
	Servers     []struct {
		Address    string `json:"address"`
		AcctPort   int    `json:"acct_port"`
		Transport  string `json:"transport"`
		Secret     string `json:"secret"`
		TimeoutMS  int    `json:"timeout_ms"`
		Retries    *int   `json:"retries"`
		CA         string `json:"ca"`
		ServerName string `json:"server_name"`
	} `json:"servers"`
	Discovery *struct {
		CA        string `json:"ca"`
		TimeoutMS int    `json:"timeout_ms"`
		Retries   *int   `json:"retries"`
	} `json:"discovery"`
	// ClientCert and ClientKey are PEM; on PUT, left out, the realm keeps
	// its own (the certificate alone keeps its key).
	ClientCert       string `json:"client_cert"`
	ClientKey        string `json:"client_key"`
	RemoveClientCert bool   `json:"remove_client_cert"`
}

func (a *API) listRealms(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	all, err := a.reg.ListRealms(p.Scope())
	if err != nil {
		a.fail(w, err)
		return
	}
	health := a.health()
	out := []realmView{}
	for _, rl := range all {
		out = append(out, a.viewRealm(rl, health))
	}
	web.WriteJSON(w, http.StatusOK, pageOf(out, page, per))
}

// findRealm returns the realm named in the path, or answers 404 when
// there is none that p may read.
func (a *API) findRealm(w http.ResponseWriter, r *http.Request, p staff.Principal) (hotspots.Realm, bool) {
	name := mux.Vars(r)["name"]
	if _, n, err := hotspots.ParseRealmName(name); err == nil {
		name = n
	}
	all, err := a.reg.ListRealms(p.Scope())
	if err != nil {
		a.fail(w, err)
		return hotspots.Realm{}, false
	}
	for _, rl := range all {
		if rl.Name == name && p.CanRead(rl.Org) {
			return rl, true
		}
	}
	notFound(w, "realm", name)
	return hotspots.Realm{}, false
}

func (a *API) getRealm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if rl, ok := a.findRealm(w, r, p); ok {
		web.WriteJSON(w, http.StatusOK, a.viewRealm(rl, a.health()))
	}
}

// input is the realm the body describes, with the API's defaults.
func (in realmBody) input() hotspots.RealmInput {
	ri := hotspots.RealmInput{Name: in.Name, Org: in.Org, Local: in.Local, ForwardAcct: in.ForwardAcct, NoStrip: in.NoStrip,
		ClientCert: in.ClientCert, ClientKey: in.ClientKey, DropClientCert: in.RemoveClientCert}
	for _, s := range in.Servers {
		retries := 1
		if s.Retries != nil {
			retries = *s.Retries
		}
		ri.Servers = append(ri.Servers, hotspots.HomeServerInput{Address: s.Address, AcctPort: s.AcctPort, Transport: s.Transport,
			Secret: s.Secret, Timeout: time.Duration(s.TimeoutMS) * time.Millisecond, Retries: retries, CA: s.CA, ServerName: s.ServerName})
	}
	if d := in.Discovery; d != nil {
		ri.Discovery = &hotspots.DiscoveryInput{CA: d.CA, Timeout: time.Duration(d.TimeoutMS) * time.Millisecond, Retries: 1}
		if d.Retries != nil {
			ri.Discovery.Retries = *d.Retries
		}
	}
	return ri
}

func (a *API) createRealm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in realmBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	if in.Org == "" {
		in.Org = p.Scope()
	}
	if denyWrite(w, p, in.Org, "organisation", in.Org) {
		return
	}
	ri := in.input()
	rl, err := a.reg.AddRealm(ri)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "realm.create", rl.Name, rl.Org, "")
	web.WriteJSON(w, http.StatusCreated, a.viewRealm(rl, nil))
}

// updateRealm replaces a realm in place (PUT, the whole realm as POST
// takes it); its organisation stays, and an operator edits only its own.
func (a *API) updateRealm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	old, ok := a.findRealm(w, r, p)
	if !ok || denyWrite(w, p, old.Org, "realm", old.Name) {
		return
	}
	var in realmBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	rl, err := a.reg.UpdateRealm(old.Org, old.Name, in.input())
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "realm.update", rl.Name, rl.Org, realmChange(old, rl))
	web.WriteJSON(w, http.StatusOK, a.viewRealm(rl, a.health()))
}

// realmChange says what an edit changed, for the audit log (never a
// secret).
func realmChange(old, rl hotspots.Realm) string {
	var parts []string
	if old.Name != rl.Name {
		parts = append(parts, "name="+old.Name+"→"+rl.Name)
	}
	if old.ClientCert != rl.ClientCert {
		sum, _ := rl.ClientCertSummary()
		parts = append(parts, "client_cert="+cmp.Or(sum.Subject, "removed"))
	}
	return strings.Join(append(parts, fmt.Sprintf("servers=%d", len(rl.Servers))), " ")
}

func (a *API) deleteRealm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	rl, ok := a.findRealm(w, r, p)
	if !ok || denyWrite(w, p, rl.Org, "realm", rl.Name) {
		return
	}
	if err := a.reg.RemoveRealm(rl.Org, rl.Name); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "realm.delete", rl.Name, rl.Org, "")
	w.WriteHeader(http.StatusNoContent)
}

package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

type hotspotsAudit = hotspots.AuditEntry

func (a *API) coverage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	org := r.URL.Query().Get("org")
	if scope := p.Scope(); scope != "" {
		if org != "" && org != scope {
			forbidden(w, "you may see organisation %q only", scope)
			return
		}
		org = scope
	}
	cov, err := a.reg.Coverage(r.Context(), org, a.cfg.CoverageTarget, a.cfg.Sources())
	if err != nil {
		a.fail(w, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, cov)
}

type districtView struct {
	NameEN string  `json:"name_en"`
	NameTC string  `json:"name_tc"`
	Area   string  `json:"area"`
	Lat    float64 `json:"latitude"`
	Lon    float64 `json:"longitude"`
}

func (a *API) districts(w http.ResponseWriter, r *http.Request) {
	var out []districtView
	for _, d := range hotspots.Districts() {
		out = append(out, districtView{d.EN, d.TC, d.Area, d.Lat, d.Lon})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// publicVenue is what anyone may see of a venue.
type publicVenue struct {
	ID        string  `json:"id"` // ORG/LOCATIONID
	NameEN    string  `json:"name_en"`
	NameTC    string  `json:"name_tc,omitempty"`
	NameSC    string  `json:"name_sc,omitempty"`
	TypeEN    string  `json:"venue_type_en"`
	AddressEN string  `json:"address_en"`
	AddressTC string  `json:"address_tc,omitempty"`
	District  string  `json:"district"`
	Area      string  `json:"area"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	SSID      string  `json:"ssid"`
	Hotspots  int     `json:"number_of_hotspots"`
	Metres    float64 `json:"distance_m"`
}

// nearest answers GET /api/v1/hotspots/nearest?lat=&lon=&n=&district=&venue_type=.
func (a *API) nearest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var coords [2]float64
	for i, name := range []string{"lat", "lon"} {
		f, err := strconv.ParseFloat(q.Get(name), 64)
		if err != nil {
			web.Invalid(w, name, "%q is not a number", q.Get(name))
			return
		}
		coords[i] = f
	}
	n := 5
	if s := q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			web.Invalid(w, "n", "%q is not a whole number", s)
			return
		}
		n = v
	}
	f := hotspots.VenueFilter{District: q.Get("district"), Type: q.Get("venue_type")}
	near, err := a.reg.Nearest(coords[0], coords[1], n, f)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := make([]publicVenue, len(near))
	for i, v := range near {
		out[i] = publicVenue{ID: v.Key().String(), NameEN: v.NameEN, NameTC: v.NameTC, NameSC: v.NameSC, TypeEN: v.TypeEN,
			AddressEN: v.AddressEN, AddressTC: v.AddressTC, District: v.District, Area: v.Area,
			Latitude: v.Latitude, Longitude: v.Longitude, SSID: v.SSID, Hotspots: v.Hotspots, Metres: v.Metres}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// opendataCache keeps the unfiltered open-data files, rebuilt when the
// registry's data version moves.
type opendataCache struct {
	mu    sync.Mutex
	files map[string]opendataFile
}

type opendataFile struct {
	version uint64
	body    []byte
	etag    string
}

var opendataTypes = map[string]string{
	"csv":     "text/csv; charset=utf-8",
	"json":    "application/json; charset=utf-8",
	"geojson": "application/geo+json",
}

// openData serves /opendata/hotspots.{csv,json,geojson}, optionally
// filtered by district and venue_type, with an ETag.
func (a *API) openData(w http.ResponseWriter, r *http.Request) {
	format := mux.Vars(r)["format"]
	q := r.URL.Query()
	f := hotspots.VenueFilter{District: q.Get("district"), Type: q.Get("venue_type")}
	file, err := a.openDataFile(format, f)
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("ETag", file.etag)
	w.Header().Set("Content-Type", opendataTypes[format])
	w.Header().Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && (match == file.etag || match == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	http.ServeContent(w, r, "", zeroTime, bytes.NewReader(file.body))
}

func (a *API) openDataFile(format string, f hotspots.VenueFilter) (opendataFile, error) {
	version := a.reg.DataVersion()
	c := &a.opendata
	if f == (hotspots.VenueFilter{}) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if file, ok := c.files[format]; ok && file.version == version {
			return file, nil
		}
	}
	var buf bytes.Buffer
	if err := a.reg.Export(&buf, format, f); err != nil {
		return opendataFile{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	file := opendataFile{version: version, body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if f == (hotspots.VenueFilter{}) {
		if c.files == nil {
			c.files = map[string]opendataFile{}
		}
		c.files[format] = file
	}
	return file, nil
}

var zeroTime time.Time

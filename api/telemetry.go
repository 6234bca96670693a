package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
)

// APs finds APs: by agent token for ingest, by ID for the status routes.
// *hotspots.Registry satisfies it.
type APs interface {
	APByToken(token string) (hotspots.AP, error)
	APByID(id string) (hotspots.AP, error)
}

// TelemetryConfig is what the agent and AP status routes need.
type TelemetryConfig struct {
	Service *telemetry.Service // required
	APs     APs                // required
	Staff   Principals         // required
	// Log receives reports that could not be stored (quiet by default).
	Log *slog.Logger
}

// Telemetry serves the agents' reports and the AP status, series and
// alerts routes over the telemetry service.
type Telemetry struct {
	svc   *telemetry.Service
	aps   APs
	staff Principals
	log   *slog.Logger
}

// NewTelemetry checks cfg and returns the routes' handler. New makes one
// from Config.Telemetry; tools that serve ingest alone (the fleet load
// test) make their own.
func NewTelemetry(cfg TelemetryConfig) (*Telemetry, error) {
	if cfg.Service == nil || cfg.APs == nil || cfg.Staff == nil {
		return nil, errors.New("api: telemetry: Service, APs and Staff are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Telemetry{svc: cfg.Service, aps: cfg.APs, staff: cfg.Staff, log: cfg.Log}, nil
}

// Routes lists the routes:
//
//	POST /api/v1/agent/reports           agent token
//	GET  /api/v1/aps/{id}/status         staff who can read the AP's org
//	GET  /api/v1/aps/{id}/series         ?from=&to= (RFC 3339; default last 24h)
//	GET  /api/v1/alerts                  ?since=&ap=&limit=
//	GET  /api/v1/telemetry/series        ?venue=ORG/LOCATIONID&from=&to=
func (t *Telemetry) Routes() []Route {
	s := func(method, path string, h staffHandler) Route {
		return Route{Method: method, Path: path, handler: requireStaff(t.staff, h)}
	}
	return []Route{
		{Method: "POST", Path: wire.Path, handler: http.HandlerFunc(t.report)},
		s("GET", "/api/v1/aps/{id}/status", t.apStatus),
		s("GET", "/api/v1/aps/{id}/series", t.apSeries),
		s("GET", "/api/v1/alerts", t.alerts),
		s("GET", "/api/v1/telemetry/series", t.venueSeries),
	}
}

// Mount adds the routes to r.
func (t *Telemetry) Mount(r *mux.Router) { mount(r, t.Routes()) }

// report takes one agent report. The agent resends on 404, 408, 429 and
// 5xx and drops the report on any other refusal, so only a report that
// can never be stored may answer 4xx.
func (t *Telemetry) report(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	result := telemetry.ReportError
	defer func() { t.svc.CountReport(result, time.Since(start)) }()
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		result = telemetry.ReportUnauthorized
		web.Error(w, http.StatusUnauthorized, "agent token required (Authorization: Bearer)")
		return
	}
	ap, err := t.aps.APByToken(strings.TrimSpace(token))
	if errors.Is(err, hotspots.ErrBadToken) {
		result = telemetry.ReportUnauthorized
		web.Error(w, http.StatusUnauthorized, "unknown agent token")
		return
	}
	if err != nil {
		web.Error(w, http.StatusServiceUnavailable, "token lookup failed")
		return
	}
	if r.ContentLength > wire.MaxBodyBytes {
		result = telemetry.ReportTooLarge
		web.Error(w, http.StatusRequestEntityTooLarge, "%v", telemetry.ErrTooLarge)
		return
	}
	rep, err := t.svc.DecodeReport(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes+1), r.Header.Get("Content-Encoding"))
	var mbe *http.MaxBytesError
	var fe *input.FieldError
	switch {
	case errors.Is(err, telemetry.ErrTooLarge) || errors.As(err, &mbe):
		result = telemetry.ReportTooLarge
		web.Error(w, http.StatusRequestEntityTooLarge, "%v", err)
		return
	case errors.Is(err, telemetry.ErrImplausible) && errors.As(err, &fe):
		result = telemetry.ReportMalformed
		web.Invalid(w, fe.Field, "%s", fe.Problem)
		return
	case err != nil:
		result = telemetry.ReportMalformed
		web.Error(w, http.StatusBadRequest, "%v", err)
		return
	}
	res, err := t.svc.Ingest(r.Context(), ap, rep)
	if err != nil {
		t.log.Error("report not stored", "ap", ap.ID, "seq", rep.Seq, "err", err)
		web.Error(w, http.StatusServiceUnavailable, "report not stored; retry")
		return
	}
	result = telemetry.ReportStored
	if res.Duplicate {
		result = telemetry.ReportDuplicate
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"ap": ap.ID, "seq": rep.Seq, "duplicate": res.Duplicate})
}

// readableAP finds the AP of the path and checks p may see it.
func (t *Telemetry) readableAP(w http.ResponseWriter, r *http.Request, p staff.Principal) (hotspots.AP, bool) {
	id := mux.Vars(r)["id"]
	ap, err := t.aps.APByID(id)
	if err != nil || !p.CanRead(ap.Org()) {
		notFound(w, "AP", id) // not "forbidden": do not reveal it exists
		return hotspots.AP{}, false
	}
	return ap, true
}

func (t *Telemetry) apStatus(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	ap, ok := t.readableAP(w, r, p)
	if !ok {
		return
	}
	st, err := t.svc.APStatus(ap.ID)
	if err != nil {
		t.unavailable(w, "status", err)
		return
	}
	st.Venue = ap.Hotspot.String()
	state := "never"
	if !st.LastReport.IsZero() {
		state = map[bool]string{true: "online", false: "offline"}[st.Online]
	}
	web.WriteJSON(w, http.StatusOK, struct {
		telemetry.Status
		Name  string `json:"name"`
		State string `json:"state"`
	}{st, ap.Name, state})
}

func (t *Telemetry) apSeries(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	ap, ok := t.readableAP(w, r, p)
	if !ok {
		return
	}
	from, to, ok := timeRange(w, r)
	if !ok {
		return
	}
	b, err := t.svc.APSeries(ap.ID, from, to)
	if err != nil {
		t.unavailable(w, "series", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"ap": ap.ID, "bucket_s": int(telemetry.BucketWidth / time.Second), "buckets": b})
}

func (t *Telemetry) venueSeries(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	raw := r.URL.Query().Get("venue")
	venue, err := hotspots.ParseVenueKey(raw)
	if err != nil {
		web.Invalid(w, "venue", "%q is not ORG/LOCATIONID", raw)
		return
	}
	if denyRead(w, p, venue.Org(), "venue", raw) {
		return
	}
	from, to, ok := timeRange(w, r)
	if !ok {
		return
	}
	b, err := t.svc.VenueSeries(venue.String(), from, to)
	if err != nil {
		t.unavailable(w, "series", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"hotspot": venue, "bucket_s": int(telemetry.BucketWidth / time.Second), "buckets": b})
}

func (t *Telemetry) alerts(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	q := r.URL.Query()
	f := telemetry.AlertFilter{AP: q.Get("ap"), Org: p.Scope()}
	if v := q.Get("since"); v != "" {
		var err error
		if f.Since, err = time.Parse(time.RFC3339, v); err != nil {
			web.Invalid(w, "since", "%q is not an RFC 3339 time", v)
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			web.Invalid(w, "limit", "%q is not a positive number", v)
			return
		}
		f.Limit = n
	}
	list, err := t.svc.Alerts(f)
	if err != nil {
		t.unavailable(w, "alerts", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"alerts": list})
}

// unavailable answers 500 for a store failure, which it logs.
func (t *Telemetry) unavailable(w http.ResponseWriter, what string, err error) {
	t.log.Error("telemetry API", "read", what, "err", err)
	web.Error(w, http.StatusInternalServerError, "%s unavailable", what)
}

// timeRange reads from and to (RFC 3339; default the last 24 hours); on a
// bad value it answers 422 naming the parameter.
func timeRange(w http.ResponseWriter, r *http.Request) (from, to time.Time, ok bool) {
	to = time.Now()
	from = to.Add(-24 * time.Hour)
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			web.Invalid(w, p.name, "%q is not an RFC 3339 time", v)
			return from, to, false
		}
		*p.t = t
	}
	return from, to, true
}

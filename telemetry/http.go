package telemetry

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/staff"
)

// APs finds APs: by agent token for ingest, by ID for the status API.
// *hotspots.Registry satisfies it.
type APs interface {
	APByToken(token string) (hotspots.AP, error)
	APByID(id string) (hotspots.AP, error)
}

// Staff authenticates staff requests. *auth.Service satisfies it.
type Staff interface {
	FromRequest(r *http.Request) (staff.Principal, error)
}

// Handler serves the agent and status endpoints.
type Handler struct {
	svc   *Service
	aps   APs
	staff Staff
}

// NewHandler returns the HTTP side of s.
func NewHandler(s *Service, aps APs, staff Staff) *Handler {
	return &Handler{svc: s, aps: aps, staff: staff}
}

// Mount adds the routes to r:
//
//	POST /api/v1/agent/reports           agent token
//	GET  /api/v1/aps/{id}/status         staff who can read the AP's org
//	GET  /api/v1/aps/{id}/series         ?from=&to= (RFC 3339; default last 24h)
//	GET  /api/v1/alerts                  ?since=&ap=&limit=
//	GET  /api/v1/telemetry/series        ?venue=ORG/LOCATIONID&from=&to=
func (h *Handler) Mount(r *mux.Router) {
	r.HandleFunc(wire.Path, h.report).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/aps/{id}/status", h.apStatus).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/aps/{id}/series", h.apSeries).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/alerts", h.alerts).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/telemetry/series", h.venueSeries).Methods(http.MethodGet)
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	result := "error"
	defer func() {
		h.svc.metrics.reports.WithLabelValues(result).Inc()
		h.svc.metrics.latency.Observe(time.Since(start).Seconds())
	}()
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		result = "unauthorized"
		writeError(w, http.StatusUnauthorized, "agent token required (Authorization: Bearer)")
		return
	}
	ap, err := h.aps.APByToken(strings.TrimSpace(token))
	if errors.Is(err, hotspots.ErrBadToken) || errors.Is(err, store.ErrNotFound) {
		result = "unauthorized"
		writeError(w, http.StatusUnauthorized, "unknown agent token")
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "token lookup failed")
		return
	}
	if r.ContentLength > wire.MaxBodyBytes {
		result = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, ErrTooLarge.Error())
		return
	}
	rep, err := h.svc.DecodeReport(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes+1), r.Header.Get("Content-Encoding"))
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, ErrTooLarge) || errors.As(err, &mbe):
		result = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	case err != nil:
		result = "malformed"
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := h.svc.Ingest(r.Context(), ap, rep)
	if err != nil {
		h.svc.log.Error("report not stored", "ap", ap.ID, "seq", rep.Seq, "err", err)
		writeError(w, http.StatusServiceUnavailable, "report not stored; retry")
		return
	}
	result = "stored"
	if res.Duplicate {
		result = "duplicate"
	}
	writeJSON(w, http.StatusOK, map[string]any{"ap": ap.ID, "seq": rep.Seq, "duplicate": res.Duplicate})
}

// readableAP authenticates staff and checks they may see the AP.
func (h *Handler) readableAP(w http.ResponseWriter, r *http.Request) (hotspots.AP, bool) {
	p, err := h.staff.FromRequest(r)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "staff token or session required")
		return hotspots.AP{}, false
	}
	ap, err := h.aps.APByID(mux.Vars(r)["id"])
	if err != nil || !p.CanRead(ap.Org()) {
		writeError(w, http.StatusNotFound, "no such AP") // not "forbidden": do not reveal it exists
		return hotspots.AP{}, false
	}
	return ap, true
}

func (h *Handler) apStatus(w http.ResponseWriter, r *http.Request) {
	ap, ok := h.readableAP(w, r)
	if !ok {
		return
	}
	st, err := h.svc.APStatus(ap.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "status unavailable")
		return
	}
	st.Venue = ap.Hotspot
	state := "never"
	if !st.LastReport.IsZero() {
		state = map[bool]string{true: "online", false: "offline"}[st.Online]
	}
	writeJSON(w, http.StatusOK, struct {
		Status
		Name  string `json:"name"`
		State string `json:"state"`
	}{st, ap.Name, state})
}

func (h *Handler) apSeries(w http.ResponseWriter, r *http.Request) {
	ap, ok := h.readableAP(w, r)
	if !ok {
		return
	}
	from, to, err := timeRange(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	b, err := h.svc.APSeries(ap.ID, from, to)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "series unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ap": ap.ID, "bucket_s": int(BucketWidth / time.Second), "buckets": b})
}

func (h *Handler) venueSeries(w http.ResponseWriter, r *http.Request) {
	p, err := h.staff.FromRequest(r)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "staff token or session required")
		return
	}
	venue := r.URL.Query().Get("venue")
	if _, _, ok := hotspots.SplitVenueKey(venue); !ok {
		writeError(w, http.StatusBadRequest, "venue: want ORG/LOCATIONID")
		return
	}
	if !p.CanRead(orgOf(venue)) {
		writeError(w, http.StatusNotFound, "no such venue")
		return
	}
	from, to, err := timeRange(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	b, err := h.svc.VenueSeries(venue, from, to)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "series unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"hotspot": venue, "bucket_s": int(BucketWidth / time.Second), "buckets": b})
}

func (h *Handler) alerts(w http.ResponseWriter, r *http.Request) {
	p, err := h.staff.FromRequest(r)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "staff token or session required")
		return
	}
	q := r.URL.Query()
	f := AlertFilter{AP: q.Get("ap"), Org: p.Scope()}
	if v := q.Get("since"); v != "" {
		if f.Since, err = time.Parse(time.RFC3339, v); err != nil {
			writeError(w, http.StatusBadRequest, "since: want an RFC 3339 time")
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 {
			writeError(w, http.StatusBadRequest, "limit: want a positive number")
			return
		}
	}
	list, err := h.svc.Alerts(f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "alerts unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list})
}

func timeRange(r *http.Request) (from, to time.Time, err error) {
	to = time.Now()
	from = to.Add(-24 * time.Hour)
	q := r.URL.Query()
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return from, to, errors.New("from: want an RFC 3339 time")
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return from, to, errors.New("to: want an RFC 3339 time")
		}
	}
	return from, to, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/usage"
)

// UsageDays returns the published open usage days in [from, to].
type UsageDays func(from, to time.Time) ([]usage.Day, error)

// usageRoutes are public: the open data has nothing a visitor could not
// be shown.
func (a *API) usageRoutes() []Route {
	p := func(method, path string, h http.HandlerFunc) Route {
		return Route{Method: method, Path: path, Public: true, handler: h}
	}
	return []Route{
		p("GET", "/opendata/usage/schema.json", serveBytes("application/schema+json", usage.Schema)),
		p("GET", "/opendata/usage/dictionary.md", serveBytes("text/markdown; charset=utf-8", usage.Dictionary)),
		p("GET", "/opendata/usage/{date}.{format:csv|json}", a.usageDay),
		p("GET", "/api/v1/opendata/usage", a.usageRange),
	}
}

func serveBytes(ctype string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		http.ServeContent(w, r, "", zeroTime, bytes.NewReader(body))
	}
}

// usageDay serves one published day; a day not (yet) published is 404.
func (a *API) usageDay(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	q := map[string][]string{"from": {v["date"]}, "format": {v["format"]}}
	from, to, format, err := usage.ParseRange(q, time.Now())
	if err != nil {
		web.Invalid(w, "date", "%s", err)
		return
	}
	days, err := a.cfg.UsageDays(from, to)
	if err != nil {
		a.fail(w, err)
		return
	}
	if len(days) == 0 {
		web.Error(w, http.StatusNotFound, "usage: %s is not published (a day is published the day after)", v["date"])
		return
	}
	writeUsage(w, days, format)
}

// usageRange serves the published days of ?from=&to=&format=.
func (a *API) usageRange(w http.ResponseWriter, r *http.Request) {
	from, to, format, err := usage.ParseRange(r.URL.Query(), time.Now())
	if err != nil {
		web.Error(w, http.StatusBadRequest, "%s", err)
		return
	}
	days, err := a.cfg.UsageDays(from, to)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeUsage(w, days, format)
}

func writeUsage(w http.ResponseWriter, days []usage.Day, format string) {
	if days == nil {
		days = []usage.Day{}
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if format == "csv" {
		var buf bytes.Buffer
		if err := usage.WriteCSV(&buf, days); err != nil {
			web.Error(w, http.StatusInternalServerError, "internal error")
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
		return
	}
	body, err := json.Marshal(map[string]any{"days": days})
	if err != nil {
		web.Error(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

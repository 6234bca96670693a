package portal

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/internal/i18n"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/visitors"
)

// StaffAuth checks an API token; *auth.Service implements it.
type StaffAuth interface {
	Authenticate(token string) (staff.Principal, error)
}

// VoucherPage writes a batch as a printable HTML page of cut-out cards.
func VoucherPage(w io.Writer, b visitors.VoucherBatch, lang string) error {
	if i18n.Known(lang) == "" {
		lang = "en"
	}
	t, err := template.ParseFS(templateFS, "templates/vouchers.html")
	if err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	codes := make([]string, len(b.Codes))
	for i, c := range b.Codes {
		codes[i] = visitors.FormatVoucher(c)
	}
	html := "en"
	for _, l := range i18n.Languages {
		if l.Code == lang {
			html = l.HTML
		}
	}
	return t.ExecuteTemplate(w, "vouchers", map[string]any{
		"HTMLLang": html, "Base": "/portal", "Title": tr(lang, "voucher_print"), "Codes": codes,
		"Meta": tr(lang, "voucher_valid", b.ExpiresAt.In(time.FixedZone("HKT", 8*3600)).Format("2006-01-02"), b.Duration/60, b.Uses),
	})
}

// voucherRequest is the body of POST /api/v1/vouchers.
type voucherRequest struct {
	Count     int    `json:"count"`
	Duration  string `json:"duration"` // Go duration, e.g. "1h"
	Uses      int    `json:"uses"`
	DataCapMB int64  `json:"data_cap_mb"`
	ValidDays int    `json:"valid_days"`
	Org       string `json:"org"`
	Note      string `json:"note"`
}

// MountVoucherAPI serves the operators' voucher API, with staff tokens:
//
//	POST /api/v1/vouchers              create a batch (JSON in and out)
//	GET  /api/v1/vouchers/{id}         the batch with its codes
//	GET  /api/v1/vouchers/{id}/print   the batch as a printable page
func (p *Portal) MountVoucherAPI(r *mux.Router, staff StaffAuth) {
	api := r.PathPrefix("/api/v1/vouchers").Subrouter()
	api.Use(web.APIHeaders)
	api.Handle("", p.staffOnly(staff, p.createVouchers)).Methods(http.MethodPost)
	api.Handle("/{id}", p.staffOnly(staff, p.getVouchers)).Methods(http.MethodGet)
	api.Handle("/{id}/print", p.staffOnly(staff, p.printVouchers)).Methods(http.MethodGet)
}

func (p *Portal) staffOnly(staff StaffAuth, h func(http.ResponseWriter, *http.Request, staff.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !p.perIP.Allow("api/"+clientIP(r).String()) {
			web.Error(w, http.StatusUnauthorized, "an API token is required (Authorization: Bearer …)")
			return
		}
		who, err := staff.Authenticate(tok)
		if err != nil {
			web.Error(w, http.StatusUnauthorized, "unknown or revoked API token")
			return
		}
		h(w, r, who)
	})
}

func (p *Portal) createVouchers(w http.ResponseWriter, r *http.Request, who staff.Principal) {
	var in voucherRequest
	if !web.DecodeJSON(w, r, 16<<10, &in) {
		return
	}
	if in.Org == "" {
		in.Org = who.Scope()
	}
	if !who.CanWrite(in.Org) {
		web.Error(w, http.StatusForbidden, "you may not create vouchers for organisation %q", in.Org)
		return
	}
	d, err := time.ParseDuration(in.Duration)
	if err != nil {
		web.Invalid(w, "duration", "%q is not a duration such as 30m or 2h", in.Duration)
		return
	}
	b, err := p.cfg.Visitors.CreateVouchers(visitors.VoucherSpec{Count: in.Count, Duration: d, Uses: in.Uses,
		DataCapMB: in.DataCapMB, ValidDays: in.ValidDays, Org: in.Org, Note: in.Note, CreatedBy: who.Actor()})
	if err != nil {
		web.Invalid(w, fieldOf(err), "%v", err)
		return
	}
	p.log.Info("vouchers created", "batch", b.ID, "count", len(b.Codes), "by", who.Actor())
	web.WriteJSON(w, http.StatusCreated, batchView(b))
}

// fieldOf names the field a visitors error is about ("visitors: count: …").
func fieldOf(err error) string {
	_, rest, _ := strings.Cut(err.Error(), ": ")
	f, _, _ := strings.Cut(rest, ":")
	return strings.ReplaceAll(f, "-", "_")
}

func (p *Portal) batchFor(w http.ResponseWriter, r *http.Request, who staff.Principal) (visitors.VoucherBatch, bool) {
	b, err := p.cfg.Visitors.VoucherBatchByID(mux.Vars(r)["id"])
	if err != nil || !who.CanRead(b.Org) {
		web.Error(w, http.StatusNotFound, "no such voucher batch")
		return b, false
	}
	return b, true
}

func (p *Portal) getVouchers(w http.ResponseWriter, r *http.Request, who staff.Principal) {
	if b, ok := p.batchFor(w, r, who); ok {
		web.WriteJSON(w, http.StatusOK, batchView(b))
	}
}

func (p *Portal) printVouchers(w http.ResponseWriter, r *http.Request, who staff.Principal) {
	b, ok := p.batchFor(w, r, who)
	if !ok {
		return
	}
	var buf strings.Builder
	if err := VoucherPage(&buf, b, i18n.Pick(r, r.URL.Query().Get("lang"))); err != nil {
		web.Error(w, http.StatusInternalServerError, "render: %v", err)
		return
	}
	pageHeaders(w.Header(), "")
	io.WriteString(w, buf.String())
}

func batchView(b visitors.VoucherBatch) map[string]any {
	return map[string]any{"id": b.ID, "codes": b.Codes, "duration_s": b.Duration, "uses": b.Uses,
		"data_cap_mb": b.DataCapMB, "org": b.Org, "note": b.Note, "expires_at": b.ExpiresAt, "created": b.Created,
		"print_url": "/api/v1/vouchers/" + b.ID + "/print"}
}

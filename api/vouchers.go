package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/visitors"
)

// Vouchers makes and finds voucher batches; *visitors.Store satisfies it.
type Vouchers interface {
	CreateVouchers(visitors.VoucherSpec) (visitors.VoucherBatch, error)
	VoucherBatchByID(id string) (visitors.VoucherBatch, error)
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

// voucherRoutes are the operators' voucher routes:
//
//	POST /api/v1/vouchers       create a batch: its codes, shown only now,
//	                            as JSON or (Accept: text/html) as the
//	                            printable page of cards
//	GET  /api/v1/vouchers/{id}  the batch and each code's state, masked
func (a *API) voucherRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/v1/vouchers", handler: a.staff(a.createVouchers)},
		{Method: "GET", Path: "/api/v1/vouchers/{id}", handler: a.staff(a.getVouchers)},
	}
}

func (a *API) createVouchers(w http.ResponseWriter, r *http.Request, who staff.Principal) {
	var in voucherRequest
	if !web.DecodeJSON(w, r, min(a.cfg.MaxBody, 16<<10), &in) {
		return
	}
	if in.Org == "" {
		in.Org = who.Scope()
	}
	if !who.CanWrite(in.Org) {
		forbidden(w, "you may not create vouchers for organisation %q", in.Org)
		return
	}
	d, err := time.ParseDuration(in.Duration)
	if err != nil {
		web.Invalid(w, "duration", "%q is not a duration such as 30m or 2h", in.Duration)
		return
	}
	b, err := a.cfg.Vouchers.CreateVouchers(visitors.VoucherSpec{Count: in.Count, Duration: d, Uses: in.Uses,
		DataCapMB: in.DataCapMB, ValidDays: in.ValidDays, Org: in.Org, Note: in.Note, CreatedBy: who.Actor()})
	if err != nil {
		web.Invalid(w, voucherField(err), "%v", err)
		return
	}
	a.cfg.Log.Info("vouchers created", "batch", b.ID, "count", len(b.Codes), "by", who.Actor())
	w.Header().Set("Location", "/api/v1/vouchers/"+b.ID)
	if wantsHTML(r) { // the printable page, the only one with the codes
		if err := portal.WriteVoucherPage(w, r, b, http.StatusCreated); err != nil {
			a.cfg.Log.Error("voucher page", "batch", b.ID, "err", err)
			web.Error(w, http.StatusInternalServerError, "internal error")
		}
		return
	}
	view := batchView(b)
	view["codes"] = b.Codes
	web.WriteJSON(w, http.StatusCreated, view)
}

// wantsHTML reports whether r's Accept header asks for HTML before JSON.
func wantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		switch t, _, _ := strings.Cut(strings.TrimSpace(part), ";"); t {
		case "text/html":
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

// voucherField names the field a visitors error is about ("visitors: count: …").
func voucherField(err error) string {
	_, rest, _ := strings.Cut(err.Error(), ": ")
	f, _, _ := strings.Cut(rest, ":")
	return strings.ReplaceAll(f, "-", "_")
}

// batchFor finds the batch of the path, answering 404 when there is none or
// who may not read it.
func (a *API) batchFor(w http.ResponseWriter, r *http.Request, who staff.Principal) (visitors.VoucherBatch, bool) {
	id := mux.Vars(r)["id"]
	b, err := a.cfg.Vouchers.VoucherBatchByID(id)
	if err != nil || !who.CanReadOwned(b.Org) {
		notFound(w, "voucher batch", id)
		return b, false
	}
	return b, true
}

func (a *API) getVouchers(w http.ResponseWriter, r *http.Request, who staff.Principal) {
	if b, ok := a.batchFor(w, r, who); ok {
		web.WriteJSON(w, http.StatusOK, batchView(b))
	}
}

// batchView is a batch's metadata and each code's state, never its codes.
func batchView(b visitors.VoucherBatch) map[string]any {
	return map[string]any{"id": b.ID, "count": len(b.Names), "duration_s": b.Duration, "uses": b.Uses,
		"data_cap_mb": b.DataCapMB, "org": b.Org, "note": b.Note, "created_by": b.CreatedBy,
		"expires_at": b.ExpiresAt, "created": b.Created, "vouchers": b.Vouchers}
}

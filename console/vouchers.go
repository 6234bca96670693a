package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/visitors"
)

type vouchersData struct {
	Off                             bool
	CanWrite                        bool
	Count, Minutes, Uses, Days, Cap string
	Note                            string
	Batches                         []visitors.VoucherBatch
}

// maxBatchesShown is how many of the newest batches the vouchers page lists.
const maxBatchesShown = 100

// MayMakeVouchers reports whether the vouchers page is for this principal.
func (v *view) MayMakeVouchers() bool { return v.User != nil && mayManage(v) }

// mayManage: admins make network-wide voucher batches and gateways,
// operators their organisation's; viewers make none.
func mayManage(v *view) bool {
	return v.User.IsAdmin() || (v.User.Org != "" && v.User.CanWrite(v.User.Org))
}

func (c *Console) vouchersPage(w http.ResponseWriter, r *http.Request, v *view) string {
	d := &vouchersData{Off: c.cfg.Vouchers == nil, CanWrite: mayManage(v),
		Count: "20", Minutes: "60", Uses: "1", Days: "30", Cap: "0"}
	v.Title, v.Section, v.Data = v.T("vouchers_title"), "vouchers", d
	if d.Off {
		return "vouchers"
	}
	var err error
	if d.Batches, err = c.cfg.Vouchers.ListVoucherBatches(v.User.CanReadOwned, maxBatchesShown); err != nil {
		return c.fail(v, err)
	}
	vouchersSummary(v, d.Batches)
	return "vouchers"
}

// vouchersCreate makes a batch and answers its cards to print.
func (c *Console) vouchersCreate(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Vouchers == nil {
		return c.fail(v, errNotFound)
	}
	if !mayManage(v) {
		return c.fail(v, errForbidden)
	}
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d := &vouchersData{CanWrite: true, Count: g("count"), Minutes: g("minutes"), Uses: g("uses"),
		Days: g("valid_days"), Cap: g("data_cap_mb"), Note: g("note")}
	v.Title, v.Section, v.Data = v.T("vouchers_title"), "vouchers", d
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return n
	}
	spec := visitors.VoucherSpec{Count: atoi(d.Count), Duration: time.Duration(atoi(d.Minutes)) * time.Minute,
		Uses: atoi(d.Uses), ValidDays: atoi(d.Days), DataCapMB: int64(atoi(d.Cap)), Note: d.Note,
		Org: v.User.Scope(), CreatedBy: v.User.Actor()}
	if d.Cap == "" {
		spec.DataCapMB = 0
	}
	b, err := c.cfg.Vouchers.CreateVouchers(spec)
	if err != nil {
		v.Status, v.Error = http.StatusUnprocessableEntity, err.Error()
		return "vouchers"
	}
	c.audit(*v.User, "voucher.batch", b.ID, b.Org, strconv.Itoa(len(b.Codes))+" codes")
	c.met.vouchers.Add(float64(len(b.Codes)))
	v.Notice = v.T("v_made", b.ID, len(b.Codes))
	// The cards to print: the codes are not stored, so this is the one
	// page that shows them.
	p := voucherPrint{Batch: b, Meta: v.T("v_valid", v.Time(b.ExpiresAt), b.Duration/60, b.Uses)}
	for _, code := range b.Codes {
		p.Codes = append(p.Codes, visitors.FormatVoucher(code))
	}
	v.Title, v.Data = v.T("v_print", b.ID), p
	return "voucher_print"
}

// voucherPrint is a batch as cards to print, with its codes (Codes, only
// when just made), or the state of each code.
type voucherPrint struct {
	Batch     visitors.VoucherBatch
	Codes     []string
	Meta      string
	CanRevoke bool
}

// voucherPrint shows a batch and each code's state, masked.
func (c *Console) voucherPrint(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Vouchers == nil {
		return c.fail(v, errNotFound)
	}
	b, err := c.cfg.Vouchers.VoucherBatchByID(mux.Vars(r)["id"])
	if err != nil || !v.User.CanReadOwned(b.Org) {
		return c.fail(v, errNotFound)
	}
	d := voucherPrint{Batch: b, Meta: v.T("v_valid", v.Time(b.ExpiresAt), b.Duration/60, b.Uses),
		CanRevoke: v.User.CanWrite(b.Org) && mayManage(v)}
	v.Title, v.Section, v.Data = v.T("v_batch", b.ID), "vouchers", d
	return "voucher_print"
}

// voucherRevoke disables every code of a batch, then shows the batch.
func (c *Console) voucherRevoke(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Vouchers == nil {
		return c.fail(v, errNotFound)
	}
	id := mux.Vars(r)["id"]
	b, err := c.cfg.Vouchers.VoucherBatchByID(id)
	if err != nil || !v.User.CanReadOwned(b.Org) {
		return c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(b.Org) || !mayManage(v) {
		return c.fail(v, errForbidden)
	}
	v.Section = "vouchers"
	batch := c.cfg.Base + "/vouchers/" + url.PathEscape(id)
	if !confirmed(r, v, confirmation{Action: batch + "/revoke", Question: v.T("v_revoke_q", id, b.Summary().Usable, b.Summary().Codes),
		Detail: v.T("v_revoke_note"), Button: v.T("v_revoke"), Cancel: batch}) {
		return "confirm"
	}
	n, err := c.cfg.Vouchers.RevokeVoucherBatch(id, v.User.Actor())
	if err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "voucher.revoke", id, b.Org, strconv.Itoa(n)+" codes")
	http.Redirect(w, r, batch, http.StatusSeeOther)
	return ""
}

package portal

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/i18n"
	"github.com/wifihk/wifihk/visitors"
)

// VoucherPage writes a new batch as a printable HTML page of cut-out
// cards: only CreateVouchers' answer has the codes.
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

// WriteVoucherPage answers r with status and b's printable page, in the
// language r asks for (?lang= or Accept-Language), with the portal's page
// headers (its stylesheet is the portal's). It returns an error, having
// written nothing, only when the page cannot be rendered.
func WriteVoucherPage(w http.ResponseWriter, r *http.Request, b visitors.VoucherBatch, status int) error {
	var buf strings.Builder
	if err := VoucherPage(&buf, b, i18n.Pick(r, r.URL.Query().Get("lang"))); err != nil {
		return err
	}
	pageHeaders(w.Header(), "")
	w.WriteHeader(status)
	io.WriteString(w, buf.String())
	return nil
}

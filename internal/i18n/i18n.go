// Package i18n picks the language of a page for the portal and the console:
// English, Traditional Chinese (as Hong Kong writes it) or Simplified
// Chinese, from ?lang=, the shared cookie, or Accept-Language.
package i18n

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Language is one language the pages speak.
type Language struct{ Code, HTML, Name string }

// Languages in the order a language switch shows them.
var Languages = []Language{
	{Code: "en", HTML: "en", Name: "English"},
	{Code: "zh-Hant", HTML: "zh-Hant-HK", Name: "繁體中文"},
	{Code: "zh-Hans", HTML: "zh-Hans", Name: "简体中文"},
}

// Cookie remembers the choice made with a switch; portal and console share
// it, so a choice made in one holds in the other.
const Cookie = "wifihk_lang"

// Pick chooses the page language: query (the ?lang= value), then the
// cookie, then Accept-Language, then English.
func Pick(r *http.Request, query string) string {
	if l := Known(query); l != "" {
		return l
	}
	if c, err := r.Cookie(Cookie); err == nil {
		if l := Known(c.Value); l != "" {
			return l
		}
	}
	return FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// Known returns the code of the language s names (any case), or "".
func Known(s string) string {
	for _, l := range Languages {
		if strings.EqualFold(s, l.Code) {
			return l.Code
		}
	}
	return ""
}

// Name is a name in lang from its English, Traditional and Simplified
// Chinese forms.
func Name(lang, en, tc, sc string) string {
	switch lang {
	case "zh-Hant":
		return tc
	case "zh-Hans":
		return sc
	}
	return en
}

// HTMLLang is the lang attribute for code.
func HTMLLang(code string) string {
	for _, l := range Languages {
		if l.Code == code {
			return l.HTML
		}
	}
	return "en"
}

// FromAcceptLanguage maps RFC 9110 language ranges to our three: Chinese
// for Taiwan, Hong Kong, Macau or with the Hant script, and Cantonese, is
// Traditional; other Chinese with a region or script is Simplified; bare
// "zh" is Traditional, as Hong Kong writes it. It reads at most 20 ranges.
func FromAcceptLanguage(h string) string {
	type cand struct {
		lang string
		q    float64
	}
	var cs []cand
	for i, part := range strings.Split(h, ",") {
		if i >= 20 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		if l := mapTag(strings.ToLower(strings.TrimSpace(tag))); l != "" && q > 0 {
			cs = append(cs, cand{l, q})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].q > cs[b].q })
	if len(cs) == 0 {
		return "en"
	}
	return cs[0].lang
}

func mapTag(tag string) string {
	switch {
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return "en"
	case tag == "zh" || strings.HasPrefix(tag, "zh-hant") || tag == "zh-hk" || tag == "zh-tw" || tag == "zh-mo" || tag == "yue" || strings.HasPrefix(tag, "yue-"):
		return "zh-Hant"
	case strings.HasPrefix(tag, "zh-"):
		return "zh-Hans"
	}
	return ""
}

// Catalog holds a page set's messages: language code, then key.
type Catalog map[string]map[string]string

// T looks key up in lang, falling back to English, then to the key itself,
// and formats it with args when there are any.
func (c Catalog) T(lang, key string, args ...any) string {
	m, ok := c[lang][key]
	if !ok {
		m, ok = c["en"][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

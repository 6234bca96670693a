package i18n

import (
	"net/http/httptest"
	"testing"
)

func TestFromAcceptLanguage(t *testing.T) {
	for _, tc := range []struct{ h, want string }{
		{"", "en"}, {"zh-HK,zh;q=0.9,en;q=0.5", "zh-Hant"}, {"zh-CN", "zh-Hans"}, {"en-GB,zh-TW;q=0.5", "en"},
		{"fr, zh-Hans-SG;q=0.8", "zh-Hans"}, {"yue", "zh-Hant"}, {"de;q=x", "en"}, {"zh", "zh-Hant"},
	} {
		if got := FromAcceptLanguage(tc.h); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.h, got, tc.want)
		}
	}
}

func TestPickOrder(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "zh-CN")
	if got := Pick(r, ""); got != "zh-Hans" {
		t.Errorf("Accept-Language: %s", got)
	}
	r.Header.Set("Cookie", Cookie+"=zh-Hant")
	if got := Pick(r, ""); got != "zh-Hant" {
		t.Errorf("cookie over Accept-Language: %s", got)
	}
	if got := Pick(r, "EN"); got != "en" {
		t.Errorf("?lang= over cookie: %s", got)
	}
	if got := Pick(r, "klingon"); got != "zh-Hant" {
		t.Errorf("an unknown ?lang= is ignored: %s", got)
	}
}

func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "zh-HK,zh;q=0.9", "en;q=0", ",,,;q=", "zh-Hant;q=1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if l := FromAcceptLanguage(h); Known(l) != l {
			t.Fatalf("%q -> %q", h, l)
		}
	})
}

func TestCatalogFallsBackToEnglishThenKey(t *testing.T) {
	c := Catalog{"en": {"hi": "Hello %s", "only_en": "English"}, "zh-Hant": {"hi": "你好 %s"}}
	if got := c.T("zh-Hant", "hi", "Ann"); got != "你好 Ann" {
		t.Errorf("translated: %q", got)
	}
	if got := c.T("zh-Hant", "only_en"); got != "English" {
		t.Errorf("English fallback: %q", got)
	}
	if got := c.T("zh-Hans", "missing"); got != "missing" {
		t.Errorf("key fallback: %q", got)
	}
}

func TestName(t *testing.T) {
	for lang, want := range map[string]string{"en": "Wan Chai", "zh-Hant": "灣仔區", "zh-Hans": "湾仔区", "fr": "Wan Chai"} {
		if got := Name(lang, "Wan Chai", "灣仔區", "湾仔区"); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

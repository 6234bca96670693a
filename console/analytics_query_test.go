package console

import (
	"net/url"
	"testing"
	"time"
)

// FuzzParseAnalyticsQuery: any query string is either refused with a
// field and a message, or read into choices within their bounds that
// read back the same from their own query string.
func FuzzParseAnalyticsQuery(f *testing.F) {
	for _, s := range []string{"", "days=7", "days=92&to=2026-12-04&by=type&sat=30&table=trends", "days=0", "days=93",
		"to=2026-02-30", "by=%00", "sat=-1", "days=7&days=7", "table=x", "days=+7", "days=07", "to=%E2%80%AE2026-12-04",
		"sat=99999999999999999999", "lang=zh-Hant&utm=1"} {
		f.Add(s)
	}
	today := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		a, err := parseAnalyticsQuery(q, today)
		if err != nil {
			fe, ok := err.(*formError)
			if !ok || fe.Field == "" || messages["en"][fe.Key] == "" {
				t.Fatalf("%q: error %v without a field and a message", s, err)
			}
			return
		}
		if a.Days < 1 || a.Days > maxDays || a.Sat < 1 || a.Sat > maxSaturated || (a.By != "district" && a.By != "type") {
			t.Fatalf("%q: out of bounds: %+v", s, a)
		}
		back, _ := url.ParseQuery(a.Query())
		b, err := parseAnalyticsQuery(back, today)
		if err != nil || b.Days != a.Days || b.To != a.To || b.By != a.By || b.Sat != a.Sat || !b.first().Equal(a.first()) {
			t.Fatalf("%q: %+v reads back as %+v, %v", s, a, b, err)
		}
	})
}

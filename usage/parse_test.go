package usage_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/usage"
)

var parseToday = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC) // 11:00 in Hong Kong

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		name, query, from, to, format, err string
	}{
		{"default is yesterday", "", "2026-12-03", "2026-12-03", "json", ""},
		{"one day", "from=2026-11-01", "2026-11-01", "2026-11-01", "json", ""},
		{"range csv", "from=2026-11-01&to=2026-11-30&format=csv", "2026-11-01", "2026-11-30", "csv", ""},
		{"92 days", "from=2026-01-01&to=2026-04-02", "2026-01-01", "2026-04-02", "json", ""},
		{"93 days", "from=2026-01-01&to=2026-04-03", "", "", "", "more than 92 days"},
		{"backwards", "from=2026-11-02&to=2026-11-01", "", "", "", "before from"},
		{"not a date", "from=yesterday", "", "", "", `from: "yesterday" is not a date`},
		{"no such day", "from=2026-02-30", "", "", "", "not a date"},
		{"unpadded", "from=2026-2-3", "", "", "", "not a date"},
		{"format", "format=xml", "", "", "", `format: "xml"`},
		{"twice", "from=2026-11-01&from=2026-11-02", "", "", "", "give it once"},
		{"unknown", "district=Islands", "", "", "", `unknown parameter "district"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			from, to, format, err := usage.ParseRange(q, parseToday)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := from.Format("2006-01-02"); got != c.from {
				t.Errorf("from %s, want %s", got, c.from)
			}
			if got := to.Format("2006-01-02"); got != c.to {
				t.Errorf("to %s, want %s", got, c.to)
			}
			if format != c.format {
				t.Errorf("format %s, want %s", format, c.format)
			}
		})
	}
}

// FuzzParseRange: any query string is either refused with a message or
// gives a range of at most MaxRange days, in order, in a known format.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"", "from=2026-11-01&to=2026-11-30&format=csv", "from=2026-02-30", "to=9999-12-31",
		"from=0000-01-01&to=0000-03-01", "format=json&format=csv", "from=%ZZ", "from=2026-11-01%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		from, to, format, err := usage.ParseRange(q, parseToday)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "usage: ") || len(err.Error()) > 200 {
				t.Fatalf("error %q: want a short message prefixed usage:", err)
			}
			return
		}
		if to.Before(from) || to.Sub(from) >= usage.MaxRange*24*time.Hour {
			t.Fatalf("range %v..%v accepted", from, to)
		}
		if format != "json" && format != "csv" {
			t.Fatalf("format %q accepted", format)
		}
	})
}

package console

import (
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

func TestShadeScale(t *testing.T) {
	rows := func(ns ...int) []hotspots.CoverageRow {
		out := make([]hotspots.CoverageRow, len(ns))
		for i, n := range ns {
			out[i].Venues = n
		}
		return out
	}
	venues := measures[0]
	for _, tc := range []struct {
		name   string
		rows   []hotspots.CoverageRow
		ranges string
		shades []int
	}{
		{"the real districts", rows(193, 552, 300, 415), "≤ 240 241–320 321–400 401–480 > 480", []int{1, 5, 2, 4}},
		{"their hotspots", rows(890, 6704, 3940), "≤ 1500 1501–3000 3001–4500 4501–6000 > 6000", []int{1, 5, 3}},
		{"nothing yet", rows(0, 0), "≤ 1 2–2 3–3 4–4 > 4", []int{0, 0}},
		{"one venue", rows(0, 1), "≤ 1 2–2 3–3 4–4 > 4", []int{0, 1}},
		{"even", rows(7, 7), "≤ 8 9–9 10–10 11–11 > 11", []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newShadeScale(tc.rows, venues)
			if got := strings.Join(s.ranges(), " "); got != tc.ranges {
				t.Errorf("ranges %q, want %q", got, tc.ranges)
			}
			for i, r := range tc.rows {
				if got := s.shade(int64(r.Venues)); got != tc.shades[i] {
					t.Errorf("%d venues: shade %d, want %d", r.Venues, got, tc.shades[i])
				}
			}
		})
	}
}

// Every district is drawn from its boundary, closed, with its fill step
// and its figure as a tooltip; venues are sized by their hotspots.
func TestRenderMapDistrictsAndSizes(t *testing.T) {
	var labels []mapLabel
	for i, d := range hotspots.Districts() {
		labels = append(labels, mapLabel{EN: d.EN, Text: d.EN, Lat: d.Lat, Lon: d.Lon, Shade: i % 6, Figure: d.EN + ": <n>"})
	}
	pts := []mapPoint{{Key: "o/one", NameEN: "One", Hotspots: 1, Lat: 22.3, Lon: 114.1},
		{Key: "o/many", NameEN: "Many", NameTC: "多", Hotspots: 80, Lat: 22.31, Lon: 114.11, Status: stOnline}}
	spec := mapSpec{Points: pts, Labels: labels, View: hkMap.whole(), Base: "/console", Lang: "zh-Hant",
		Hotspots: "%d 個熱點", Status: [3]string{"none", "on", "off"}}
	svg := string(renderMap(spec))
	paths := regexp.MustCompile(`<path class="f(\d)" data-district="([^"]+)" d="(M[^"]+z)"><title>([^<]+)</title></path>`).FindAllStringSubmatch(svg, -1)
	if len(paths) != 18 {
		t.Fatalf("%d district outlines, want 18", len(paths))
	}
	for i, p := range paths {
		if p[1] != string(rune('0'+i%6)) || p[4] != template.HTMLEscapeString(labels[i].EN)+": &lt;n&gt;" {
			t.Errorf("%s: class f%s, title %q", p[2], p[1], p[4])
		}
	}
	m := circleRE.FindAllStringSubmatch(svg, -1)
	if len(m) != 2 || m[0][3] != "1.8" || m[1][3] != "5.5" || m[1][5] != "多 · 80 個熱點 · on" {
		t.Errorf("dots: %q", m)
	}
	if len(svg) > 200<<10 {
		t.Errorf("the outlines alone are %d bytes", len(svg))
	}
	// In a close-up every dot is a link to its venue.
	spec.View = hkMap.around(pts, "Kwai Tsing", 22.35, 114.12)
	if svg := string(renderMap(spec)); !strings.Contains(svg, `<a href="/console/venues/o/many"><circle`) {
		t.Error("a close-up's dots are not links")
	}
}

// No two district names overlap.
func TestLabelsDoNotOverlap(t *testing.T) {
	for _, lang := range []string{"en", "zh-Hant"} {
		var ls []mapLabel
		for _, d := range hotspots.Districts() {
			ls = append(ls, mapLabel{EN: d.EN, Text: districtName(lang, d.EN), Lat: d.Lat, Lon: d.Lon})
		}
		for i, c := range crowdedLabels(ls, hkMap.whole(), 1) {
			if c {
				t.Errorf("%s: %s overlaps another label", lang, ls[i].EN)
			}
		}
	}
}

// crowdedLabels marks the labels that, drawn scale times their size,
// would overlap one before them.
func crowdedLabels(labels []mapLabel, vb viewBox, scale float64) []bool {
	type box struct{ x0, y0, x1, y1 float64 }
	var kept []box
	out := make([]bool, len(labels))
	for i, l := range labels {
		x, y := labelAt(l, vb)
		hw := (textEms(l.Text)*labelSize + 8) / 2 * scale
		bx := box{x - hw, y - 25*scale, x + hw, y - 5*scale}
		for _, k := range kept {
			if bx.x0 < k.x1 && k.x0 < bx.x1 && bx.y0 < k.y1 && k.y0 < bx.y1 {
				out[i] = true
				break
			}
		}
		if !out[i] {
			kept = append(kept, bx)
		}
	}
	return out
}

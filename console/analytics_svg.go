package console

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
)

// heatSpec is a heatmap: rows by hours of the day.
type heatSpec struct {
	Rows   []string    // row labels, in the page's language
	Values [][24]int64 // by row and hour
	Title  string      // names the drawing for screen readers
	Desc   string      // where its figures are as text
	Cell   string      // a cell's tooltip: row, hour, hour+1, value
}

// Heatmap geometry in user units.
const (
	heatLabelW, heatCellW, heatCellH, heatTop = 150.0, 24.0, 22.0, 22.0
	heatSteps                                 = 5 // shades above zero
)

// heatShade is v's shade step: 0 for none, else 1…heatSteps in equal
// parts of top.
func heatShade(v, top int64) int {
	if v <= 0 || top <= 0 {
		return 0
	}
	return 1 + int(min(heatSteps-1, (v-1)*heatSteps/top))
}

// renderHeatmap draws s as a grid of shaded cells, hour labels on top
// and row labels on the left. The figures are in the table beside it;
// each cell also says its figure on hover.
func renderHeatmap(s heatSpec) template.HTML {
	var b bytes.Buffer
	esc := func(t string) { template.HTMLEscape(&b, []byte(t)) }
	num := func(v float64) { b.WriteString(strconv.FormatFloat(v, 'f', -1, 64)) }
	var top int64
	for _, r := range s.Values {
		for _, v := range r {
			top = max(top, v)
		}
	}
	w := heatLabelW + 24*heatCellW + 4
	h := heatTop + heatCellH*float64(max(len(s.Rows), 1)) + 4
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="heat" viewBox="0 0 %g %g" role="img" aria-labelledby="heat-t heat-d"><title id="heat-t">`, w, h)
	esc(s.Title)
	b.WriteString(`</title><desc id="heat-d">`)
	esc(s.Desc)
	b.WriteString(`</desc>`)
	for hr := 0; hr < 24; hr += 3 {
		b.WriteString(`<text class="ax" text-anchor="middle" y="15" x="`)
		num(heatLabelW + heatCellW*(float64(hr)+0.5))
		fmt.Fprintf(&b, `">%02d</text>`, hr)
	}
	for i, name := range s.Rows {
		y := heatTop + heatCellH*float64(i)
		b.WriteString(`<text class="lbl" x="`)
		num(heatLabelW - 6)
		b.WriteString(`" text-anchor="end" y="`)
		num(y + heatCellH*0.7)
		b.WriteString(`">`)
		esc(shorten(name, 22))
		b.WriteString(`</text>`)
		for hr, v := range s.Values[i] {
			fmt.Fprintf(&b, `<rect class="h%d" width="%g" height="%g" x="`, heatShade(v, top), heatCellW-2, heatCellH-2)
			num(heatLabelW + heatCellW*float64(hr))
			b.WriteString(`" y="`)
			num(y)
			b.WriteString(`"><title>`)
			esc(fmt.Sprintf(s.Cell, name, hr, hr+1, v))
			b.WriteString(`</title></rect>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// heatLegend is the legend of a heatmap whose largest value is top: no
// sessions, then each shade's range (shade s holds the v with
// (s-1)·top/5 < v ≤ s·top/5).
func heatLegend(top int64) []shadeKey {
	out := []shadeKey{{0, "0"}}
	ceilDiv := func(a, b int64) int64 { return (a + b - 1) / b }
	for s := int64(1); s <= heatSteps && top > 0; s++ {
		lo, hi := ceilDiv((s-1)*top, heatSteps)+1, ceilDiv(s*top, heatSteps)
		switch {
		case lo > hi:
		case lo == hi:
			out = append(out, shadeKey{int(s), strconv.FormatInt(lo, 10)})
		default:
			out = append(out, shadeKey{int(s), strconv.FormatInt(lo, 10) + "–" + strconv.FormatInt(hi, 10)})
		}
	}
	return out
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Bar chart geometry in user units.
const barW, barH, barPadL, barPadB, barPadT = 640.0, 200.0, 56.0, 24.0, 10.0

// renderBars draws values as bars labelled below, with a y axis; the
// figures are in the table beside it.
func renderBars(labels []string, values []float64, title string) template.HTML {
	var b bytes.Buffer
	num := func(v float64) { b.WriteString(strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)) }
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	top = niceCeil(top)
	ih, iw := barH-barPadT-barPadB, barW-barPadL-8
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 640 200" role="img" aria-label="`)
	template.HTMLEscape(&b, []byte(title))
	b.WriteString(`"><title>`)
	template.HTMLEscape(&b, []byte(title))
	b.WriteString(`</title>`)
	for i := 0; i <= 2; i++ {
		y := barPadT + ih - ih*float64(i)/2
		b.WriteString(`<line class="grid" x1="56" x2="632" y1="`)
		num(y)
		b.WriteString(`" y2="`)
		num(y)
		b.WriteString(`"/><text class="ax" x="52" text-anchor="end" y="`)
		num(y + 4)
		b.WriteString(`">`)
		b.WriteString(strconv.FormatFloat(top*float64(i)/2, 'f', -1, 64))
		b.WriteString(`</text>`)
	}
	slot := iw / float64(max(len(values), 1))
	for i, v := range values {
		x := barPadL + slot*float64(i)
		bh := ih * v / top
		b.WriteString(`<rect class="bar" x="`)
		num(x + slot*0.15)
		b.WriteString(`" width="`)
		num(slot * 0.7)
		b.WriteString(`" y="`)
		num(barPadT + ih - bh)
		b.WriteString(`" height="`)
		num(bh)
		b.WriteString(`"/><text class="ax" text-anchor="middle" y="196" x="`)
		num(x + slot/2)
		b.WriteString(`">`)
		template.HTMLEscape(&b, []byte(labels[i]))
		b.WriteString(`</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

package hotspots

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ExportFormats are the formats Export writes.
var ExportFormats = []string{"csv", "json", "geojson"}

// Export writes the venues that match f as Wi-Fi.HK open data, by key:
// "csv" (UTF-8 with a byte-order mark, as the government publishes it),
// "json" (an array of records) or "geojson" (a FeatureCollection of points).
// Field names are the official ones; Import reads all three back.
func (r *Registry) Export(w io.Writer, format string, f VenueFilter) error {
	venues, _, err := r.ListVenues(f, 0, 0)
	if err != nil {
		return err
	}
	orgs, err := r.ListOrgs()
	if err != nil {
		return err
	}
	byCode := make(map[string]*Org, len(orgs))
	for i := range orgs {
		byCode[orgs[i].Code] = &orgs[i]
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "csv":
		err = exportCSV(bw, venues, byCode)
	case "json":
		err = exportJSON(bw, venues, byCode, false)
	case "geojson":
		err = exportJSON(bw, venues, byCode, true)
	default:
		return fieldErr("format", "%q is not csv, json or geojson", format)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("hotspots: export: %w", err)
	}
	return nil
}

func orgOf(byCode map[string]*Org, code string) *Org {
	if o := byCode[code]; o != nil {
		return o
	}
	return &Org{Code: code}
}

func exportCSV(w *bufio.Writer, venues []Venue, byCode map[string]*Org) error {
	w.WriteString("\ufeff")
	cw := csv.NewWriter(w)
	if err := cw.Write(OpenDataColumns()); err != nil {
		return err
	}
	rec := make([]string, len(openColumns))
	for i := range venues {
		o := orgOf(byCode, venues[i].Org)
		for j, c := range openColumns {
			text, _ := c.cell(&venues[i], o)
			rec[j] = InertCell(text)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (OWASP, "CSV Injection").
const formulaStarts = "=+-@\t\r"

// InertCell makes a CSV cell that a spreadsheet would run as a formula
// plain text, by putting a single quote before it, as OWASP recommends.
// Numbers keep their minus sign.
func InertCell(s string) string {
	if s == "" || !strings.ContainsRune(formulaStarts, rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// liveCell undoes InertCell, so that an export imports back unchanged.
func liveCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}

// exportJSON writes records with their fields in column order.
func exportJSON(w *bufio.Writer, venues []Venue, byCode map[string]*Org, geo bool) error {
	if geo {
		w.WriteString(`{"type":"FeatureCollection","features":[`)
	} else {
		w.WriteString("[")
	}
	for i := range venues {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n")
		v := &venues[i]
		if geo {
			fmt.Fprintf(w, `{"type":"Feature","id":%s,"geometry":{"type":"Point","coordinates":[%s,%s]},"properties":`,
				quote(v.Key().String()), strconv.FormatFloat(v.Longitude, 'f', -1, 64), strconv.FormatFloat(v.Latitude, 'f', -1, 64))
		}
		writeRecord(w, v, orgOf(byCode, v.Org))
		if geo {
			w.WriteByte('}')
		}
	}
	if geo {
		w.WriteString("\n]}\n")
	} else {
		w.WriteString("\n]\n")
	}
	return nil
}

func writeRecord(w *bufio.Writer, v *Venue, o *Org) {
	w.WriteByte('{')
	for j, c := range openColumns {
		if j > 0 {
			w.WriteByte(',')
		}
		w.WriteString(quote(c.name))
		w.WriteByte(':')
		text, number := c.cell(v, o)
		if number {
			w.WriteString(text)
		} else {
			w.WriteString(quote(text))
		}
	}
	w.WriteByte('}')
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

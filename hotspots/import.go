package hotspots

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/internal/store"
)

// ImportOptions tune Import.
type ImportOptions struct {
	// Format is "csv" or "json"; "" detects it from the content.
	Format string
	// Progress, when set, is called as rows are written.
	Progress func(done, total int)
	// BatchSize is how many rows go in one transaction. Default 1000.
	BatchSize int
}

// Reject is a row that was not imported, and why.
type Reject struct {
	Line   int    `json:"line"`          // line in the file where the row starts
	Key    string `json:"key,omitempty"` // ORG/LOCATIONID when known
	Reason string `json:"reason"`
}

// ImportResult says what an import did. Imported counts the rows accepted:
// Created + Updated + Unchanged.
type ImportResult struct {
	Format      string   `json:"format"`
	Rows        int      `json:"rows"`
	Imported    int      `json:"imported"`
	Created     int      `json:"created"`
	Updated     int      `json:"updated"`
	Unchanged   int      `json:"unchanged"`
	OrgsCreated int      `json:"orgs_created"`
	Rejected    []Reject `json:"rejected"`
}

// ErrFormat means an import file is not Wi-Fi.HK open data at all.
var ErrFormat = errors.New("hotspots: import")

// row is one record of an import file by field name, with where it starts.
type row struct {
	line   int
	fields map[string]string
}

// importRow is a parsed row ready to upsert.
type importRow struct {
	line           int
	venue          Venue
	hotline, email string
}

// Import upserts the venues in a Wi-Fi.HK open-data CSV or JSON file by
// (OrganisationCode, LocationID). Rows that are wrong are rejected with
// their line and reason, and the rest still go in; importing the same file
// again changes nothing. Missing organisations are created.
func (r *Registry) Import(ctx context.Context, data []byte, opt ImportOptions) (ImportResult, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 1000
	}
	res := ImportResult{Format: opt.Format, Rejected: []Reject{}}
	if res.Format == "" {
		res.Format = DetectFormat(data)
	}
	var rows []row
	var err error
	switch res.Format {
	case "csv":
		rows, err = parseCSV(data, &res)
	case "json":
		rows, err = parseJSON(data, &res)
	default:
		return res, fmt.Errorf("%w: format %q is not csv or json", ErrFormat, res.Format)
	}
	if err != nil {
		return res, err
	}
	res.Rows = len(rows) + len(res.Rejected)
	good := r.checkRows(rows, &res)
	for start := 0; start < len(good); start += opt.BatchSize {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("hotspots: import: %w", err)
		}
		end := min(start+opt.BatchSize, len(good))
		if err := r.upsertBatch(good[start:end], &res); err != nil {
			return res, err
		}
		if opt.Progress != nil {
			opt.Progress(end, len(good))
		}
	}
	res.Imported = res.Created + res.Updated + res.Unchanged
	if res.Created+res.Updated > 0 {
		r.view.invalidateVenues()
	}
	if res.OrgsCreated > 0 {
		r.view.invalidateOrgs()
	}
	return res, nil
}

// DetectFormat guesses "json" or "csv" from a file's first byte.
func DetectFormat(data []byte) string {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), " \t\r\n")
	if len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return "json"
	}
	return "csv"
}

// checkRows turns rows into venues, rejecting bad and duplicate ones.
func (r *Registry) checkRows(rows []row, res *ImportResult) []importRow {
	seen := map[VenueKey]int{}
	out := make([]importRow, 0, len(rows))
	for _, rw := range rows {
		ir, err := venueFromRow(rw)
		key := ir.venue.Key()
		if ir.venue.Org == "" || ir.venue.LocationID == "" {
			key = ""
		}
		if err == nil {
			if first, dup := seen[key]; dup {
				err = fmt.Errorf("duplicate of line %d", first)
			}
		}
		if err != nil {
			res.Rejected = append(res.Rejected, Reject{Line: rw.line, Key: key.String(), Reason: strings.TrimPrefix(err.Error(), "hotspots: ")})
			continue
		}
		seen[key] = rw.line
		out = append(out, ir)
	}
	return out
}

func venueFromRow(rw row) (importRow, error) {
	ir := importRow{line: rw.line}
	v := &ir.venue
	for _, c := range openColumns {
		val, ok := rw.fields[c.name]
		if !ok {
			continue
		}
		switch c.kind {
		case colText:
			if c.name != "AreaEN" { // derived from the district
				*c.str(v) = val
			}
		case colLat, colLon:
			f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return ir, fieldErr(c.name, "%q is not a number", val)
			}
			if c.kind == colLat {
				v.Latitude = f
			} else {
				v.Longitude = f
			}
		case colCount:
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil && strings.TrimSpace(val) != "" {
				return ir, fieldErr(c.name, "%q is not a whole number", val)
			}
			v.Hotspots = n
		case colHotline:
			ir.hotline = strings.TrimSpace(val)
		case colEmail:
			ir.email = strings.TrimSpace(val)
		}
	}
	for _, req := range []string{"OrganisationCode", "LocationID", "Latitude", "Longitude"} {
		if strings.TrimSpace(rw.fields[req]) == "" {
			return ir, fieldErr(req, "required")
		}
	}
	if err := v.normalize(); err != nil {
		return ir, openFieldErr(err)
	}
	return ir, nil
}

// openFieldErr renames a venue field error to its open-data column.
func openFieldErr(err error) error {
	var fe *input.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	names := map[string]string{"organisation_code": "OrganisationCode", "location_id": "LocationID",
		"name_en": "LocationNameEN", "latitude": "Latitude", "longitude": "Longitude",
		"number_of_hotspots": "NumberOfHotspots", "district": "DistrictEN", "ssid": "SSID",
		"venue_type_en": "VenueTypeEN", "address_en": "AddressEN"}
	if n, ok := names[fe.Field]; ok {
		return fieldErr(n, "%s", fe.Problem)
	}
	return err
}

// upsertBatch writes one batch in one transaction, leaving unchanged rows
// alone so that a second import changes nothing.
func (r *Registry) upsertBatch(batch []importRow, res *ImportResult) error {
	var created, updated, unchanged, orgs int
	now := r.now().UTC()
	err := r.db.Update(func(tx *store.Tx) error {
		created, updated, unchanged, orgs = 0, 0, 0, 0
		for _, ir := range batch {
			n, err := upsertOrg(tx, ir, now)
			if err != nil {
				return err
			}
			orgs += n
			v := ir.venue
			var old Venue
			err = tx.Get(store.Venues, v.Key().String(), &old)
			switch {
			case errors.Is(err, store.ErrNotFound):
				v.Created, v.Updated = now, now
				created++
			case err != nil:
				return err
			default:
				v.Plan, v.Created, v.Updated = old.Plan, old.Created, old.Updated
				if v == old {
					unchanged++
					continue
				}
				v.Updated = now
				updated++
			}
			if err := tx.Put(store.Venues, v.Key().String(), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hotspots: import: %w", err)
	}
	res.Created += created
	res.Updated += updated
	res.Unchanged += unchanged
	res.OrgsCreated += orgs
	return nil
}

// upsertOrg creates a row's organisation when missing and fills support
// contacts it lacks; it returns 1 when it created one.
func upsertOrg(tx *store.Tx, ir importRow, now time.Time) (int, error) {
	var o Org
	err := tx.Get(store.Orgs, ir.venue.Org, &o)
	isNew := errors.Is(err, store.ErrNotFound)
	if err != nil && !isNew {
		return 0, err
	}
	changed := isNew
	if o.SupportHotline == "" && ir.hotline != "" && len(ir.hotline) <= 50 {
		o.SupportHotline, changed = ir.hotline, true
	}
	if o.SupportEmail == "" && ir.email != "" && validEmail(ir.email) {
		o.SupportEmail, changed = ir.email, true
	}
	if !changed {
		return 0, nil
	}
	if isNew {
		o.Code, o.Created = ir.venue.Org, now
	}
	o.Updated = now
	if err := tx.Put(store.Orgs, o.Code, o); err != nil {
		return 0, err
	}
	if isNew {
		return 1, nil
	}
	return 0, nil
}

// parseCSV reads a CSV with a header row of open-data field names. Rows
// with the wrong number of fields or broken quoting are rejected.
func parseCSV(data []byte, res *ImportResult) ([]row, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty: no header row", ErrFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: csv header: %v", ErrFormat, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if err := checkHeader(header); err != nil {
		return nil, err
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			res.Rejected = append(res.Rejected, Reject{Line: pe.StartLine, Reason: "csv: " + pe.Err.Error()})
			continue
		}
		if err != nil {
			return rows, fmt.Errorf("%w: csv: %v", ErrFormat, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			res.Rejected = append(res.Rejected, Reject{Line: line,
				Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		f := make(map[string]string, len(header))
		for i, h := range header {
			f[h] = liveCell(rec[i])
		}
		rows = append(rows, row{line: line, fields: f})
	}
}

func checkHeader(header []string) error {
	have := map[string]bool{}
	for _, h := range header {
		have[h] = true
	}
	for _, req := range []string{"OrganisationCode", "LocationID", "Latitude", "Longitude"} {
		if !have[req] {
			return fmt.Errorf("%w: header has no %s column (is this Wi-Fi.HK open data?)", ErrFormat, req)
		}
	}
	return nil
}

// parseJSON reads an array of objects with open-data field names, or an
// object holding such an array. An element that is not an object, or has
// a nested value, is rejected; broken JSON stops the import.
func parseJSON(data []byte, res *ImportResult) ([]row, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	lines := newLineCounter(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := openArray(dec); err != nil {
		return nil, fmt.Errorf("%w: json: %v", ErrFormat, err)
	}
	var rows []row
	for dec.More() {
		line := lines.at(int(dec.InputOffset()))
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				res.Rejected = append(res.Rejected, Reject{Line: line, Reason: "not a JSON object"})
				continue
			}
			return rows, fmt.Errorf("%w: json: line %d: %v", ErrFormat, line, err)
		}
		f, err := flatten(obj)
		if err != nil {
			res.Rejected = append(res.Rejected, Reject{Line: line, Reason: err.Error()})
			continue
		}
		rows = append(rows, row{line: line, fields: f})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return rows, fmt.Errorf("%w: json: the record array does not end (line %d)", ErrFormat, lines.at(int(dec.InputOffset())))
	}
	return rows, nil
}

// openArray reads up to the first '[' of the record array.
func openArray(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == json.Delim('[') {
		return nil
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("want an array of records, got %v", tok)
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil { // key
			return err
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == json.Delim('[') {
			return nil
		}
		if d, ok := tok.(json.Delim); ok && d == '{' {
			return fmt.Errorf("want an array of records, got a nested object")
		}
	}
	return fmt.Errorf("want an array of records")
}

func flatten(obj map[string]any) (map[string]string, error) {
	if obj["type"] == "Feature" { // a GeoJSON feature: the record is its properties
		props, ok := obj["properties"].(map[string]any)
		if !ok {
			return nil, fieldErr("properties", "a GeoJSON feature needs an object of properties")
		}
		obj = props
	}
	f := make(map[string]string, len(obj))
	for k, v := range obj {
		switch x := v.(type) {
		case nil:
			f[k] = ""
		case string:
			f[k] = x
		case json.Number:
			f[k] = x.String()
		case bool:
			f[k] = strconv.FormatBool(x)
		default:
			return nil, fieldErr(k, "must be a string or a number")
		}
	}
	return f, nil
}

// lineCounter maps byte offsets to 1-based line numbers; offsets must not
// go down.
type lineCounter struct {
	data      []byte
	off, line int
}

func newLineCounter(data []byte) *lineCounter { return &lineCounter{data: data, line: 1} }

func (c *lineCounter) at(off int) int {
	// Skip the separator and blanks up to the record itself.
	for off < len(c.data) && strings.IndexByte(", \t\r\n", c.data[off]) >= 0 {
		off++
	}
	if off < c.off {
		return c.line
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}

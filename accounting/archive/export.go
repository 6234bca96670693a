package archive

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
)

// Exporter writes records as JSON Lines or CSV.
type Exporter struct {
	json *json.Encoder
	csv  *csv.Writer
}

// CSVHeader is the first row of a CSV export.
var CSVHeader = []string{"id", "nas", "acct_session_id", "username", "mac", "framed_ip", "nas_addr", "class",
	"started", "updated", "stopped", "input_octets", "output_octets", "input_packets", "output_packets",
	"session_time_s", "terminate_cause", "stale"}

// NewExporter returns an Exporter of format "jsonl" or "csv" (which
// writes the header first); ok is false for another format.
func NewExporter(w io.Writer, format string) (e *Exporter, ok bool, err error) {
	switch format {
	case "jsonl":
		return &Exporter{json: json.NewEncoder(w)}, true, nil
	case "csv":
		c := csv.NewWriter(w)
		return &Exporter{csv: c}, true, c.Write(CSVHeader)
	}
	return nil, false, nil
}

// Write writes one record.
func (e *Exporter) Write(ss accounting.Session) error {
	if e.json != nil {
		return e.json.Encode(ss)
	}
	t := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format(time.RFC3339Nano)
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	c := hotspots.InertCell // outside input must not run as a spreadsheet formula
	return e.csv.Write([]string{c(ss.ID), c(ss.NAS), c(ss.AcctID), c(ss.Username), c(ss.MAC), ss.FramedIP, ss.NASAddr, c(ss.Class),
		t(ss.Started), t(ss.Updated), t(ss.Stopped), u(ss.InputOctets), u(ss.OutputOctets),
		u(uint64(ss.InputPackets)), u(uint64(ss.OutputPackets)), u(uint64(ss.SessionTime)),
		c(ss.TerminateCause), strconv.FormatBool(ss.Stale)})
}

// Flush flushes a CSV export and reports its error.
func (e *Exporter) Flush() error {
	if e.csv == nil {
		return nil
	}
	e.csv.Flush()
	return e.csv.Error()
}

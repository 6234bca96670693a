package usage

import (
	"fmt"
	"time"

	"github.com/axiomhq/hyperloglog"
)

// Cell is one hour of one scope's usage. Additive fields may be negative
// in a delta (a session closed as stale and reopened takes its figures
// back).
type Cell struct {
	Sessions  int64 `json:"sessions"`   // sessions started in the hour
	Devices   int64 `json:"devices"`    // distinct devices active in the hour (estimate)
	BytesUp   int64 `json:"bytes_up"`   // from the devices
	BytesDown int64 `json:"bytes_down"` // to the devices
	Seconds   int64 `json:"seconds"`    // session time within the hour
	Peak      int64 `json:"peak"`       // most sessions open at once
	// From the agents: reports received, the sum and the largest of their
	// clients-now figures (mean clients per AP = ClientsSum / APReports).
	APReports  int64 `json:"ap_reports,omitempty"`
	ClientsSum int64 `json:"clients_sum,omitempty"`
	ClientsMax int64 `json:"clients_max,omitempty"`
}

// add folds d into c (Peak and ClientsMax by maximum).
func (c *Cell) add(d *Cell) {
	c.Sessions += d.Sessions
	c.BytesUp += d.BytesUp
	c.BytesDown += d.BytesDown
	c.Seconds += d.Seconds
	c.Peak = max(c.Peak, d.Peak)
	c.APReports += d.APReports
	c.ClientsSum += d.ClientsSum
	c.ClientsMax = max(c.ClientsMax, d.ClientsMax)
}

// Minutes is the session time in whole minutes, rounded.
func (c *Cell) Minutes() int64 { return (c.Seconds + 30) / 60 }

// ClientsPerAP is the mean clients the agents reported per report.
func (c *Cell) ClientsPerAP() float64 {
	if c.APReports == 0 {
		return 0
	}
	return float64(c.ClientsSum) / float64(c.APReports)
}

// Precision is the sketches' precision: 2^14 registers, a relative
// standard error of 1.04/√16384 ≈ 0.81% once dense; a sparse sketch (a
// few thousand devices or fewer) is exact but for hash collisions.
const Precision = 14

// StdError is the sketch's stated relative standard error.
const StdError = 0.0081

func newSketch() *hyperloglog.Sketch {
	sk, err := hyperloglog.NewSketch(Precision, true)
	if err != nil {
		panic(err) // Precision is a valid constant
	}
	return sk
}

// decodeSketch reads a stored sketch.
func decodeSketch(raw []byte) (*hyperloglog.Sketch, error) {
	sk := newSketch()
	if err := sk.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("usage: decode sketch: %w", err)
	}
	return sk, nil
}

// Scope names what a cell covers.
type Scope string

// The scopes, each with its kind's prefix.
func VenueScope(v string) Scope    { return Scope("v:" + v) }
func DistrictScope(d string) Scope { return Scope("d:" + d) }
func TypeScope(t string) Scope     { return Scope("t:" + t) }
func OrgScope(o string) Scope      { return Scope("o:" + o) }
func CrossScope(d, t string) Scope { return Scope("x:" + d + "|" + t) }

// OrgDistrictScope and OrgTypeScope are one organisation's venues in a
// district or of a venue type: an operator's own heatmaps.
func OrgDistrictScope(o, d string) Scope { return Scope("od:" + o + "|" + d) }
func OrgTypeScope(o, t string) Scope     { return Scope("ot:" + o + "|" + t) }

// City is the whole city's scope.
const City Scope = "c:"

// Place is where a venue rolls up to.
type Place struct {
	District, VenueType, Org string
}

// Unknown names a district or venue type the registry does not know.
const Unknown = "(unknown)"

// scopes lists the scopes a venue's figures count in.
func (p Place) scopes(venue string) []Scope {
	d, t := p.District, p.VenueType
	if d == "" {
		d = Unknown
	}
	if t == "" {
		t = Unknown
	}
	o := p.Org
	if o == "" {
		o = Unknown
	}
	return []Scope{VenueScope(venue), DistrictScope(d), TypeScope(t), OrgScope(o), CrossScope(d, t),
		OrgDistrictScope(o, d), OrgTypeScope(o, t), City}
}

// hourOf is t's hour, UTC.
func hourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

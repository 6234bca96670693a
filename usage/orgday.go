package usage

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// An organisation's venues over one block of days (a day, a week, a
// month) are one record: a JSON string holding, in base64, a version
// byte, the count of venues and, for each in order of name, the venue's
// name after its organisation's code ("/LOCATION") and its Cell's nine
// figures as signed varints. One record per organisation instead of one
// per venue is what lets the city's ranking read 50,000 venues' days in
// a few records: about 35 bytes a venue, decoded without allocating.

const orgDayVersion = 1

// venueFigures is one venue's figures in an organisation's block.
type venueFigures struct {
	rest string // the venue's name after its organisation's code
	Cell
}

// splitVenue parts "org/location" into the organisation's code and the
// rest ("/location"); a venue without "/" is all organisation.
func splitVenue(venue string) (org, rest string) {
	i := strings.IndexByte(venue, '/')
	if i < 0 {
		return venue, ""
	}
	return venue[:i], venue[i:]
}

// cellFields are c's nine figures in their stored order.
func cellFields(c *Cell) [9]*int64 { return (*storedCell)(c).fields() }

// encodeOrgDay is the record of vs, which must be in order of rest.
func encodeOrgDay(vs []venueFigures) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(vs)*40)
	b = append(b, orgDayVersion)
	b = binary.AppendUvarint(b, uint64(len(vs)))
	for i := range vs {
		b = binary.AppendUvarint(b, uint64(len(vs[i].rest)))
		b = append(b, vs[i].rest...)
		for _, f := range cellFields(&vs[i].Cell) {
			b = binary.AppendVarint(b, *f)
		}
	}
	return b
}

var errOrgDay = errors.New("usage: organisation's days")

// walkOrgDay calls fn for each venue of the binary record b, in order;
// rest is valid only during the call. It rejects a record that is cut
// short, has bytes after its venues, or lists its venues out of order.
func walkOrgDay(b []byte, fn func(rest []byte, c *Cell)) error {
	if len(b) == 0 || b[0] != orgDayVersion {
		return fmt.Errorf("%w: unknown version", errOrgDay)
	}
	n, i := binary.Uvarint(b[1:])
	if i <= 0 || n > uint64(len(b)) {
		return fmt.Errorf("%w: bad venue count", errOrgDay)
	}
	b = b[1+i:]
	var prev []byte
	var c Cell
	for k := uint64(0); k < n; k++ {
		l, i := binary.Uvarint(b)
		if i <= 0 || l > uint64(len(b)-i) {
			return fmt.Errorf("%w: venue %d: bad name length", errOrgDay, k)
		}
		rest := b[i : i+int(l)]
		if k > 0 && string(rest) <= string(prev) {
			return fmt.Errorf("%w: venue %d: out of order", errOrgDay, k)
		}
		b = b[i+int(l):]
		for _, f := range cellFields(&c) {
			v, i := binary.Varint(b)
			if i <= 0 {
				return fmt.Errorf("%w: venue %d: bad figure", errOrgDay, k)
			}
			*f = v
			b = b[i:]
		}
		fn(rest, &c)
		prev = rest
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the venues", errOrgDay, len(b))
	}
	return nil
}

// decodeOrgDay reads the binary record b into its venues.
func decodeOrgDay(b []byte) ([]venueFigures, error) {
	var out []venueFigures
	err := walkOrgDay(b, func(rest []byte, c *Cell) { out = append(out, venueFigures{string(rest), *c}) })
	return out, err
}

// unquoteOrgDay decodes a stored record (a JSON string of base64) into
// buf, grown as needed, without allocating when buf is large enough.
func unquoteOrgDay(raw, buf []byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, fmt.Errorf("%w: not a JSON string", errOrgDay)
	}
	raw = raw[1 : len(raw)-1]
	buf = slices.Grow(buf[:0], base64.StdEncoding.DecodedLen(len(raw)))[:base64.StdEncoding.DecodedLen(len(raw))]
	n, err := base64.StdEncoding.Decode(buf, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errOrgDay, err)
	}
	return buf[:n], nil
}

// mergeVenues adds each delta to its venue in vs (both in order of rest),
// keeping the order; add folds one cell into another.
func mergeVenues(vs, ds []venueFigures, add func(dst, d *Cell)) []venueFigures {
	out := make([]venueFigures, 0, len(vs)+len(ds))
	i, j := 0, 0
	for i < len(vs) || j < len(ds) {
		switch {
		case j == len(ds) || i < len(vs) && vs[i].rest < ds[j].rest:
			out = append(out, vs[i])
			i++
		case i == len(vs) || ds[j].rest < vs[i].rest:
			v := venueFigures{rest: ds[j].rest}
			add(&v.Cell, &ds[j].Cell)
			out = append(out, v)
			j++
		default:
			v := vs[i]
			add(&v.Cell, &ds[j].Cell)
			out = append(out, v)
			i, j = i+1, j+1
		}
	}
	return out
}

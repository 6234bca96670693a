package telemetry

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/wifihk/wifihk/agent/wire"
)

// Errors of DecodeReport; the HTTP layer maps them to 413 and 400
// (ErrImplausible, in plausible.go, to 422).
var (
	ErrTooLarge  = errors.New("telemetry: report too large")
	ErrMalformed = errors.New("telemetry: malformed report")
)

// DecodeReport reads one report body, gzip or identity encoded, and
// validates it, against the physical bounds too (ErrImplausible). It reads at most wire.MaxBodyBytes from body and inflates to
// at most wire.MaxDecodedBytes. It allocates a new gzip reader each time;
// the service's DecodeReport reuses them.
func DecodeReport(body io.Reader, contentEncoding string) (*wire.Report, error) {
	return decodeReport(body, contentEncoding, nil)
}

// DecodeReport is the package's DecodeReport with the service's pool of
// gzip readers: a new reader allocates about 40 KB, which at hundreds of
// reports a second is most of the ingest's garbage.
func (s *Service) DecodeReport(body io.Reader, contentEncoding string) (*wire.Report, error) {
	return decodeReport(body, contentEncoding, &s.gzipReaders)
}

// decodeReport decodes with readers from pool, or new ones if pool is nil.
func decodeReport(body io.Reader, contentEncoding string, pool *sync.Pool) (*wire.Report, error) {
	raw := &io.LimitedReader{R: body, N: wire.MaxBodyBytes + 1}
	var rd io.Reader = raw
	switch contentEncoding {
	case "gzip":
		var zr *gzip.Reader
		if pool != nil {
			zr, _ = pool.Get().(*gzip.Reader)
		}
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(raw)
		} else {
			err = zr.Reset(raw)
		}
		if err != nil {
			return nil, tooLargeOr(raw, nil, fmt.Errorf("%w: gzip: %v", ErrMalformed, err))
		}
		if pool != nil {
			defer pool.Put(zr)
		}
		rd = zr
	case "", "identity":
	default:
		return nil, fmt.Errorf("%w: Content-Encoding %q is not gzip", ErrMalformed, contentEncoding)
	}
	inflated := &io.LimitedReader{R: rd, N: wire.MaxDecodedBytes + 1}
	dec := json.NewDecoder(inflated)
	var r wire.Report
	if err := dec.Decode(&r); err != nil {
		return nil, tooLargeOr(raw, inflated, fmt.Errorf("%w: json: %v", ErrMalformed, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, tooLargeOr(raw, inflated, fmt.Errorf("%w: json: data after the report", ErrMalformed))
	}
	if raw.N <= 0 || inflated.N <= 0 {
		return nil, tooLargeOr(raw, inflated, nil)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := plausible(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// tooLargeOr says ErrTooLarge when a limit was hit, which is why decoding
// failed, and err otherwise.
func tooLargeOr(raw, inflated *io.LimitedReader, err error) error {
	// A body cut short by a limit fails to parse first; read on (bounded)
	// to tell a large body from a malformed one.
	if inflated != nil {
		io.Copy(io.Discard, inflated)
	}
	io.Copy(io.Discard, raw)
	switch {
	case raw.N <= 0:
		return fmt.Errorf("%w: body over %d bytes", ErrTooLarge, wire.MaxBodyBytes)
	case inflated != nil && inflated.N <= 0:
		return fmt.Errorf("%w: over %d bytes when inflated", ErrTooLarge, wire.MaxDecodedBytes)
	}
	return err
}

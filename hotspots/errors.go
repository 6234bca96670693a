package hotspots

import (
	"errors"
	"fmt"

	"github.com/wifihk/wifihk/internal/input"
)

var (
	// ErrNotFound means no record has that key.
	ErrNotFound = errors.New("hotspots: not found")
	// ErrExists means a record with that key already exists.
	ErrExists = errors.New("hotspots: already exists")
	// ErrBadToken means a token matches no AP.
	ErrBadToken = errors.New("hotspots: unknown token")
	// ErrInUse means a record is still referred to (an organisation with
	// venues, a venue with NAS or APs, a plan that venues use).
	ErrInUse = errors.New("hotspots: in use")
)

// fieldErr is an input error (a *input.FieldError) naming the field that is wrong.
func fieldErr(name, format string, a ...any) error {
	return fmt.Errorf("hotspots: %w", input.Errorf(name, format, a...))
}

package hotspots

import (
	"errors"
	"fmt"
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

// FieldError is an input error that names the field that is wrong and says
// what is wrong with it.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return "hotspots: " + e.Field + ": " + e.Problem }

// FieldName is the field that is wrong.
func (e *FieldError) FieldName() string { return e.Field }

// Reason says what is wrong with it.
func (e *FieldError) Reason() string { return e.Problem }

func fieldErr(field, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)}
}

// Package input has the one error type for input that is wrong: it names
// the field and says what is wrong with it. Domain packages (hotspots,
// staff) return it; the API answers it with 422 naming the field, and the
// console marks the field in its form.
package input

import "fmt"

// FieldError is an input error that names the field that is wrong.
type FieldError struct {
	Field   string // as the API and the forms name it, e.g. "location_id"
	Problem string // what is wrong with it, e.g. "must be 1-100 characters"
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Errorf returns a FieldError for field with a formatted problem.
func Errorf(field, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)}
}

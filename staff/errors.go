package staff

import (
	"errors"
	"fmt"
)

var (
	// ErrUnauthenticated means the token, session or password is wrong,
	// expired, or belongs to a disabled or deleted account.
	ErrUnauthenticated = errors.New("auth: not authenticated")
	// ErrThrottled means too many failed logins for that username lately.
	ErrThrottled = errors.New("auth: too many failed logins, try again later")
	// ErrNotFound means no staff account has that username.
	ErrNotFound = errors.New("auth: no such staff account")
	// ErrExists means the username is taken.
	ErrExists = errors.New("auth: username taken")
)

// FieldError names the input field that is wrong and why.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return "auth: " + e.Field + ": " + e.Problem }

// FieldName is the field that is wrong.
func (e *FieldError) FieldName() string { return e.Field }

// Reason says what is wrong with it.
func (e *FieldError) Reason() string { return e.Problem }

func fieldErr(field, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)}
}

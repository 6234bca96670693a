package staff

import (
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/internal/input"
)

var (
	// ErrUnauthenticated means the token, sign-in or password is wrong,
	// expired, or belongs to a disabled or deleted account.
	ErrUnauthenticated = errors.New("auth: not authenticated")
	// ErrThrottled means too many failed logins for that username lately.
	ErrThrottled = errors.New("auth: too many failed logins, try again later")
	// ErrNotFound means no staff account has that username.
	ErrNotFound = errors.New("auth: no such staff account")
	// ErrExists means the username is taken.
	ErrExists = errors.New("auth: username taken")
	// ErrLastAdmin means the change would leave no active admin to manage
	// staff.
	ErrLastAdmin = errors.New("auth: the last active admin cannot be demoted, disabled or deleted")
)

// fieldErr is an input error (a *input.FieldError) naming the field that is wrong.
func fieldErr(name, format string, a ...any) error {
	return fmt.Errorf("auth: %w", input.Errorf(name, format, a...))
}

// Throttled is Login's error while a username backs off after failed
// logins; it wraps ErrThrottled and says when to try again.
type Throttled struct{ After time.Duration }

func (e *Throttled) Error() string {
	return fmt.Sprintf("%v (retry in %ds)", ErrThrottled, int((e.After+time.Second-1)/time.Second))
}

func (e *Throttled) Unwrap() error { return ErrThrottled }

package visitors

import "strings"

// IsFreePass reports whether a RADIUS User-Name is a free pass's name.
func IsFreePass(username string) bool { return strings.HasPrefix(username, passPrefix) }

// IsVoucherName reports whether a RADIUS User-Name is a voucher's stored
// name.
func IsVoucherName(username string) bool { return strings.HasPrefix(username, voucherPrefix) }

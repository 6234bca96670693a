package radius

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc4372"
)

// Chargeable-User-Identity (RFC 4372). A NAS that supports it puts the
// attribute in its Access-Request (a single NUL byte at first, the CUI it
// was given when re-authenticating); the Access-Accept then carries the
// visitor's CUI, which the NAS repeats in accounting. It is a pseudonym:
// stable for one account at one operator, unrelated across operators (the
// organisation of the NAS's venue, or the NAS itself when it has none), so
// two organisations cannot join their records by it, and it does not
// reveal the account name even where the outer identity was anonymous.

// cuiPrefix versions the pseudonym's form.
const cuiPrefix = "whkcui1-"

// cui returns the Chargeable-User-Identity for user when the request asks
// for one and a key is configured, else nothing.
func (a *Authenticator) cui(r *Request, user string) layeh.Attributes {
	if len(a.cfg.CUIKey) == 0 || r.Get(rfc4372.ChargeableUserIdentity_Type) == nil {
		return nil
	}
	return layeh.Attributes{{Type: rfc4372.ChargeableUserIdentity_Type, Attribute: cuiFor(a.cfg.CUIKey, cuiOperator(r), user)}}
}

// cuiOperator is the scope of a pseudonym: the NAS's organisation.
func cuiOperator(r *Request) string {
	if org := r.NAS.Hotspot.Org(); org != "" {
		return "org:" + org
	}
	return "nas:" + r.NAS.ID
}

func cuiFor(key []byte, operator, user string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(operator))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return []byte(cuiPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18]))
}

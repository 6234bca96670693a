package radius

import (
	"context"
	"errors"
	"fmt"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/vendors/microsoft"

	"github.com/wifihk/wifihk/radius/eap"
)

// Reasons for EAP rejections and drops: labels of wifihk_radius_auth_total.
const (
	rejectEAPOff     = "eap_not_enabled"     // no EAP server configured
	rejectEAPInvalid = "eap_invalid"         // bad EAP, unknown or expired State
	rejectEAPMethod  = "eap_method_failed"   // TLS or inner protocol failed
	dropEAPNoMA      = "eap_no_message_auth" // dropped: RFC 3579 §3.2
)

// serveEAP answers an Access-Request that carries EAP-Message (RFC 3579):
// an Access-Challenge while the conversation runs, then an Access-Accept
// with EAP-Success and the MPPE keys, or an Access-Reject with
// EAP-Failure. The inner identity is decided by the same rules as PAP and
// is the User-Name of the Accept, which the NAS uses for accounting.
func (a *Authenticator) serveEAP(ctx context.Context, r *Request) (Response, error) {
	if !r.HasMA { // RFC 3579 §3.2: silently discarded, whatever the NAS's policy
		a.cfg.Metrics.auth.WithLabelValues(dropEAPNoMA).Inc()
		return Response{}, nil
	}
	msg, err := eap.FromAttributes(r.Attributes)
	if err != nil {
		return a.eapReject(r, msg, &rejection{rejectEAPInvalid, err}), nil
	}
	if a.eap == nil {
		return a.eapReject(r, msg, &rejection{rejectEAPOff, nil}), nil
	}
	rep, err := a.eap.Handle(ctx, msg, rfc2865.State_Get(r.Packet))
	st := a.eap.Stats()
	a.cfg.Metrics.eapConvs.WithLabelValues("pre_tls").Set(float64(st.Conversations))
	a.cfg.Metrics.eapConvs.WithLabelValues("tls").Set(float64(st.Tunnels))
	switch {
	case errors.Is(err, eap.ErrBusy):
		return Response{}, nil // a retransmission while the first is handled
	case err != nil:
		return a.eapReject(r, msg, &rejection{rejectEAPInvalid, err}), nil
	case rep.Done == nil:
		attrs := eap.ToAttributes(rep.EAP)
		if rep.State != nil {
			attrs = append(attrs, &layeh.AVP{Type: rfc2865.State_Type, Attribute: rep.State})
		}
		return Response{Code: layeh.CodeAccessChallenge, Attributes: attrs}, nil
	}
	o := rep.Done
	switch {
	case errors.Is(o.Err, eap.ErrBadPassword):
		return a.eapFail(r, o, &rejection{rejectPassword, nil}), nil
	case o.Err != nil:
		return a.eapFail(r, o, &rejection{rejectEAPMethod, o.Err}), nil
	}
	g, rej, err := a.eapAdmit(ctx, r, o)
	if err != nil {
		a.eap.Finish(o, false)
		return Response{}, err
	}
	if rej != nil {
		return a.eapFail(r, o, rej), nil
	}
	a.cfg.Metrics.auth.WithLabelValues(resultAccept).Inc()
	a.cfg.Metrics.eap.WithLabelValues(o.Method, resultAccept).Inc()
	attrs := g.attributes(&a.planAttrs)
	attrs = append(attrs, eap.ToAttributes(a.eap.Finish(o, true))...)
	attrs = append(attrs, &layeh.AVP{Type: rfc2865.UserName_Type, Attribute: layeh.Attribute(o.User)})
	attrs = append(attrs, a.cui(r, o.User)...) // of the inner identity, never the outer
	keys, err := mppeKeys(r, o.MSK)
	if err != nil {
		return Response{}, err
	}
	return Response{Code: layeh.CodeAccessAccept, Attributes: append(attrs, keys...)}, nil
}

// eapAdmit checks the inner credentials (PAP against the same hash as the
// portal; nothing more when MSCHAPv2 in the tunnel checked them, or for a
// resumed session, whose identity was accepted before, on this node or
// another, if the account of that name is still the one accepted) and
// applies the same admission rules as for PAP.
func (a *Authenticator) eapAdmit(ctx context.Context, r *Request, o *eap.Outcome) (grant, *rejection, error) {
	cred, rej, err := a.usable(o.User)
	if rej != nil || err != nil {
		return grant{}, rej, err
	}
	if o.Resumed && (cred.Org != o.Org || !cred.Created.Equal(o.AccountCreated)) {
		return grant{}, &rejection{rejectUnusable, errResumedOther}, nil
	}
	o.Org, o.AccountCreated = cred.Org, cred.Created // what a resumption of this session must find
	if !o.Checked {
		ok, err := a.checkPAP(ctx, cred, o.Password)
		if err != nil {
			return grant{}, nil, err
		}
		if !ok {
			return grant{}, &rejection{rejectPassword, nil}, nil
		}
	}
	mac := normalMAC(rfc2865.CallingStationID_GetString(r.Packet))
	return a.admit(cred, o.User, r, mac, false)
}

// eapFail rejects a conversation that ran to its end.
func (a *Authenticator) eapFail(r *Request, o *eap.Outcome, rej *rejection) Response {
	method := o.Method
	if method == "" {
		method = "none" // failed before an inner method
	}
	a.cfg.Metrics.eap.WithLabelValues(method, "reject").Inc()
	resp := a.reject(r, rej)
	resp.Attributes = append(resp.Attributes, eap.ToAttributes(a.eap.Finish(o, false))...)
	return resp
}

// eapReject rejects a request refused before or without a conversation,
// with an EAP-Failure answering msg's identifier.
func (a *Authenticator) eapReject(r *Request, msg []byte, rej *rejection) Response {
	resp := a.reject(r, rej)
	var id byte
	if len(msg) > 1 {
		id = msg[1]
	}
	resp.Attributes = append(resp.Attributes, eap.ToAttributes(eap.Failure(id))...)
	return resp
}

// mppeKeys encrypts the MSK's halves as MS-MPPE-Recv-Key and
// MS-MPPE-Send-Key (RFC 2548 §2.4, keyed on the request's authenticator).
func mppeKeys(r *Request, msk []byte) (layeh.Attributes, error) {
	p := &layeh.Packet{Secret: r.Secret, Authenticator: r.Authenticator}
	if err := microsoft.MSMPPERecvKey_Add(p, msk[:32]); err != nil {
		return nil, err
	}
	if err := microsoft.MSMPPESendKey_Add(p, msk[32:64]); err != nil {
		return nil, err
	}
	return p.Attributes, nil
}

// ntHash is the NT hash of an account's password for inner MSCHAPv2. Only
// accounts that keep a recoverable password (the CHAP opt-in) have one.
func (a *Authenticator) ntHash(_ context.Context, user string) ([16]byte, error) {
	c, rej, err := a.usable(user)
	if rej != nil {
		err = rej.err
	}
	if err != nil {
		return [16]byte{}, err
	}
	secret, err := a.cfg.Credentials.Secret(c)
	if err != nil {
		return [16]byte{}, fmt.Errorf("radius: MSCHAPv2 needs a recoverable password (CHAP enabled): %w", err)
	}
	return eap.NTHash(secret), nil
}

// EAP is the EAP server, nil when EAP is not configured.
func (a *Authenticator) EAP() *eap.Server { return a.eap }

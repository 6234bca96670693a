package radius

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/radius/vendors/chillispot"
)

// SessionStore records accounting; sessions.Store implements it.
type SessionStore interface {
	Apply(u accounting.Update) (applied bool, err error)
	ApplyAll(us []accounting.Update) (applied []bool, errs []error)
}

// Accounting answers Accounting-Requests once their record is durable.
type Accounting struct {
	store SessionStore
	log   *slog.Logger
	now   func() time.Time
}

// NewAccounting returns the accounting handler.
func NewAccounting(st SessionStore, log *slog.Logger) *Accounting {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Accounting{store: st, log: log.With("component", "radius-acct"), now: time.Now}
}

// ServeRADIUS implements Handler. It answers only after the store has
// made the record durable; a store error sends nothing, so the NAS retries.
func (h *Accounting) ServeRADIUS(_ context.Context, r *Request) (Response, error) {
	u, ok, err := h.decode(r)
	if err != nil {
		return Response{}, err
	}
	if ok {
		if _, err := h.store.Apply(u); err != nil {
			return Response{}, err
		}
		if u.Status == accounting.On || u.Status == accounting.Off {
			h.log.Info("NAS restarted: its open sessions are closed", "nas", r.NAS.Name, "status", rfc2866.AcctStatusType(u.Status).String())
		}
	}
	return Response{Code: layeh.CodeAccountingResponse}, nil
}

// ServeRADIUSBatch implements BatchHandler: the batch's records are
// queued together and each answered once it is durable.
func (h *Accounting) ServeRADIUSBatch(_ context.Context, rs []*Request) ([]Response, []error) {
	resps, errs := make([]Response, len(rs)), make([]error, len(rs))
	us, idx := make([]accounting.Update, 0, len(rs)), make([]int, 0, len(rs))
	for i, r := range rs {
		u, ok, err := h.decode(r)
		switch {
		case err != nil:
			errs[i] = err
			continue
		case ok:
			us, idx = append(us, u), append(idx, i)
		}
		resps[i] = Response{Code: layeh.CodeAccountingResponse}
	}
	_, aerrs := h.store.ApplyAll(us)
	for k, i := range idx {
		if aerrs[k] != nil {
			resps[i], errs[i] = Response{}, aerrs[k]
			continue
		}
		if u := us[k]; u.Status == accounting.On || u.Status == accounting.Off {
			h.log.Info("NAS restarted: its open sessions are closed", "nas", rs[i].NAS.Name, "status", rfc2866.AcctStatusType(u.Status).String())
		}
	}
	return resps, errs
}

// decode turns a packet into a session update. ok is false for a defined
// status wifihk does not record (tunnel accounting, Failed), which is
// acknowledged all the same; an undefined status is an error, so the
// request is dropped, as FreeRADIUS does, rather than acknowledged.
func (h *Accounting) decode(r *Request) (accounting.Update, bool, error) {
	p := r.Packet
	st, err := rfc2866.AcctStatusType_Lookup(p)
	if err != nil {
		return accounting.Update{}, false, fmt.Errorf("radius: accounting: Acct-Status-Type: %w", err)
	}
	u := accounting.Update{NAS: r.NAS.ID, Status: accounting.Status(st), NASAddr: r.Src.Addr().String(),
		Venue: string(r.NAS.Hotspot), Realm: r.Realm}
	switch u.Status {
	case accounting.Start, accounting.Stop, accounting.Interim, accounting.On, accounting.Off:
	case 9, 10, 11, 12, 13, 14, 15: // Tunnel-* (RFC 2867) and Failed (RFC 2866)
		return u, false, nil
	default:
		return u, false, fmt.Errorf("radius: accounting: Acct-Status-Type %d is not defined", uint32(st))
	}
	u.AcctID = rfc2866.AcctSessionID_GetString(p)
	if u.AcctID == "" && u.Status != accounting.On && u.Status != accounting.Off {
		return u, false, fmt.Errorf("radius: accounting: Acct-Session-Id missing")
	}
	delay := time.Duration(rfc2866.AcctDelayTime_Get(p)) * time.Second
	u.At = h.now().Add(-delay)
	u.Username = rfc2865.UserName_GetString(p)
	u.MAC = normalMAC(rfc2865.CallingStationID_GetString(p))
	if ip := rfc2865.FramedIPAddress_Get(p); ip != nil {
		u.FramedIP = ip.String()
	}
	u.Class = string(rfc2865.Class_Get(p))
	u.InputOctets = uint64(rfc2869.AcctInputGigawords_Get(p))<<32 | uint64(rfc2866.AcctInputOctets_Get(p))
	u.OutputOctets = uint64(rfc2869.AcctOutputGigawords_Get(p))<<32 | uint64(rfc2866.AcctOutputOctets_Get(p))
	u.InputPackets = uint32(rfc2866.AcctInputPackets_Get(p))
	u.OutputPackets = uint32(rfc2866.AcctOutputPackets_Get(p))
	u.SessionTime = uint32(rfc2866.AcctSessionTime_Get(p))
	if tc, err := rfc2866.AcctTerminateCause_Lookup(p); err == nil {
		u.TerminateCause = tc.String()
	}
	if chillispot.ChilliSpotAcctViewPoint_Get(p) == chillispot.ChilliSpotAcctViewPoint_Value_ChilliSpotClientViewPoint {
		clientView(&u)
	}
	return u, true, nil
}

// clientView turns counts from the client's side into the NAS's side,
// which wifihk keeps (RFC 2866: input is what the NAS received from the
// client): CoovaChilli counts from the client's side unless swapoctets is
// set, and says which with ChilliSpot-Acct-View-Point.
func clientView(u *accounting.Update) {
	u.InputOctets, u.OutputOctets = u.OutputOctets, u.InputOctets
	u.InputPackets, u.OutputPackets = u.OutputPackets, u.InputPackets
}

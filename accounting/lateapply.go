package accounting

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/wifihk/wifihk/internal/store"
)

// A record applied late holds sessions as this node knew them when it
// acknowledged their packets: after a crash (replay), or when this node
// was too slow to answer. Meanwhile the NAS, getting no answer, sent the
// next packets to another node sharing the store, which wrote newer
// records of the same sessions (a Stop, higher counters). Written as it
// is, the late record would overwrite them: counters back down, a stopped
// session open again. So the applier writes a session that the store
// holds ahead of the record in any way as a fold of what the record knew
// (outage.go), which merges into the stored one and can only grow it; a
// session the store lacks, or holds behind the record, is written as
// recorded.

// foldBehind returns recs with each session record that the store holds
// ahead of it turned into a fold, and that session's index keys left to
// the fold.
func foldBehind(tx *store.Tx, recs [][]op) ([][]op, error) {
	var keys []string
	for _, ops := range recs {
		for _, o := range ops {
			if o.fold == 0 && !o.del && strings.HasPrefix(o.key, "s/") {
				keys = append(keys, o.key)
			}
		}
	}
	stored := map[string]Session{}
	err := tx.GetRawMany(store.Sessions, keys, func(k string, raw []byte) error {
		var ss Session
		if err := json.Unmarshal(raw, &ss); err == nil {
			stored[k] = ss
		}
		return nil // a damaged record is reported by the store; the record replaces it
	})
	if err != nil || len(stored) == 0 {
		return recs, err
	}
	out := make([][]op, len(recs))
	for i, ops := range recs {
		if out[i], err = foldAhead(ops, stored); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// foldAhead turns ops' puts of sessions stored ahead of them into folds
// and drops those sessions' index keys (u/…, n/…), which the fold sets.
func foldAhead(ops []op, stored map[string]Session) ([]op, error) {
	folded := map[string]bool{} // NAS\x00Acct-Session-Id
	out := make([]op, 0, len(ops))
	for _, o := range ops {
		st, ok := stored[o.key]
		if o.fold != 0 || o.del || !ok {
			out = append(out, o)
			continue
		}
		var ss Session
		if err := json.Unmarshal(o.val, &ss); err != nil || ss.Stale || o.key != sessKey(ss.NAS, ss.AcctID) ||
			!ahead(st, ss) || reuseOf(st, updateOf(ss)) != "" {
			// Behind, a stale close, a session moved aside, or a new
			// session under a reused id: as recorded.
			out = append(out, o)
			continue
		}
		raw, err := json.Marshal(updateOf(ss))
		if err != nil {
			return nil, err
		}
		out = append(out, op{fold: foldUpdate, key: o.key, val: raw})
		folded[ss.NAS+"\x00"+ss.AcctID] = true
	}
	return dropIndexes(out, folded), nil
}

// ahead reports whether stored has anything rec lacks: a Stop, higher
// counters, a later update.
func ahead(stored, rec Session) bool {
	return (!stored.Open && rec.Open) || stored.InputOctets > rec.InputOctets || stored.OutputOctets > rec.OutputOctets ||
		stored.InputPackets > rec.InputPackets || stored.OutputPackets > rec.OutputPackets ||
		stored.SessionTime > rec.SessionTime || stored.Updated.After(rec.Updated)
}

// dropIndexes leaves out the open-session index keys of the sessions in
// folded.
func dropIndexes(ops []op, folded map[string]bool) []op {
	if len(folded) == 0 {
		return ops
	}
	return slices.DeleteFunc(ops, func(o op) bool {
		if o.fold != 0 {
			return false
		}
		if rest, ok := strings.CutPrefix(o.key, "n/"); ok {
			return folded[rest]
		}
		if rest, ok := strings.CutPrefix(o.key, "u/"); ok {
			_, session, _ := strings.Cut(rest, "\x00") // after the username
			return folded[session]
		}
		return false
	})
}

// updateOf is the packet that brings a session to what ss records.
func updateOf(ss Session) Update {
	u := Update{NAS: ss.NAS, AcctID: ss.AcctID, Status: Interim, Username: ss.Username, MAC: ss.MAC,
		FramedIP: ss.FramedIP, NASAddr: ss.NASAddr, Venue: ss.Venue, Class: ss.Class,
		InputOctets: ss.InputOctets, OutputOctets: ss.OutputOctets, InputPackets: ss.InputPackets,
		OutputPackets: ss.OutputPackets, SessionTime: ss.SessionTime, At: ss.Updated}
	if !ss.Open {
		u.Status, u.TerminateCause, u.At = Stop, ss.TerminateCause, ss.Stopped
	}
	return u
}

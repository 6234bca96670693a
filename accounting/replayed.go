package accounting

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/wifihk/wifihk/internal/store"
)

// A record replayed after a crash holds sessions as this node knew them
// when it acknowledged their packets, maybe seconds ago. Meanwhile the
// NAS, getting no answer, sent the next packets to another node sharing
// the store, which wrote newer records of the same sessions (a Stop,
// higher counters). Written as it is, the replayed record would overwrite
// them: counters back down, a stopped session open again. So replay
// writes a session the store already has as a fold of what the record
// knew (outage.go), which merges into the stored one and can only grow
// it; a session the store lacks is written as recorded.

// replayed returns recs with each session record the store already has
// turned into a fold, and that session's index keys left to the fold.
func replayed(tx *store.Tx, recs [][]op) ([][]op, error) {
	var keys []string
	for _, ops := range recs {
		for _, o := range ops {
			if o.fold == 0 && !o.del && strings.HasPrefix(o.key, "s/") {
				keys = append(keys, o.key)
			}
		}
	}
	stored := map[string]bool{}
	err := tx.GetRawMany(store.Sessions, keys, func(k string, _ []byte) error {
		stored[k] = true
		return nil
	})
	if err != nil || len(stored) == 0 {
		return recs, err
	}
	out := make([][]op, len(recs))
	for i, ops := range recs {
		if out[i], err = foldStored(ops, stored); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// foldStored turns ops' puts of the stored sessions into folds and drops
// those sessions' index keys (u/…, n/…), which the fold sets itself.
func foldStored(ops []op, stored map[string]bool) ([]op, error) {
	folded := map[string]bool{} // NAS\x00Acct-Session-Id
	out := make([]op, 0, len(ops))
	for _, o := range ops {
		if o.fold != 0 || o.del || !stored[o.key] {
			out = append(out, o)
			continue
		}
		var ss Session
		if err := json.Unmarshal(o.val, &ss); err != nil || ss.Stale || o.key != sessKey(ss.NAS, ss.AcctID) {
			out = append(out, o) // a stale close or a session moved aside: as recorded
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

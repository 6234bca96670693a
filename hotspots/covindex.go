package hotspots

import "strings"

// coverageIndex joins the venue and AP snapshots by venue position, so that
// coverage adds up arrays instead of looking up strings.
type coverageIndex struct {
	venueGen, apGen uint64
	venues          *venueSnapshot
	apsPer          []int32          // APs per venue
	bySeq           []int32          // AP "ap-N" → venue, -1 for none
	byID            map[string]int32 // APs with other IDs → venue
	district        []uint8          // per venue, index into districts
	typeOf          []int32          // per venue, index into types
	types           []string
}

// coverageIndex returns the index for the current snapshots.
func (r *Registry) coverageIndex() (*coverageIndex, error) {
	vs, err := r.venues()
	if err != nil {
		return nil, err
	}
	as, err := r.aps()
	if err != nil {
		return nil, err
	}
	if ci := r.view.cov.Load(); ci != nil && ci.venueGen == vs.gen && ci.apGen == as.gen {
		return ci, nil
	}
	r.view.covMu.Lock()
	defer r.view.covMu.Unlock()
	if ci := r.view.cov.Load(); ci != nil && ci.venueGen == vs.gen && ci.apGen == as.gen {
		return ci, nil
	}
	ci := buildCoverageIndex(vs, as)
	r.view.cov.Store(ci)
	return ci, nil
}

func buildCoverageIndex(vs *venueSnapshot, as *apSnapshot) *coverageIndex {
	ci := &coverageIndex{venueGen: vs.gen, apGen: as.gen, venues: vs, apsPer: make([]int32, len(vs.list)),
		byID: map[string]int32{}, district: make([]uint8, len(vs.list)), typeOf: make([]int32, len(vs.list))}
	distIdx := map[string]uint8{}
	for i, d := range districts {
		distIdx[d.EN] = uint8(i)
	}
	typeIdx := map[string]int32{}
	for i := range vs.list {
		v := &vs.list[i]
		ci.district[i] = distIdx[v.District]
		t, ok := typeIdx[v.TypeEN]
		if !ok {
			t = int32(len(ci.types))
			typeIdx[v.TypeEN] = t
			ci.types = append(ci.types, v.TypeEN)
		}
		ci.typeOf[i] = t
	}
	for _, id := range as.ids {
		vi, ok := vs.byKey[as.venueOf[id]]
		if !ok {
			vi = -1
		} else {
			ci.apsPer[vi]++
		}
		if n, ok := apSeq(id); ok && n < 1<<24 {
			for len(ci.bySeq) <= n {
				ci.bySeq = append(ci.bySeq, -1)
			}
			ci.bySeq[n] = vi
		} else {
			ci.byID[id] = vi
		}
	}
	return ci
}

// apSeq parses the N of an AP id "ap-N".
func apSeq(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, "ap-")
	if !ok {
		return 0, false
	}
	if rest == "" || len(rest) > 9 || (rest[0] == '0' && rest != "0") {
		return 0, false // not the canonical form AddAP writes
	}
	n := 0
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// venueOfAP is the venue index of an AP id, or -1.
func (ci *coverageIndex) venueOfAP(id string) int32 {
	if n, ok := apSeq(id); ok && n < len(ci.bySeq) {
		return ci.bySeq[n]
	}
	if vi, ok := ci.byID[id]; ok {
		return vi
	}
	return -1
}

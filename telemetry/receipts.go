package telemetry

import (
	"sort"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// A receipt says that an AP's reports Lo through Hi were stored. It is kept
// in store.Reports at apID/SeqKey(Lo), written in the transaction that
// counts the report, so a resend is never counted twice however late it
// comes.
//
// One receipt covers a run of consecutive sequence numbers rather than one
// report: agents send in order, so an AP's receipts are nearly always one
// run that grows by one each interval, and a gap (a report refused, or
// dropped from a full spool) starts another. One record per report would
// be 72 million records a day for 50,000 APs reporting every minute.
type receipt struct {
	Lo uint64    `json:"lo"`
	Hi uint64    `json:"hi"`
	At time.Time `json:"at"` // when the run last grew
}

// maxRuns bounds one AP's receipts. Beyond it the lowest run is forgotten
// and the AP's receipt floor rises to its end (see Status.ReceiptFloor).
const maxRuns = 256

func receiptKey(apID string, lo uint64) string { return apID + "/" + store.SeqKey(lo) }

// receipts are one AP's runs, sorted by Lo, as read in a transaction.
type receipts struct {
	apID string
	runs []receipt
}

func loadReceipts(tx *store.Tx, apID string) (*receipts, error) {
	runs, err := store.List(tx, store.Reports, store.Query[receipt]{Prefix: apID + "/"})
	return &receipts{apID: apID, runs: runs}, err
}

// find returns the index of the first run that starts after seq.
func (rc *receipts) find(seq uint64) int {
	return sort.Search(len(rc.runs), func(i int) bool { return rc.runs[i].Lo > seq })
}

// has reports whether seq was stored.
func (rc *receipts) has(seq uint64) bool {
	i := rc.find(seq)
	return i > 0 && rc.runs[i-1].Hi >= seq
}

// add records seq (not yet stored), joining it to the runs beside it. It
// returns the new receipt floor when it had to forget the lowest run.
func (rc *receipts) add(tx *store.Tx, seq uint64, now time.Time) (floor uint64, err error) {
	i := rc.find(seq)
	left := i > 0 && rc.runs[i-1].Hi+1 == seq
	right := i < len(rc.runs) && rc.runs[i].Lo-1 == seq
	switch {
	case left && right: // seq closes a gap: two runs become one
		rc.runs[i-1].Hi, rc.runs[i-1].At = rc.runs[i].Hi, now
		if err := tx.Delete(store.Reports, receiptKey(rc.apID, rc.runs[i].Lo)); err != nil {
			return 0, err
		}
		rc.runs = append(rc.runs[:i], rc.runs[i+1:]...)
		i--
	case left:
		rc.runs[i-1].Hi, rc.runs[i-1].At = seq, now
		i--
	case right: // the run now starts at seq: its key changes
		if err := tx.Delete(store.Reports, receiptKey(rc.apID, rc.runs[i].Lo)); err != nil {
			return 0, err
		}
		rc.runs[i].Lo, rc.runs[i].At = seq, now
	default:
		rc.runs = append(rc.runs, receipt{})
		copy(rc.runs[i+1:], rc.runs[i:])
		rc.runs[i] = receipt{Lo: seq, Hi: seq, At: now}
	}
	if err := tx.Put(store.Reports, receiptKey(rc.apID, rc.runs[i].Lo), &rc.runs[i]); err != nil {
		return 0, err
	}
	if len(rc.runs) > maxRuns {
		lowest := rc.runs[0].Lo
		return rc.forget(tx, func(r receipt) bool { return r.Lo == lowest })
	}
	return 0, nil
}

// forget deletes the runs that old says are old, and those that end at or
// below the highest of them, and returns that highest end: the new floor
// (0 when nothing was forgotten).
func (rc *receipts) forget(tx *store.Tx, old func(receipt) bool) (uint64, error) {
	var floor uint64
	for _, r := range rc.runs {
		if old(r) {
			floor = max(floor, r.Hi)
		}
	}
	if floor == 0 {
		return 0, nil
	}
	kept := rc.runs[:0]
	for _, r := range rc.runs {
		if r.Hi > floor {
			kept = append(kept, r)
			continue
		}
		if err := tx.Delete(store.Reports, receiptKey(rc.apID, r.Lo)); err != nil {
			return 0, err
		}
	}
	rc.runs = kept
	return floor, nil
}

// Package usage keeps the city's usage by hour: for every venue, and
// rolled up to district, venue type, organisation, district × venue type
// and the whole city, the sessions started, distinct devices (a
// HyperLogLog sketch of keyed pseudonyms), bytes up and down, session
// time, peak concurrent sessions and clients per AP from the agents.
//
// The figures are kept incrementally from accounting's commits
// (accounting.Store.Observe) and the agents' reports, as deltas in
// memory that Flush adds to the usage bucket; Rebuild recomputes them
// from the accounting records. A session's bytes and time count once it
// closes, spread over the hours it spanned in proportion to the time in
// each; its start and its device count as soon as it opens. Both paths
// apply the same rule to the same records, so they agree.
//
// Each venue's figures are also kept by Hong Kong day, week and month,
// one record per organisation and block (days.go, orgday.go), so that
// ranking the city's venues over weeks reads a few records per
// organisation; hours are keyed by day first (hours.go), so that the
// retention's purge removes a range.
//
// opendata.go publishes the previous day per hour × district × venue
// type, with k-suppression and differentially private noise (see
// docs/USAGE-OPENDATA.md).
package usage

// Package telemetry is the controller's side of the access-point agents:
// it takes their reports (which api serves at POST /api/v1/agent/reports),
// stores each one once per (AP, sequence) before answering, keeps every
// AP's status (online while reports arrive, offline after three missed
// intervals), raises offline and recovered alerts, and keeps per-AP and
// per-venue traffic in 5-minute buckets with a retention period.
//
// Records live in the store buckets APStatus (one per AP, with the seen
// sequence window that makes ingest idempotent), Series (5-minute buckets,
// keys "ap/ID/T" and "venue/ORG/LOC/T") and Alerts (keyed by sequence).
// The online/offline state is also held in memory for the coverage view
// and the Prometheus gauges.
//
// With Config.JournalPath (as the server runs it), a report is durable
// once appended to a journal file with one fdatasync, and is applied to
// those buckets in the background, hundreds of reports to a transaction;
// Series then also holds "journal/applied/ID", the last record of journal
// ID applied. See journal.go.
package telemetry

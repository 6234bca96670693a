package controller

import "github.com/prometheus/client_golang/prometheus"

// watchFeed has the store's change feed log its lost connections and
// exports whether it listens: while a node's feed is down, what it keeps in
// memory may lag behind what other nodes write (until it reconnects and
// reloads).
func (a *App) watchFeed() {
	a.DB.SetLogger(a.Log.With("component", "store"))
	a.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wifihk_store_feed_listening",
		Help: "1 while this node hears other nodes' writes to the shared store (always 1 on bbolt), 0 while its feed connection is down.",
	}, func() float64 {
		if a.DB.Listening() {
			return 1
		}
		return 0
	}))
}

// feedText is /readyz's line on the change feed. A node that does not
// hear the others is not ready: its caches (registry, staff, open
// sessions) may lag their writes until the feed reconnects and reloads.
func feedText(listening bool) string {
	if listening {
		return "change feed: listening\n"
	}
	return "change feed: not listening; this node's caches may lag other nodes' writes until it reconnects\n"
}

package controller_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// /metrics says whether the node hears the other nodes: always on bbolt,
// on PostgreSQL once its feed connection listens.
func TestFeedListeningMetric(t *testing.T) {
	metric := func(base string) string {
		t.Helper()
		res, err := http.Get("http://" + base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "wifihk_store_feed_listening ") {
				return line
			}
		}
		return ""
	}
	bolt := controllertest.Start(t, controllertest.Options{})
	if got := metric(bolt.HTTPAddr.String()); got != "wifihk_store_feed_listening 1" {
		t.Errorf("bbolt: %q", got)
	}
	url := pgtest.NewDB(t)
	pg := controllertest.Start(t, controllertest.Options{Configure: func(c *config.Config) { c.Store.URL = url }})
	for deadline := time.Now().Add(5 * time.Second); metric(pg.HTTPAddr.String()) != "wifihk_store_feed_listening 1"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("postgres: %q after 5 s", metric(pg.HTTPAddr.String()))
		}
	}
}

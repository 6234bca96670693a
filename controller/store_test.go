package controller_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/store"
)

// Every bucket of the store has its record count in the metrics.
func TestMetricsCountEveryBucket(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{})
	code, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr.String()+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, b := range store.Buckets() {
		if !strings.Contains(body, fmt.Sprintf("wifihk_store_records{bucket=%q}", b)) {
			t.Errorf("no record count for bucket %q", b)
		}
	}
}

// The console's CSRF key and the portal's key are separate key material,
// both derived from master.key: neither is kept in the store, and the
// console's is not derived from the portal's.
func TestConsoleAndPortalKeysAreSeparate(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{})
	portal, console := controller.FormKeys(a)
	if len(portal) < 32 || len(console) < 32 || bytes.Equal(portal, console) {
		t.Fatalf("keys must be ≥ 32 bytes and differ: portal %x, console %x", portal, console)
	}
	m := hmac.New(sha256.New, portal)
	m.Write([]byte("wifihk console csrf"))
	if bytes.Equal(m.Sum(nil), console) {
		t.Fatal("the console's key is derived from the portal's")
	}
	err := a.DB.View(func(tx *store.Tx) error {
		return tx.Scan(store.PortalEvents, "key/", func(k string, _ func(any) error) (bool, error) {
			t.Errorf("a key is kept in the store: %s", k)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

package cli

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/visitors"
)

// realInstallation fills data dir dir as the city would: the real
// 5,430-venue registry with one AP per hotspot it lists (43,433), NAS
// gateways, accounting sessions, accounts, vouchers and one-time codes.
// It writes without fsync, to stay a test of seconds.
func realInstallation(t *testing.T, dir string) {
	t.Helper()
	csv, err := os.ReadFile(realCSVPath(t))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{NoSync: true, Key: sealer.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := reg.Import(context.Background(), csv, hotspots.ImportOptions{}); err != nil || res.Created != 5430 {
		t.Fatalf("import: %+v %v", res, err)
	}
	venues, _, err := reg.ListVenues(hotspots.VenueFilter{}, 0, 0)
	if err != nil || len(venues) != 5430 {
		t.Fatalf("venues: %d %v", len(venues), err)
	}
	aps := 0
	var nas []hotspots.NAS
	for i, v := range venues {
		for range v.Hotspots {
			aps++
			mac := fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", aps>>24&0xff, aps>>16&0xff, aps>>8&0xff, aps&0xff)
			if _, _, err := reg.AddAP(v.Key(), fmt.Sprintf("ap %d", aps), mac); err != nil {
				t.Fatal(err)
			}
		}
		if i%100 == 0 {
			n, err := reg.AddNAS(hotspots.NASInput{Name: fmt.Sprintf("gw%d", i), IP: fmt.Sprintf("10.%d.%d.1", i/256, i%256),
				Secret: "s3cret-gateway", Hotspot: v.Key()})
			if err != nil {
				t.Fatal(err)
			}
			nas = append(nas, n)
		}
	}
	if aps != 43433 {
		t.Fatalf("%d APs, want the 43,433 hotspots of the open data", aps)
	}
	sessions := accounting.New(db)
	defer sessions.Close()
	var us []accounting.Update
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for i := range 5000 {
		n := nas[i%len(nas)]
		u := accounting.Update{NAS: n.ID, AcctID: fmt.Sprintf("acct-%d", i), Status: accounting.Start, Username: fmt.Sprintf("user%d", i%700),
			MAC: fmt.Sprintf("02:01:00:00:%02x:%02x", i>>8&0xff, i&0xff), Venue: string(n.Hotspot), At: at}
		us = append(us, u)
		if i%2 == 0 {
			u.Status, u.At, u.SessionTime, u.InputOctets, u.OutputOctets = accounting.Stop, at.Add(time.Hour), 3600, 1<<33+uint64(i), uint64(i)
			us = append(us, u)
		}
	}
	if _, errs := sessions.ApplyAll(us); errs[0] != nil {
		t.Fatal(errs[0])
	}
	vis := visitors.New(db, sealer)
	for i := range 200 {
		if i < 5 { // argon2id: a few suffice
			if _, err := vis.AddAccount(visitors.AccountInput{Username: fmt.Sprintf("visitor%d", i), Password: "a-long-password"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := vis.IssueOneTime(visitors.OneTimeInput{MAC: fmt.Sprintf("02:02:00:00:00:%02x", i), NAS: nas[i%len(nas)].ID}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := vis.CreateVouchers(visitors.VoucherSpec{Count: 500, Duration: time.Hour, Uses: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// digests returns each bucket's record count and a hash of its keys and
// records, as the store's front end reads them.
func digests(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(func(tx *store.Tx) error {
		for _, b := range store.Buckets() {
			h, n := sha256.New(), 0
			err := tx.Scan(b, "", func(k string, decode func(any) error) (bool, error) {
				var raw json.RawMessage
				if err := decode(&raw); err != nil {
					return false, err
				}
				n++
				fmt.Fprintf(h, "%q=%s\n", k, raw)
				return true, nil
			})
			if err != nil {
				return err
			}
			out[b] = fmt.Sprintf("%d %x", n, h.Sum(nil)[:8])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func digestsOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return digests(t, db)
}

// The real city registry, with its APs, sessions and credentials, goes
// from bbolt to PostgreSQL and back with store migrate: every bucket's
// count and contents equal at each step, and the typed tables hold every
// session and credential.
func TestStoreMigrateRealRegistry(t *testing.T) {
	url := pgtest.NewDB(t)
	dir := t.TempDir()
	realInstallation(t, dir)
	want := digestsOf(t, dir)
	start := time.Now()
	var res struct {
		Records map[string]int
		Total   int
	}
	runJSON(t, &res, "store", "migrate", "-from", dir, "-to", url)
	t.Logf("bbolt to PostgreSQL: %d records in %v", res.Total, time.Since(start).Round(time.Millisecond))
	if res.Records[store.Venues] != 5430 || res.Records[store.APs] != 43433 || res.Records[store.APMACs] != 43433 {
		t.Errorf("copied %v", res.Records)
	}
	pg, err := pgOpen(url)
	if err != nil {
		t.Fatal(err)
	}
	got := digests(t, pg)
	var tabled struct{ sessions, credentials int }
	pg.Close()
	for b, d := range want {
		if got[b] != d {
			t.Errorf("%s: PostgreSQL holds %s, bbolt held %s", b, got[b], d)
		}
	}
	conn := pgConn(t, url)
	conn.QueryRow(context.Background(), "SELECT count(*) FROM wifihk_sessions WHERE id IS NOT NULL").Scan(&tabled.sessions)
	conn.QueryRow(context.Background(), "SELECT count(*) FROM wifihk_credentials WHERE kind IS NOT NULL").Scan(&tabled.credentials)
	if tabled.sessions != 5000 || tabled.credentials != 1700 {
		t.Errorf("typed tables: %+v, want 5000 sessions and 1700 credentials", tabled)
	}
	back := t.TempDir()
	key, _ := os.ReadFile(datadir.Dir(dir).MasterKey())
	os.WriteFile(datadir.Dir(back).MasterKey(), key, 0o600)
	start = time.Now()
	runJSON(t, &res, "store", "migrate", "-from", url, "-to", back)
	t.Logf("PostgreSQL to bbolt: %d records in %v", res.Total, time.Since(start).Round(time.Millisecond))
	for b, d := range digestsOf(t, back) {
		if want[b] != d {
			t.Errorf("%s: back on bbolt %s, first %s", b, d, want[b])
		}
	}
}

func pgOpen(url string) (*store.DB, error) { return postgres.Open(url, store.Options{}) }

func pgConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

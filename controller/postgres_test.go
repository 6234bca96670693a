package controller_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// A controller on PostgreSQL (serve -store) answers the demo's RADIUS
// login and accounting; the session lands in PostgreSQL, the data dir
// keeps no bbolt file and remembers the URL.
func TestServeOnPostgres(t *testing.T) {
	url := pgtest.NewDB(t)
	a := controllertest.Start(t, controllertest.Options{Demo: true,
		Configure: func(c *config.Config) { c.Store.URL = url }})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := lr.Exchange(ctx, papRequest(t, "testing123", "demo", "demo1234"), a.AuthAddr.String())
	if err != nil || res.Code != lr.CodeAccessAccept {
		t.Fatalf("demo login: %v %v", res, err)
	}
	if res, err := lr.Exchange(ctx, papRequest(t, "testing123", "demo", "wrong-password"), a.AuthAddr.String()); err != nil || res.Code != lr.CodeAccessReject {
		t.Fatalf("wrong password: %v %v", res, err)
	}
	acct := lr.New(lr.CodeAccountingRequest, []byte("testing123"))
	rfc2866.AcctStatusType_Set(acct, rfc2866.AcctStatusType_Value_Start)
	rfc2866.AcctSessionID_SetString(acct, "pg-1")
	rfc2865.UserName_SetString(acct, "demo")
	if res, err := lr.Exchange(ctx, acct, a.AcctAddr.String()); err != nil || res.Code != lr.CodeAccountingResponse {
		t.Fatalf("accounting: %v %v", res, err)
	}
	a.Sessions.Sync()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM wifihk_sessions
		WHERE acct_session_id = 'pg-1' AND venue = $1`, string(controller.DemoNASVenue)).Scan(&n); err != nil || n == 0 {
		t.Errorf("sessions in PostgreSQL: %d %v", n, err)
	}
	dir := datadir.Dir(a.Config.DataDir)
	if _, err := os.Stat(dir.DB()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a bbolt file beside a PostgreSQL store: %v", err)
	}
	if raw, err := os.ReadFile(dir.StoreURL()); err != nil || string(raw) != url+"\n" {
		t.Errorf("remembered store %q %v", raw, err)
	}
	// Opened again without the URL (admin commands, a restart), the dir
	// is whole: store.url stands for its database.
	_, db, err := controller.OpenDataDir(string(dir), "")
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db.Close()
}

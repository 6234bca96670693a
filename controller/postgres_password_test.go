package controller_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// store.password_file supplies the database password: the server asks
// for one over TCP, the URL holds none, and the password appears neither
// in the data dir's store.url nor in the log. Admin commands, which open
// the dir without the config, find the file through store.url.
func TestStorePasswordFile(t *testing.T) {
	const password = "s3cret-Pg-pass"
	srv := pgtest.Private(t, pgtest.Options{Password: password})
	url, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	pwfile := filepath.Join(t.TempDir(), "pg.pass")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	newApp := func(c config.Config) (*controller.App, string, error) {
		var logs bytes.Buffer
		a, err := controller.New(c, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err == nil {
			a.DB.Close()
		}
		return a, logs.String(), err
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Store.URL = url
	if _, _, err := newApp(cfg); err == nil {
		t.Fatal("connected without the password")
	}
	cfg.DataDir = t.TempDir()
	cfg.Store.PasswordFile = pwfile
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	_, logs, err := newApp(cfg)
	if err != nil {
		t.Fatalf("with store.password_file: %v", err)
	}
	remembered, _ := os.ReadFile(datadir.Dir(cfg.DataDir).StoreURL())
	if strings.Contains(logs+string(remembered), password) || !strings.Contains(string(remembered), "password_file=") {
		t.Errorf("password leaked or file not remembered:\nstore.url %s\nlog %s", remembered, logs)
	}
	_, db, err := controller.OpenDataDir(cfg.DataDir, "")
	if err != nil {
		t.Fatalf("reopen without the config: %v", err)
	}
	db.Close()
	os.Chmod(pwfile, 0o644)
	if _, _, err := controller.OpenDataDir(cfg.DataDir, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a password file others may read: %v", err)
	}
}

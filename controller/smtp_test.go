package controller_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
)

// portal.smtp's files are read at start, and a bad one stops start-up
// with the field's name and without the password.
func TestSMTPFilesReadAtStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	password := write("password", "pw-never-shown\n")
	empty := write("empty", "\n")
	notPEM := write("ca.pem", "pw-never-shown")
	smtp := config.SMTP{Addr: "smtp.example.hk:587", From: "noreply@wifi.example.hk", TLS: "starttls",
		Username: "wifihk", PasswordFile: password}
	for _, tc := range []struct {
		name   string
		change func(*config.SMTP)
		want   string
	}{
		{"missing password file", func(s *config.SMTP) { s.PasswordFile = filepath.Join(dir, "nope") }, "portal.smtp.password_file"},
		{"empty password file", func(s *config.SMTP) { s.PasswordFile = empty }, "portal.smtp.password_file"},
		{"missing CA file", func(s *config.SMTP) { s.CAFile = filepath.Join(dir, "nope") }, "portal.smtp.ca_file"},
		{"CA file without a certificate", func(s *config.SMTP) { s.CAFile = notPEM }, "portal.smtp.ca_file"},
		{"good", func(*config.SMTP) {}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.Portal.SMTP = smtp
			tc.change(&cfg.Portal.SMTP)
			var log strings.Builder
			a, err := controller.New(cfg, slog.New(slog.NewTextHandler(&log, nil)))
			if err == nil {
				a.DB.Close()
			}
			if tc.want == "" && err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
			if strings.Contains(log.String(), "pw-never-shown") || err != nil && strings.Contains(err.Error(), "pw-never-shown") {
				t.Errorf("the password leaked: %v\n%s", err, log.String())
			}
		})
	}
}

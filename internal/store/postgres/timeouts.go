package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Timeouts: no writer that hangs, and no connection that dies without a
// word, holds the others up for long. Each is a default that the URL may
// override (postgres://…?lock_timeout=2s):
//
//   - lock_timeout 10s: a writer waits that long for the writers' lock
//     (or a row lock), then fails; the journal retries it, an HTTP
//     request answers 503.
//   - statement_timeout 30s: no one statement runs longer.
//   - idle_in_transaction_session_timeout 30s: the server ends the
//     session of a node that stopped in the middle of a transaction (a
//     stuck process, a frozen VM), which releases the writers' lock.
//   - tx_timeout 60s (wifihk's, not the server's): a transaction's
//     context deadline; when it passes the connection is closed, which
//     also ends a wait on a server or network that stopped answering.
//   - the pool pings idle connections every 5s (pool_health_check_period)
//     and before reusing one idle for over a second, and drops those
//     that fail, so a restarted server costs no failed request.
var serverDefaults = map[string]string{
	"lock_timeout":                        "10s",
	"statement_timeout":                   "30s",
	"idle_in_transaction_session_timeout": "30s",
}

const (
	defaultTxTimeout   = 60 * time.Second
	defaultHealthCheck = 5 * time.Second
)

// configure applies the timeouts' defaults to cfg and returns the
// transaction timeout.
func configure(cfg *pgxpool.Config, url string) (time.Duration, error) {
	params := cfg.ConnConfig.RuntimeParams
	for k, v := range serverDefaults {
		if _, ok := params[k]; !ok {
			params[k] = v
		}
	}
	if !strings.Contains(url, "pool_health_check_period") {
		cfg.HealthCheckPeriod = defaultHealthCheck
	}
	if err := readPassword(cfg); err != nil {
		return 0, err
	}
	txTimeout := defaultTxTimeout
	if v, ok := params["tx_timeout"]; ok {
		delete(params, "tx_timeout") // not the server's
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("postgres: tx_timeout %q: want a positive duration such as 30s", v)
		}
		txTimeout = d
	}
	return txTimeout, nil
}

// readPassword takes the password from the file that the URL's
// password_file names (wifihk's parameter, not the server's): the file
// holds the password alone, and only its path is ever in a URL, a config
// file or the data dir. PostgreSQL's own PGPASSFILE (~/.pgpass) works as
// with libpq, when neither the URL nor password_file gives a password.
func readPassword(cfg *pgxpool.Config) error {
	path, ok := cfg.ConnConfig.RuntimeParams["password_file"]
	if !ok {
		return nil
	}
	delete(cfg.ConnConfig.RuntimeParams, "password_file")
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("postgres: password_file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("postgres: password_file %s: mode %v lets others read it; chmod 600", path, fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("postgres: password_file: %w", err)
	}
	pw := strings.TrimRight(string(raw), "\r\n")
	if pw == "" || strings.ContainsAny(pw, "\r\n") {
		return fmt.Errorf("postgres: password_file %s: want one line holding the password", path)
	}
	cfg.ConnConfig.Password = pw
	return nil
}

// txContext is the context of one transaction, with its deadline.
func (b *Backend) txContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), b.txTimeout)
}

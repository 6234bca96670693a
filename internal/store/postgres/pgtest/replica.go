package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// StartReplica starts a streaming replica of s in a new temp dir, on a
// port of its own: pg_basebackup -R copies s and configures the replica
// to follow it. With sync, s then waits for the replica before it
// acknowledges a commit (synchronous_standby_names = '*'), so that a
// failover loses nothing acknowledged; the replica itself keeps no such
// setting, so once promoted it commits alone.
func (s *Server) StartReplica(sync bool) (*Server, error) {
	dir, err := os.MkdirTemp("", "wifihk-pg-replica-")
	if err != nil {
		return nil, err
	}
	r := &Server{dir: dir, bindir: s.bindir}
	if err := r.follow(s); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if !sync {
		return r, nil
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.SocketURL("postgres"))
	if err != nil {
		r.Stop()
		return nil, err
	}
	defer conn.Close(ctx)
	for _, q := range []string{"ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			r.Stop()
			return nil, fmt.Errorf("pgtest: %s: %w", q, err)
		}
	}
	return r, nil
}

func (r *Server) follow(primary *Server) error {
	cred, err := as(r.dir)
	if err != nil {
		return err
	}
	r.cred = cred
	data := filepath.Join(r.dir, "data")
	bb := exec.Command(filepath.Join(r.bindir, "pg_basebackup"), "-D", data, "-R", "-X", "stream", "-c", "fast",
		"-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "wifihk", "--no-sync")
	bb.Dir = r.dir
	bb.SysProcAttr = sysProcAttr(cred)
	if out, err := bb.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: pg_basebackup: %w\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	// The primary's settings, but this dir's socket and port.
	r.args = append([]string{}, primary.args...)
	for i := 0; i+1 < len(r.args); i++ {
		switch r.args[i] {
		case "-D":
			r.args[i+1] = data
		case "-k":
			r.args[i+1] = r.dir
		case "-p":
			r.args[i+1] = strconv.Itoa(r.port)
		}
	}
	return r.run()
}

// Promote makes a replica the primary (pg_ctl promote, waiting until it
// accepts writes).
func (s *Server) Promote() error {
	cmd := exec.Command(filepath.Join(s.bindir, "pg_ctl"), "promote", "-w", "-D", filepath.Join(s.dir, "data"))
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr(s.cred)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: pg_ctl promote: %w\n%s", err, out)
	}
	return nil
}

// Port is the server's loopback TCP port.
func (s *Server) Port() int { return s.port }

// MultiHostURL is the URL of database db on every server of servers, in
// that order, for a client that must find the one that takes writes
// (target_session_attrs=read-write), as after a failover.
func MultiHostURL(db string, servers ...*Server) string {
	hosts := make([]string, len(servers))
	for i, s := range servers {
		hosts[i] = "127.0.0.1:" + strconv.Itoa(s.port)
	}
	return fmt.Sprintf("postgres://wifihk@%s/%s?sslmode=disable&target_session_attrs=read-write", strings.Join(hosts, ","), db)
}

// Replica is StartReplica for a test: it skips or fails as Private does,
// and the replica is stopped when the test ends.
func (s *Server) Replica(t testing.TB, sync bool) *Server {
	t.Helper()
	r, err := s.StartReplica(sync)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// Package pgtest runs a private PostgreSQL for tests: initdb into a temp
// dir, postgres on a Unix socket there and on a loopback port, stopped and
// removed when the tests end. As root (CI) it runs the server as the
// "postgres" user, since initdb refuses root. Where PostgreSQL is not
// installed, tests skip with the reason, or fail with WIFIHK_INTEROP=1.
//
// A package that calls Shared or NewDB runs its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

// ErrMissing means PostgreSQL's server programs are not installed.
var ErrMissing = errors.New("pgtest: PostgreSQL not installed (initdb and postgres not on PATH nor in /usr/lib/postgresql/*/bin; apt-get install postgresql)")

// Server is a running private PostgreSQL. Its superuser is "wifihk",
// trusted on the socket and on loopback.
type Server struct {
	dir    string
	port   int
	bindir string
	args   []string
	cred   *syscall.Credential
	cmd    *exec.Cmd
	done   chan struct{}
	n      atomic.Int64
}

// Options tune Start.
type Options struct {
	// Durable keeps fsync and full_page_writes on, as in production; by
	// default they are off, for speed. synchronous_commit stays on
	// either way, so a commit is written to the OS before it returns and
	// a server killed (Kill) loses nothing it acknowledged, though a
	// machine crash could; a synchronous replica is waited for.
	Durable bool
	// Password, when set, is the superuser's password, required over TCP
	// (scram-sha-256); the Unix socket stays trusted.
	Password string
}

// bin finds PostgreSQL's server programs.
func bin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real // a link on PATH: the other programs are beside its target
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrMissing
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start initialises and starts a server in a new temp dir.
func Start(opt Options) (*Server, error) {
	bindir, err := bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "wifihk-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bindir: bindir}
	if err := s.start(opt); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// as returns the credential to run the server with: the postgres user when
// we are root, else ourselves.
func as(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs a postgres user to run the server: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) start(opt Options) error {
	cred, err := as(s.dir)
	if err != nil {
		return err
	}
	s.cred = cred
	bindir := s.bindir
	data := filepath.Join(s.dir, "data")
	args := []string{"-D", data, "-U", "wifihk", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"}
	if opt.Password != "" {
		pwfile := filepath.Join(s.dir, "pwfile")
		if err := os.WriteFile(pwfile, []byte(opt.Password+"\n"), 0o644); err != nil {
			return err
		}
		args = append(args, "--auth-host=scram-sha-256", "--pwfile="+pwfile)
	}
	initdb := exec.Command(filepath.Join(bindir, "initdb"), args...)
	initdb.Dir = s.dir
	initdb.SysProcAttr = sysProcAttr(cred)
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	args = []string{"-D", data, "-k", s.dir, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"}
	if !opt.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
	}
	s.args = args
	return s.run()
}

// sysProcAttr runs a PostgreSQL program as cred (nil: as ourselves).
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}

// run starts postgres and returns once it accepts connections.
func (s *Server) run() error {
	s.done = make(chan struct{})
	s.cmd = exec.Command(filepath.Join(s.bindir, "postgres"), s.args...)
	s.cmd.Dir = s.dir
	// The server dies with the test binary even if Stop never runs.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	logs, err := s.cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: postgres: %w", err)
	}
	done := s.done
	go func() { s.cmd.Wait(); close(done) }()
	// Ready when the server says so on its log; its log is then drained.
	r := bufio.NewReader(logs)
	var seen strings.Builder
	for {
		line, err := r.ReadString('\n')
		seen.WriteString(line)
		if strings.Contains(line, "ready to accept") { // read-only connections, on a replica
			go io.Copy(io.Discard, r)
			return nil
		}
		if err != nil {
			<-done
			return fmt.Errorf("pgtest: postgres exited before it was ready:\n%s", seen.String())
		}
	}
}

// Restart starts the server again after Kill, on the same dir and port.
func (s *Server) Restart() error { return s.run() }

// Stop stops the server (fast shutdown) and removes its dir.
func (s *Server) Stop() {
	s.cmd.Process.Signal(syscall.SIGINT)
	<-s.done
	os.RemoveAll(s.dir)
}

// Kill stops the server at once, as a crash would: PostgreSQL's immediate
// shutdown, which ends every backend and writes no checkpoint, so the next
// start recovers from the WAL. Its dir stays until Stop; Restart starts it
// again.
func (s *Server) Kill() {
	s.cmd.Process.Signal(syscall.SIGQUIT)
	<-s.done
}

// Pause stops every process of the server (SIGSTOP), as a frozen machine
// or a network that drops everything would: connections stay open and
// nothing answers. Resume continues it.
func (s *Server) Pause() {
	pid := s.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGSTOP) // first, so that it starts no more
	for _, c := range children(pid) {
		syscall.Kill(c, syscall.SIGSTOP)
	}
}

// Resume continues a paused server.
func (s *Server) Resume() {
	pid := s.cmd.Process.Pid
	for _, c := range children(pid) {
		syscall.Kill(c, syscall.SIGCONT)
	}
	syscall.Kill(pid, syscall.SIGCONT)
}

// children lists the processes whose parent is pid (PostgreSQL puts each
// backend in a session of its own, so a process group would not do).
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, st := range stats {
		raw, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after ")".
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			c, _ := strconv.Atoi(filepath.Base(filepath.Dir(st)))
			out = append(out, c)
		}
	}
	return out
}

// URL is the connection URL of database db over TCP on loopback.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://wifihk@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// SocketURL is the connection URL of database db over the Unix socket.
func (s *Server) SocketURL(db string) string {
	return fmt.Sprintf("postgres:///%s?host=%s&port=%d&user=wifihk", db, s.dir, s.port)
}

// CreateDB creates a new empty database and returns its URL.
func (s *Server) CreateDB() (string, error) {
	name := fmt.Sprintf("t%d", s.n.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.SocketURL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

var (
	once      sync.Once
	shared    *Server
	sharedErr error
	inMain    bool
)

// Main runs the package's tests and then stops the shared server, if a
// test started one.
func Main(m *testing.M) int {
	inMain = true
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// Shared returns the package's server, started on first use; it skips
// the test when PostgreSQL is missing (fails it with WIFIHK_INTEROP=1).
func Shared(t testing.TB) *Server {
	t.Helper()
	if !inMain {
		t.Fatal("pgtest: the package's TestMain must run pgtest.Main")
	}
	once.Do(func() { shared, sharedErr = Start(Options{}) })
	check(t, sharedErr)
	return shared
}

// check skips the test when PostgreSQL is missing (fails it with
// WIFIHK_INTEROP=1) and fails it on any other error.
func check(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrMissing) && os.Getenv("WIFIHK_INTEROP") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Private starts a server of the test's own, for tests that stop or kill
// it; it is stopped when the test ends.
func Private(t testing.TB, opt Options) *Server {
	t.Helper()
	s, err := Start(opt)
	check(t, err)
	t.Cleanup(s.Stop)
	return s
}

// NewDB returns the URL of a new empty database on the shared server.
func NewDB(t testing.TB) string {
	t.Helper()
	url, err := Shared(t).CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	return url
}

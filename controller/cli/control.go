package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
)

type controlRequest struct {
	Command string   `json:"command"`
	Args    []string `json:"args"`
}

type controlResponse struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Error  string `json:"error,omitempty"`
	Usage  bool   `json:"usage,omitempty"`
}

// ServeControl serves admin commands on the data dir's control socket with
// base's database until ctx ends or stop is called; stop removes the
// socket, so that a start that fails later leaves none behind. Only the
// owner of the data dir can connect (mode 0600): the same people who could
// open the database file when the server is stopped.
//
// A socket file that no process answers on is a killed server's and is
// replaced; one that answers is another server's and is left alone (the
// caller holds the database's lock, so that server is on its way out).
func ServeControl(ctx context.Context, base Env, log *slog.Logger) (stop func(), err error) {
	path := datadir.Dir(base.DataDir).ControlSocket()
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("control socket: another process answers on %s; is another wifihk serve on this data dir still stopping?", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control socket: stale %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	srv := &http.Server{Handler: controlHandler(base, log), ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	closed := make(chan struct{})
	go func() {
		<-ctx.Done()
		srv.Close()
		ln.Close() // unlinks the socket, now rather than when Serve gets to it
		close(closed)
	}()
	go srv.Serve(ln)
	return func() { cancel(); <-closed }, nil
}

func controlHandler(base Env, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req controlRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var out, errOut bytes.Buffer
		resp := controlResponse{}
		c, rest, ok := find(append(splitName(req.Command), req.Args...))
		switch {
		case !ok || c.admin == nil:
			resp.Error = fmt.Sprintf("%q is not an admin command", req.Command)
		default:
			e := base
			e.Stdout, e.Stderr, e.JSON, e.Remote = &out, &errOut, false, true
			err := c.admin(r.Context(), &e, rest)
			resp.Usage = errors.Is(err, errUsage)
			if err != nil && !resp.Usage {
				resp.Error = err.Error()
			}
			log.Info("admin command over control socket", "command", c.name, "ok", err == nil)
		}
		resp.Stdout, resp.Stderr = out.String(), errOut.String()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	})
}

func splitName(s string) []string {
	var out []string
	for _, f := range bytes.Fields([]byte(s)) {
		out = append(out, string(f))
	}
	return out
}

// errNoServer means no server answers on the data dir's control socket.
var errNoServer = errors.New("no server answers")

// callControl runs an admin command inside the server that holds dir.
func callControl(ctx context.Context, dir string, c command, args []string, stdout, stderr io.Writer) error {
	path := datadir.Dir(dir).ControlSocket()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	body, _ := json.Marshal(controlRequest{Command: c.name, Args: absPaths(args, c.paths)})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://wifihk/run", bytes.NewReader(body))
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w on %s: %w", errNoServer, path, err)
	}
	defer res.Body.Close()
	var resp controlResponse
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	io.WriteString(stdout, resp.Stdout)
	io.WriteString(stderr, resp.Stderr)
	switch {
	case resp.Usage:
		return errUsage
	case resp.Error != "":
		return errors.New(resp.Error)
	}
	return nil
}

// absPaths makes the file paths in args absolute, since the server's
// working directory is not ours; paths says where they are (command.paths):
// "FILE" means every positional argument, "-x" the value of flag -x.
func absPaths(args, paths []string) []string {
	out := append([]string(nil), args...)
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	for _, p := range paths {
		if p == "FILE" { // every positional argument
			for i := 0; i < len(out); i++ {
				switch a := out[i]; {
				case a == "--":
					for i++; i < len(out); i++ {
						out[i] = abs(out[i])
					}
				case strings.HasPrefix(a, "-"):
					if takesValue(a) {
						i++
					}
				default:
					out[i] = abs(a)
				}
			}
			continue
		}
		for i, a := range out {
			name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			switch {
			case !strings.HasPrefix(a, "-") || "-"+name != p:
			case hasValue:
				out[i] = a[:len(a)-len(value)] + abs(value)
			case i+1 < len(out):
				out[i+1] = abs(out[i+1])
			}
		}
	}
	return out
}

// takesValue says whether flag f is followed by its value: every flag of
// ours but -json is, unless written -f=value.
func takesValue(f string) bool {
	return strings.HasPrefix(f, "-") && !strings.Contains(f, "=") && strings.TrimLeft(f, "-") != "json"
}

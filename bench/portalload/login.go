package portalload

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/portal/gateway"
)

// LoginConfig is a click-through login run against a running portal and
// RADIUS server: this process plays the phones and a CoovaChilli-like
// gateway (portal/gateway), so the server's process does only the
// server's work.
type LoginConfig struct {
	PortalURL  string  // e.g. http://127.0.0.1:8080/portal
	RADIUSAddr string  // the server's RADIUS authentication address
	Secret     string  // RADIUS secret of the NAS at 127.0.0.1
	NASID      string  // its NAS-Identifier
	UAMSecret  string  // its UAM secret
	Rate       float64 // logins a second to schedule; required
	// Duration of the schedule, default 5s. Each login needs a phone that
	// has opened the landing page first (untimed), with its connection
	// kept open: Rate×Duration of them.
	Duration time.Duration
	// Connections caps logins in flight, default 256.
	Connections int
	Timeout     time.Duration // per login from its scheduled time, default 5s
	// ServerPID, when set, is the server's process: its CPU time during
	// the timed part is reported per login (Linux /proc).
	ServerPID int
}

// RunLogins prepares the phones, then schedules one complete login (the
// portal POST, and the gateway's /logon, which answers once RADIUS has
// accepted the CHAP Access-Request) at each due time.
func RunLogins(ctx context.Context, cfg LoginConfig) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	gw, err := gateway.Start(gateway.Config{PortalURL: cfg.PortalURL, RADIUSAddr: cfg.RADIUSAddr,
		Secret: cfg.Secret, NASID: cfg.NASID, UAMSecret: cfg.UAMSecret})
	if err != nil {
		return Result{}, err
	}
	defer gw.Close()
	n := max(int(cfg.Rate*cfg.Duration.Seconds()), 1)
	phones, err := land(ctx, gw, n)
	if err != nil {
		return Result{}, err
	}
	lc := Config{Rate: cfg.Rate, Duration: cfg.Duration, Connections: cfg.Connections, Timeout: cfg.Timeout,
		URL: cfg.PortalURL + "/connect"}
	cpu0 := processCPU(cfg.ServerPID)
	res, err := run(ctx, lc, n, func(ctx context.Context, i int, due time.Time) sample {
		return login(ctx, phones[i], due)
	})
	if cpu1 := processCPU(cfg.ServerPID); cpu0 > 0 && cpu1 > 0 && res.OK > 0 {
		res.ServerCPUPerOp = (cpu1 - cpu0) / time.Duration(res.OK)
	}
	return res, err
}

func (c *LoginConfig) defaults() error {
	if c.PortalURL == "" || c.RADIUSAddr == "" || c.Secret == "" || c.NASID == "" {
		return errors.New("portalload: logins need the portal URL, the RADIUS address, secret and NAS-Identifier")
	}
	if c.Rate <= 0 || c.Rate > 1e5 {
		return fmt.Errorf("portalload: rate %v is not in (0, 1e5]", c.Rate)
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	if c.Connections <= 0 {
		c.Connections = 256
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	return nil
}

// land gives each of n phones an address and a fresh MAC (random per
// run, so the daily free allowance of earlier runs does not apply) and
// opens the gateway's redirect to the landing page, keeping its form.
func land(ctx context.Context, gw *gateway.Gateway, n int) ([]*Phone, error) {
	var run [3]byte
	rand.Read(run[:])
	phones := make([]*Phone, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n && ctx.Err() == nil; i += 16 {
				p := NewPhone(i)
				mac := fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", run[0], run[1]^byte(i>>16), run[2], byte(i>>8), byte(i))
				if err := p.Land(ctx, gw, mac); err != nil {
					errs <- fmt.Errorf("portalload: landing page for phone %d: %w", i, err)
					return
				}
				phones[i] = p
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return phones, ctx.Err()
}

// login is one click-through, timed from due.
func login(ctx context.Context, p *Phone, due time.Time) sample {
	status, err := p.Login(ctx)
	return sample{lat: time.Since(due), status: status, err: err}
}

// processCPU is a process's user and system CPU time so far, 0 when
// unknown.
func processCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ, 100 on Linux
}

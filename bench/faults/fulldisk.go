package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/tmpdisk"
)

// diskSize is the full-disk case's tmpfs: room for the base data dir and
// its journals, filled by a ballast file.
const diskSize = 256 << 20

// loginTally counts one kind of login while the disk is full.
type loginTally struct {
	Tried    int `json:"tried"`
	Accepted int `json:"accepted"`
}

// fullDisk runs the server on a small tmpfs under accounting and agent
// load, fills the disk for FullDisk while it sends valid PAP, CHAP and
// free-pass logins and Status-Server and samples /readyz, then frees the
// space and times the recovery; then it checks every acknowledgement.
func (s *Suite) fullDisk(ctx context.Context) (Outcome, error) {
	o := Outcome{Case: fmt.Sprintf("disk full for %v, then space returns", s.cfg.FullDisk), Rounds: 1, Figures: map[string]any{}}
	mnt := filepath.Join(s.cfg.Dir, "fulldisk")
	if err := os.MkdirAll(mnt, 0o700); err != nil {
		return o, err
	}
	disk, err := tmpdisk.Mount(mnt, diskSize)
	if err != nil {
		o.Failures = append(o.Failures, "skipped: "+err.Error()+" (needs root)")
		return o, nil
	}
	defer disk.Unmount()
	dir := filepath.Join(disk.Dir, "data")
	if err := copyDir(filepath.Join(s.cfg.Dir, "base"), dir); err != nil {
		return o, err
	}
	l := newLedger()
	srv, err := s.start(dir)
	if err != nil {
		return o, err
	}
	p, err := newProber(srv)
	if err != nil {
		srv.kill()
		return o, err
	}
	defer p.close()
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.load(loadCtx, srv, "disk", 24*time.Hour, l) }()
	time.Sleep(time.Second)
	// Each kind once before the fill: what follows measures the disk, not
	// a first password hash on a busy machine.
	for _, k := range kinds {
		if err := p.try(ctx, k); err != nil {
			o.Failures = append(o.Failures, fmt.Sprintf("%s login before the disk filled: %v", k, err))
		}
	}

	if err := disk.Fill(); err != nil {
		stopLoad()
		srv.kill()
		return o, err
	}
	// Keep it full: a journal emptied after its records are applied gives
	// space back, which the ballast takes at once, as a disk filled by
	// another program stays full.
	holdCtx, release := context.WithCancel(ctx)
	held := make(chan struct{})
	go func() {
		defer close(held)
		for holdCtx.Err() == nil {
			disk.Fill()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	acctBefore, agentBefore := l.counts()
	tallies := map[string]*loginTally{}
	for _, k := range kinds {
		tallies[k] = &loginTally{}
	}
	var notReady, samples int
	firstNotReady := time.Duration(-1)
	var reason string
	start := time.Now()
	for time.Since(start) < s.cfg.FullDisk {
		for _, k := range kinds {
			tallies[k].Tried++
			if err := p.try(ctx, k); err == nil {
				tallies[k].Accepted++
			} else if tallies[k].Tried-tallies[k].Accepted <= 3 {
				s.logf("full disk: %s login failed: %v", k, err)
			}
		}
		code, line := srv.ready(ctx)
		samples++
		if code == http.StatusServiceUnavailable {
			notReady++
			if firstNotReady < 0 {
				firstNotReady, reason = time.Since(start), line
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	acctFull, agentFull := l.counts()

	release()
	<-held
	if err := disk.Free(); err != nil {
		stopLoad()
		srv.kill()
		return o, err
	}
	freed := time.Now()
	recovered := time.Duration(-1)
	for time.Since(freed) < 10*time.Second {
		if code, _ := srv.ready(ctx); code == http.StatusOK {
			recovered = time.Since(freed)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	acked := time.Duration(-1)
	for time.Since(freed) < 10*time.Second {
		if a, _ := l.counts(); a > acctFull {
			acked = time.Since(freed)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second)
	stopLoad()
	wg.Wait()
	if err := srv.stop(); err != nil {
		o.Failures = append(o.Failures, "stop: "+err.Error())
	}

	o.Figures["logins_while_full"] = tallies
	o.Figures["readyz_samples_while_full"] = samples
	o.Figures["readyz_not_ready_while_full"] = notReady
	o.Figures["first_not_ready_after_fill_ms"] = firstNotReady.Milliseconds()
	o.Figures["not_ready_reason"] = reason
	o.Figures["ready_again_after_space_ms"] = recovered.Milliseconds()
	o.Figures["accounting_acked_again_after_space_ms"] = acked.Milliseconds()
	o.Figures["accounting_acked_while_full"] = acctFull - acctBefore
	o.Figures["reports_acked_while_full"] = agentFull - agentBefore
	for k, t := range tallies {
		if t.Accepted < t.Tried {
			o.Failures = append(o.Failures, fmt.Sprintf("%s: %d of %d valid logins not accepted while the disk was full", k, t.Tried-t.Accepted, t.Tried))
		}
	}
	if notReady == 0 {
		o.Failures = append(o.Failures, "/readyz never said not ready while the disk was full")
	}
	if recovered < 0 || recovered > time.Second {
		o.Failures = append(o.Failures, fmt.Sprintf("/readyz ready again %v after space returned (want within 1s)", recovered))
	}
	o.Server = append(o.Server, fmt.Sprintf("served on a full disk for %v; not ready %d of %d samples (%s); ready again %v after space returned",
		s.cfg.FullDisk, notReady, samples, reason, recovered.Round(time.Millisecond)))
	return s.check(ctx, dir, l, o)
}

package journal

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// applyRetry is how often a failed journal write is probed for: a node
// takes requests again within about this long of its disk having room.
const applyRetry = 100 * time.Millisecond

// probeSize is what a probe writes and syncs: a few records' worth.
const probeSize = 64 << 10

// health is whether the journal can be written now. A failed append
// marks it failing; the next append that succeeds, or a probe that
// writes and syncs probeSize bytes beside the journal (run every
// applyRetry meanwhile, so that a quiet node recovers too), clears it.
type health struct {
	path string // the journal's; the probe file is path + ".probe"
	log  func(msg string, args ...any)

	mu      sync.Mutex
	err     error
	gen     int           // counts failures, so a probe clears only its own
	probing bool          // a probe goroutine is running
	done    chan struct{} // closed by stop
	wg      sync.WaitGroup
}

func (h *health) init(path string, log func(msg string, args ...any)) {
	h.path, h.log, h.done = path, log, make(chan struct{})
}

// writeFailed notes a failed append and starts probing.
func (h *health) writeFailed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil {
		h.log("cannot write the journal; probing every 100ms", "err", err)
	}
	h.err = err
	h.gen++
	if !h.probing && h.done != nil {
		h.probing = true
		h.wg.Add(1)
		go h.probe()
	}
}

// writeOK notes a successful append.
func (h *health) writeOK() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clear(h.gen)
}

func (h *health) clear(gen int) {
	if h.err != nil && gen == h.gen {
		h.err = nil
		h.log("the journal can be written again")
	}
}

// failing returns the last append's error while it stands.
func (h *health) failing() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *health) probe() {
	defer h.wg.Done()
	t := time.NewTicker(applyRetry)
	defer t.Stop()
	buf := make([]byte, probeSize)
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		h.mu.Lock()
		gen := h.gen
		h.mu.Unlock()
		err := writeProbe(h.path+".probe", buf)
		h.mu.Lock()
		if err == nil {
			h.clear(gen)
		}
		if h.err == nil {
			h.probing = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
	}
}

// writeProbe writes and syncs buf to a new file at path and removes it.
func writeProbe(path string, buf []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(buf)
	if err == nil {
		err = fdatasync(f)
	}
	f.Close()
	os.Remove(path)
	return err
}

// stop ends probing; call it once the committer has stopped.
func (h *health) stop() {
	if h.done == nil {
		return
	}
	close(h.done)
	h.wg.Wait()
}

// Health returns why the pipeline cannot take or store records now: the
// journal cannot be written (acknowledgements stop; requests get an error)
// or the store cannot be written (acknowledged records wait in the
// journal). It returns nil when both work, and recovers by itself within
// about 100ms of the disk having room again.
func (p *Pipeline[Q, R]) Health() error {
	if err := p.health.failing(); err != nil {
		return fmt.Errorf("%s: cannot write %s: %w", p.cfg.Name, p.cfg.Path, err)
	}
	if err := p.progress.Failing(); err != nil {
		return fmt.Errorf("%s: cannot apply to the store: %w", p.cfg.Name, err)
	}
	return nil
}

package config

import (
	"fmt"
	"time"

	"github.com/wifihk/wifihk/usage"
)

// Usage configures the hourly usage figures and the open usage data.
type Usage struct {
	// FlushEvery is how often the figures gathered in memory go to the
	// store. Default 1m.
	FlushEvery time.Duration `yaml:"flush_every"`
	// Publish makes the previous day's open data each day. Default on; in
	// a cluster, one node should publish.
	Publish bool `yaml:"publish"`
	// Privacy protects the people in the open data: k (default 10),
	// epsilon per day (default 1.0), cells_per_day (default 4).
	Privacy usage.Privacy `yaml:"privacy"`
	// Disabled keeps no usage figures on this node (and publishes none).
	Disabled bool `yaml:"disabled"`
}

func (u Usage) validate() error {
	if u.FlushEvery < time.Second {
		return fmt.Errorf("config: usage.flush_every: %v is under 1s", u.FlushEvery)
	}
	if err := u.Privacy.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

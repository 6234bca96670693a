package accounting

import (
	"testing"
	"time"
)

func TestPurgeRest(t *testing.T) {
	for _, tc := range []struct {
		opt  PurgeOptions
		took time.Duration
		want time.Duration
	}{
		{PurgeOptions{}, 100 * time.Millisecond, 400 * time.Millisecond},
		{PurgeOptions{Pause: time.Second}, 100 * time.Millisecond, time.Second},
		{PurgeOptions{NoRest: true}, 100 * time.Millisecond, 0},
		{PurgeOptions{NoRest: true, Pause: 20 * time.Millisecond}, time.Second, 20 * time.Millisecond},
	} {
		if got := tc.opt.rest(tc.took); got != tc.want {
			t.Errorf("%+v after %v: rest %v, want %v", tc.opt, tc.took, got, tc.want)
		}
	}
}

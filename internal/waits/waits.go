// Package waits records the waits of retry loops in tests, instead of
// sleeping: give Recorder.Sleep to retry.WithSleep.
package waits

import (
	"context"
	"sync"
	"time"
)

// A Recorder is a sleep function that records each wait and returns at
// once. It is safe for concurrent use; its zero value is ready.
type Recorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

// Sleep records d and returns nil, whatever ctx says.
func (r *Recorder) Sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

// Waits returns the waits recorded so far, in order.
func (r *Recorder) Waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

// Reset forgets the waits recorded so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = nil
}

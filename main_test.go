package retry

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Retriers log their failures at Warn, which DefaultLogger writes; tests
	// that look at entries give a Logger of their own.
	DefaultLogger.SetOutput(io.Discard)
	goleak.VerifyTestMain(m)
}

// sleepRecorder is a WithSleep function that records each wait instead of
// sleeping. It is safe for concurrent use.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *sleepRecorder) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

func (r *sleepRecorder) recorded() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

package waits

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRecorder(t *testing.T) {
	var r Recorder
	assert.Nil(t, r.Waits())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.NoError(t, r.Sleep(ctx, time.Second), "a recorder does not wait, even on a done ctx")
	assert.NoError(t, r.Sleep(context.Background(), 2*time.Second))
	got := r.Waits()
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, got)
	got[0] = 0
	assert.Equal(t, time.Second, r.Waits()[0], "Waits returns a copy")
	r.Reset()
	assert.Nil(t, r.Waits())
}

func TestRecorderConcurrentUse(t *testing.T) {
	var r Recorder
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _ = r.Sleep(context.Background(), time.Millisecond) })
	}
	wg.Wait()
	assert.Len(t, r.Waits(), 50)
}

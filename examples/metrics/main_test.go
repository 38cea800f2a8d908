package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runInBubble runs the program with args in a synctest bubble, its waits
// recorded instead of slept: payments.Charge's AttemptTimeout passes on
// the bubble's clock, at once.
func runInBubble(t *testing.T, args ...string) (code int, stdout, stderr string, waited []time.Duration) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		var out, errOut bytes.Buffer
		rec := &waits.Recorder{}
		code = run(args, &out, &errOut, retry.WithSleep(rec.Sleep))
		stdout, stderr, waited = out.String(), errOut.String(), rec.Waits()
	})
	return code, stdout, stderr, waited
}

func TestMetricsTable(t *testing.T) {
	code, stdout, stderr, waited := runInBubble(t)
	require.Equal(t, 0, code, "stderr: %s", stderr)
	assert.Empty(t, stderr)
	assert.Equal(t, ""+
		"function          calls  ok   retries  gave up: tries  elapsed  not retryable  context  budget\n"+
		"inventory.Lookup  50     48   24       2               0        0              0        0\n"+
		"orders.Place      50     47   11       0               0        3              0        0\n"+
		"payments.Charge   50     50   13       0               0        0              0        0\n"+
		"total             150    145  48       2               0        3              0        0\n",
		stdout)
	assert.Len(t, waited, 48, "one wait per retry")
	for _, w := range waited {
		assert.Contains(t, []time.Duration{time.Millisecond, 2 * time.Millisecond}, w, "Delay(1ms), Backoff(2), Tries(3)")
	}
}

func TestMetricsTableOfAnotherSeed(t *testing.T) {
	code, stdout, stderr, waited := runInBubble(t, "-calls", "200", "-seed", "7")
	require.Equal(t, 0, code, "stderr: %s", stderr)
	assert.Equal(t, ""+
		"function          calls  ok   retries  gave up: tries  elapsed  not retryable  context  budget\n"+
		"inventory.Lookup  200    193  76       7               0        0              0        0\n"+
		"orders.Place      200    173  50       2               0        25             0        0\n"+
		"payments.Charge   200    199  53       1               0        0              0        0\n"+
		"total             600    565  179      10              0        25             0        0\n",
		stdout)
	assert.Len(t, waited, 179)
}

func TestMetricsRejectsBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-calls", "many"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `invalid value "many" for flag -calls`)

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-calls", "-1"}, &stdout, &stderr))
	assert.Equal(t, "metrics: -calls cannot be negative\n", stderr.String())

	stderr.Reset()
	assert.Equal(t, 2, run(nil, &stdout, &stderr, retry.Tries(0)))
	assert.Equal(t, "metrics: retry: Tries(0): tries cannot be 0\n", stderr.String())
	assert.Empty(t, stdout.String())
}

// quiet sends the loops' log nowhere.
var quiet = retry.Slog(slog.New(slog.DiscardHandler))

// flaky fails the first `failures` tries of each call, with err.
type flaky struct {
	mu       sync.Mutex
	tries    map[string]int // by key
	failures int
	err      error
}

func newFlaky(failures int, err error) *flaky {
	return &flaky{tries: map[string]int{}, failures: failures, err: err}
}

func (f *flaky) Get(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries[key]++
	if f.tries[key] <= f.failures {
		return f.err
	}
	return nil
}

func TestMetricsCountsEveryReason(t *testing.T) {
	m := NewMetrics()
	rec := &waits.Recorder{}
	call := func(ctx context.Context, f *flaky, opts ...retry.Option) {
		opts = append(opts, retry.WithSleep(rec.Sleep), quiet)
		r := retry.Must(retry.New(append(opts, m.Hooks()...)...))
		get, done := retry.Wrap(r, f.Get), m.Track(f.Get)
		done(get(ctx, "key"))
	}
	errDown := errors.New("down")
	budget, err := retry.NewBudget(2, 1) // its first failure leaves 1 token, not above half: no retry
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	bg := context.Background()
	call(bg, newFlaky(1, errDown), retry.Tries(3))                                        // ok, after 1 retry
	call(bg, newFlaky(5, errDown), retry.Tries(3))                                        // tries, after 2 retries
	call(bg, newFlaky(5, errDown), retry.Delay(time.Hour), retry.MaxElapsed(time.Minute)) // elapsed: the wait would end too late
	call(bg, newFlaky(5, retry.Permanent(errDown)))                                       // not retryable: Permanent
	call(bg, newFlaky(5, errDown), retry.On(context.Canceled))                            // not retryable: the filter
	call(cancelled, newFlaky(5, errDown))                                                 // context, before the first try
	call(bg, newFlaky(5, errDown), retry.WithBudget(budget))                              // budget

	var out bytes.Buffer
	require.NoError(t, m.WriteTable(&out))
	assert.Equal(t, ""+
		"function   calls  ok  retries  gave up: tries  elapsed  not retryable  context  budget\n"+
		"flaky.Get  7      1   3        1               1        2              1        1\n"+
		"total      7      1   3        1               1        2              1        1\n",
		out.String())
	assert.Equal(t, []time.Duration{0, 0, 0}, rec.Waits(), "the waits of the 3 retries; MaxElapsed started none")
}

func TestMetricsConcurrentUse(t *testing.T) {
	m := NewMetrics()
	f := newFlaky(1, errors.New("down"))
	r := retry.Must(retry.New(append(m.Hooks(), retry.Tries(2), quiet)...))
	get, done := retry.Wrap(r, f.Get), m.Track(f.Get)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { done(get(context.Background(), fmt.Sprint(i))) })
	}
	wg.Wait()
	var out bytes.Buffer
	require.NoError(t, m.WriteTable(&out))
	assert.Equal(t, ""+
		"function   calls  ok  retries  gave up: tries  elapsed  not retryable  context  budget\n"+
		"flaky.Get  50     50  50       0               0        0              0        0\n"+
		"total      50     50  50       0               0        0              0        0\n",
		out.String())
}

func TestShortName(t *testing.T) {
	for full, want := range map[string]string{
		"main.(*inventory).Lookup":                                        "inventory.Lookup",
		"github.com/kaioretry/retry/examples/metrics.(*inventory).Lookup": "inventory.Lookup",
		"main.orders.Place":                                               "orders.Place",
		"main.charge":                                                     "charge",
	} {
		assert.Equal(t, want, shortName(full), full)
	}
}

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kaioretry/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every test here runs in a synctest bubble: time is fake, and the loops
// wait with their default sleep, which the bubble's clock drives.

// limScript is a function to retry whose tries fail with a fresh error each
// (or, when block is set, wait for their ctx to be done and fail with its
// error). It records when each try began, and the deadline of its ctx.
type limScript struct {
	block bool          // a try waits for its ctx to be done
	work  time.Duration // a try takes this long first (fake time)
	onTry func(n int)   // called at the start of each try, if set

	mu        sync.Mutex
	calls     int
	last      error
	starts    []time.Duration // since begin
	deadlines []time.Duration // since the try began; -1 when none
	begin     time.Time
}

func newLimScript() *limScript { return &limScript{begin: time.Now()} }

func (s *limScript) try(ctx context.Context) (int, error) {
	n := s.record(ctx)
	if s.work > 0 {
		<-time.After(s.work) // fake time
	}
	err := fmt.Errorf("try %d failed", n)
	if s.block {
		<-ctx.Done()
		err = ctx.Err()
	}
	s.mu.Lock()
	s.last = err
	s.mu.Unlock()
	return n, err
}

// record counts a try, notes when it began and its ctx's deadline, calls
// onTry and returns the try's number.
func (s *limScript) record(ctx context.Context) int {
	s.mu.Lock()
	s.calls++
	n := s.calls
	now := time.Now()
	s.starts = append(s.starts, now.Sub(s.begin))
	if d, ok := ctx.Deadline(); ok {
		s.deadlines = append(s.deadlines, d.Sub(now))
	} else {
		s.deadlines = append(s.deadlines, -1)
	}
	onTry := s.onTry
	s.mu.Unlock()
	if onTry != nil {
		onTry(n)
	}
	return n
}

func (s *limScript) fetch(ctx context.Context, key string) (int, error) { return s.try(ctx) }
func (s *limScript) ping(ctx context.Context) error                     { _, err := s.try(ctx); return err }
func (s *limScript) value(ctx context.Context) (int, error)             { return s.try(ctx) }
func (s *limScript) plain(n int) (int, error)                           { return s.try(context.Background()) }

// watch returns a channel with the try's error; when block is set, a
// channel that never yields.
func (s *limScript) watch(ctx context.Context) <-chan error {
	if s.block {
		s.record(ctx)
		return make(chan error)
	}
	ch := make(chan error, 1)
	_, err := s.try(ctx)
	ch <- err
	return ch
}

// limState is what a limScript saw, so far.
type limState struct {
	calls     int
	last      error
	starts    []time.Duration
	deadlines []time.Duration
}

func (s *limScript) state() limState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return limState{s.calls, s.last, slices.Clone(s.starts), slices.Clone(s.deadlines)}
}

// A limForm is one way to have a limScript retried. call returns the value
// the caller gets (-1 when there is none) and its error.
type limForm struct {
	name      string
	cancelled bool // the loop watches the caller's ctx
	call      func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error)
}

var limForms = []limForm{
	{"Decorate reflective", true, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		return r.Decorate(s.fetch).(func(context.Context, string) (int, error))(ctx, "k")
	}},
	{"Decorate fast path", true, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		return -1, r.Decorate(s.ping).(func(context.Context) error)(ctx)
	}},
	{"Do", true, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		return -1, retry.Do(ctx, r, s.ping)
	}},
	{"DoValue", true, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		return retry.DoValue(ctx, r, s.value)
	}},
	{"Async Outcome", true, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		o := <-r.Async(s.fetch).(func(context.Context, string) <-chan retry.Outcome)(ctx, "k")
		if o.Values == nil {
			return 0, o.Err
		}
		return o.Values[0].(int), o.Err
	}},
	{"channel", true, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		err, ok := <-r.Decorate(s.watch).(func(context.Context) <-chan error)(ctx)
		if !ok {
			return -1, errors.New("test: closed with no value")
		}
		return -1, err
	}},
	{"Sync", false, func(ctx context.Context, r *retry.Retrier, s *limScript) (int, error) {
		return r.Sync(s.fetch).(func(context.Context, string) (int, error))(ctx, "k")
	}},
}

func TestMaxElapsedNeverSleepsInVain(t *testing.T) {
	tests := []struct {
		name    string
		opts    []retry.Option
		work    time.Duration
		calls   int
		elapsed time.Duration
		reason  retry.StopReason
	}{
		// Waits of 1s, 2s, 4s: the third would end at 7s, past 5s.
		{"the wait that would pass is not started", []retry.Option{retry.MaxElapsed(5 * time.Second)}, 0, 3, 3 * time.Second, retry.StopElapsed},
		{"a try may start exactly at MaxElapsed", []retry.Option{retry.MaxElapsed(3 * time.Second)}, 0, 3, 3 * time.Second, retry.StopElapsed},
		{"one nanosecond short", []retry.Option{retry.MaxElapsed(3*time.Second - 1)}, 0, 2, time.Second, retry.StopElapsed},
		// Tries of 500ms: try 2 ends at 2s, and a wait of 2s would end at 4s.
		{"the tries' time counts", []retry.Option{retry.MaxElapsed(3 * time.Second)}, 500 * time.Millisecond, 2, 2 * time.Second, retry.StopElapsed},
		{"the first wait would pass", []retry.Option{retry.MaxElapsed(500 * time.Millisecond)}, 0, 1, 0, retry.StopElapsed},
		{"the tries run out first", []retry.Option{retry.MaxElapsed(time.Hour)}, 0, 5, 15 * time.Second, retry.StopTries},
	}
	for _, tt := range tests {
		for _, form := range limForms {
			if form.name == "Sync" {
				continue // MaxElapsed for Sync: see below
			}
			t.Run(tt.name+"/"+form.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := newLimScript()
					s.work = tt.work
					var gaveUp []retry.Attempt
					opts := append([]retry.Option{retry.Tries(5), retry.Delay(time.Second), retry.Backoff(2),
						retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) })}, tt.opts...)
					r, err := retry.New(opts...)
					require.NoError(t, err)
					start := time.Now()

					v, err := form.call(context.Background(), r, s)

					assert.Equal(t, tt.elapsed, time.Since(start), "fake time elapsed")
					st := s.state()
					assert.Equal(t, tt.calls, st.calls)
					sameErr(t, st.last, err, "the caller gets the last try's error")
					if v != -1 {
						assert.Equal(t, tt.calls, v, "the caller gets the last try's results")
					}
					require.Len(t, gaveUp, 1)
					assert.Equal(t, tt.reason, gaveUp[0].Reason, "reason: got %v", gaveUp[0].Reason)
					assert.Equal(t, tt.calls, gaveUp[0].Number)
					sameErr(t, st.last, gaveUp[0].Err)
				})
			})
		}
	}
}

func TestMaxElapsedSyncLoop(t *testing.T) {
	// The synchronous loop (no ctx) and Sync keep to MaxElapsed too.
	tests := []struct {
		name string
		call func(r *retry.Retrier, s *limScript) (int, error)
	}{
		{"Decorate func(int) (int, error)", func(r *retry.Retrier, s *limScript) (int, error) {
			return r.Decorate(s.plain).(func(int) (int, error))(1)
		}},
		{"Sync", func(r *retry.Retrier, s *limScript) (int, error) {
			return r.Sync(s.fetch).(func(context.Context, string) (int, error))(context.Background(), "k")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newLimScript()
				r, err := retry.New(retry.Tries(5), retry.Delay(time.Second), retry.Backoff(2), retry.MaxElapsed(3*time.Second))
				require.NoError(t, err)
				start := time.Now()

				v, err := tt.call(r, s)

				assert.Equal(t, 3*time.Second, time.Since(start))
				st := s.state()
				assert.Equal(t, 3, st.calls)
				assert.Equal(t, 3, v)
				sameErr(t, st.last, err)
			})
		})
	}
}

func TestDeadlineNeverSleepsInVain(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration // the caller's ctx deadline, from the call
		calls    int
		elapsed  time.Duration
		syncWait time.Duration // how long Sync takes: it does not watch ctx
	}{
		// Waits of 1s, 2s, 4s, 8s: the third would end at 7s, past 5s.
		{"the wait that would pass is not started", 5 * time.Second, 3, 3 * time.Second, 15 * time.Second},
		// The second wait would end at 3s, when the ctx is done.
		{"a wait ending at the deadline is not started", 3 * time.Second, 2, time.Second, 15 * time.Second},
		{"the first wait would pass", 500 * time.Millisecond, 1, 0, 15 * time.Second},
	}
	for _, tt := range tests {
		for _, form := range limForms {
			t.Run(tt.name+"/"+form.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := newLimScript()
					var gaveUp []retry.Attempt
					r, err := retry.New(retry.Tries(5), retry.Delay(time.Second), retry.Backoff(2),
						retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) }))
					require.NoError(t, err)
					ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
					defer cancel()
					start := time.Now()

					v, err := form.call(ctx, r, s)

					elapsed := time.Since(start)
					st := s.state()
					require.Len(t, gaveUp, 1)
					if !form.cancelled {
						// Sync waits, whatever ctx says.
						assert.Equal(t, tt.syncWait, elapsed)
						assert.Equal(t, 5, st.calls)
						sameErr(t, st.last, err)
						assert.Equal(t, retry.StopTries, gaveUp[0].Reason)
						return
					}
					assert.Equal(t, tt.elapsed, elapsed, "fake time went past the last try")
					assert.Equal(t, tt.calls, st.calls)
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.ErrorIs(t, err, st.last)
					if v != -1 {
						assert.Zero(t, v, "a stopped call's other results are zero values")
					}
					assert.Equal(t, retry.StopContext, gaveUp[0].Reason, "reason: got %v", gaveUp[0].Reason)
					assert.Equal(t, tt.calls, gaveUp[0].Number)
					sameErr(t, err, gaveUp[0].Err)
				})
			})
		}
	}
}

func TestAttemptTimeoutGivesEachTryItsDeadline(t *testing.T) {
	// Each try waits for its ctx: it fails by its own timeout, while the
	// caller's ctx is live, so it is retried though On rejects it.
	errOther := errors.New("other")
	for _, form := range limForms {
		t.Run(form.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newLimScript()
				s.block = true
				var retried int
				r, err := retry.New(retry.Tries(3), retry.AttemptTimeout(time.Second), retry.On(errOther),
					retry.OnRetry(func(retry.Attempt) { retried++ }))
				require.NoError(t, err)
				start := time.Now()

				_, err = form.call(context.Background(), r, s)

				assert.Equal(t, 3*time.Second, time.Since(start))
				st := s.state()
				assert.Equal(t, 3, st.calls)
				assert.Equal(t, 2, retried)
				assert.Equal(t, []time.Duration{0, time.Second, 2 * time.Second}, st.starts)
				assert.Equal(t, []time.Duration{time.Second, time.Second, time.Second}, st.deadlines,
					"each try's ctx ends 1s after the try began")
				if form.name != "channel" {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
				}
			})
		})
	}
}

func TestAttemptTimeoutKeepsTheCallersDeadline(t *testing.T) {
	// The caller's deadline comes first: the try's ctx keeps it.
	synctest.Test(t, func(t *testing.T) {
		s := newLimScript()
		s.block = true
		r, err := retry.New(retry.Tries(3), retry.AttemptTimeout(time.Hour))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()

		err = retry.Do(ctx, r, s.ping)

		assert.ErrorIs(t, err, context.DeadlineExceeded)
		st := s.state()
		assert.Equal(t, 1, st.calls)
		assert.Equal(t, []time.Duration{2 * time.Second}, st.deadlines)
	})
}

func TestAttemptTimeoutCallerCancelStops(t *testing.T) {
	for _, form := range limForms {
		if !form.cancelled {
			continue
		}
		t.Run(form.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				s := newLimScript()
				s.block = true
				s.onTry = func(n int) {
					if n == 2 {
						cancel() // the caller gives up during try 2
					}
				}
				var gaveUp []retry.Attempt
				r, err := retry.New(retry.Tries(5), retry.AttemptTimeout(time.Second),
					retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) }))
				require.NoError(t, err)
				start := time.Now()

				_, err = form.call(ctx, r, s)

				assert.Equal(t, time.Second, time.Since(start), "try 1 timed out after 1s, try 2 ended at once")
				st := s.state()
				assert.Equal(t, 2, st.calls)
				assert.ErrorIs(t, err, context.Canceled)
				require.Len(t, gaveUp, 1)
				assert.Equal(t, retry.StopContext, gaveUp[0].Reason, "reason: got %v", gaveUp[0].Reason)
			})
		})
	}
}

func TestAttemptTimeoutCallerDeadlineInsideATry(t *testing.T) {
	// Try 1 fails by its own timeout (1s) and is retried; try 2 fails by
	// the caller's deadline (1.5s), which ends the loop.
	synctest.Test(t, func(t *testing.T) {
		s := newLimScript()
		s.block = true
		r, err := retry.New(retry.Tries(5), retry.AttemptTimeout(time.Second))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		start := time.Now()

		err = retry.Do(ctx, r, s.ping)

		assert.Equal(t, 1500*time.Millisecond, time.Since(start))
		st := s.state()
		assert.Equal(t, 2, st.calls)
		assert.Equal(t, []time.Duration{time.Second, 500 * time.Millisecond}, st.deadlines)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// limPanicErr returns the error f panics with; it fails when f does not
// panic with an error.
func limPanicErr(t *testing.T, f func()) (err error) {
	t.Helper()
	defer func() {
		v := recover()
		require.NotNil(t, v, "no panic")
		var ok bool
		err, ok = v.(error)
		require.True(t, ok, "panic value %#v is not an error", v)
	}()
	f()
	return nil
}

func TestAttemptTimeoutWithoutContextPanics(t *testing.T) {
	fns := []any{
		func() error { return nil },
		func(int) error { return nil },
		func(string) (int, error) { return 0, nil },
		func(int, context.Context) error { return nil },
		func() <-chan error { return nil },
	}
	r := retry.Must(retry.New(retry.Tries(3), retry.AttemptTimeout(time.Second)))
	decorators := []struct {
		name     string
		decorate func(fn any)
	}{
		{"Retrier.Decorate", func(fn any) { r.Decorate(fn) }},
		{"Retrier.Sync", func(fn any) { r.Sync(fn) }},
		{"Retrier.Async", func(fn any) { r.Async(fn) }},
		{"Decorate", func(fn any) { retry.Decorate(fn, retry.AttemptTimeout(time.Second)) }},
	}
	for _, fn := range fns {
		typ := reflect.TypeOf(fn).String()
		for _, d := range decorators {
			t.Run(d.name+"/"+typ, func(t *testing.T) {
				err := limPanicErr(t, func() { d.decorate(fn) })
				assert.ErrorIs(t, err, retry.ErrInvalidOption)
				assert.Contains(t, err.Error(), typ)
				assert.Contains(t, err.Error(), "AttemptTimeout(1s)")
			})
		}
	}
	t.Run("Wrap", func(t *testing.T) {
		err := limPanicErr(t, func() { retry.Wrap(r, func(int) error { return nil }) })
		assert.ErrorIs(t, err, retry.ErrInvalidOption)
		assert.Contains(t, err.Error(), "func(int) error")
	})
}

func TestLimitsRejectInvalidValues(t *testing.T) {
	tests := []struct {
		opt  retry.Option
		name string
	}{
		{retry.MaxElapsed(0), "MaxElapsed(0s)"},
		{retry.MaxElapsed(-time.Second), "MaxElapsed(-1s)"},
		{retry.AttemptTimeout(0), "AttemptTimeout(0s)"},
		{retry.AttemptTimeout(-time.Millisecond), "AttemptTimeout(-1ms)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := retry.New(tt.opt)
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.name)
			if so, ok := tt.opt.(retry.ScheduleOption); ok {
				s, err := retry.NewSchedule(so)
				assert.Nil(t, s)
				require.ErrorIs(t, err, retry.ErrInvalidOption)
				assert.Contains(t, err.Error(), tt.name)
			}
		})
	}
}

type limClient struct {
	Get func(ctx context.Context, key string) (int, error) `retry:"tries=10,delay=1s,elapsed=3s"`
	Put func(ctx context.Context) error                    `retry:"tries=3,timeout=1s"`
}

func TestTagsElapsedAndTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		get, put := newLimScript(), newLimScript()
		put.block = true
		c := limClient{Get: get.fetch, Put: put.ping}
		require.NoError(t, retry.DecorateFields(&c))

		start := time.Now()
		v, err := c.Get(context.Background(), "k")
		// Waits of 1s: the fourth try starts at 3s, the next wait would end at 4s.
		assert.Equal(t, 3*time.Second, time.Since(start))
		st := get.state()
		assert.Equal(t, 4, st.calls)
		assert.Equal(t, 4, v)
		sameErr(t, st.last, err)

		start = time.Now()
		err = c.Put(context.Background())
		assert.Equal(t, 3*time.Second, time.Since(start))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		st = put.state()
		assert.Equal(t, 3, st.calls)
		assert.Equal(t, []time.Duration{time.Second, time.Second, time.Second}, st.deadlines)
	})
}

type limNoContext struct {
	Fine func(ctx context.Context) error
	Run  func(n int) error `retry:"timeout=1s"`
}

type limBadValues struct {
	Fine    func(ctx context.Context) error
	Elapsed func(ctx context.Context) error `retry:"elapsed=0s"`
	Timeout func(ctx context.Context) error `retry:"timeout=-1s"`
}

func TestTimeoutTagWithoutContext(t *testing.T) {
	fine := func(context.Context) error { return nil }
	run := func(int) error { return nil }
	c := limNoContext{Fine: fine, Run: run}

	err := retry.DecorateFields(&c)

	require.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.Contains(t, err.Error(), "limNoContext.Run")
	assert.Contains(t, err.Error(), "func(int) error")
	assert.Equal(t, reflect.ValueOf(fine).Pointer(), reflect.ValueOf(c.Fine).Pointer(), "Fine was changed")
	assert.Equal(t, reflect.ValueOf(run).Pointer(), reflect.ValueOf(c.Run).Pointer(), "Run was changed")
}

func TestTimeoutTagWithoutContextOnNilField(t *testing.T) {
	// A bad tag is an error even on a nil field: Run's type takes no ctx.
	fine := func(context.Context) error { return nil }
	c := limNoContext{Fine: fine}

	err := retry.DecorateFields(&c)

	require.ErrorIs(t, err, retry.ErrInvalidOption)
	if err != nil {
		assert.Contains(t, err.Error(), "limNoContext.Run")
	}
	assert.Equal(t, reflect.ValueOf(fine).Pointer(), reflect.ValueOf(c.Fine).Pointer(), "Fine was changed")
}

func TestLimitTagsRejectInvalidValues(t *testing.T) {
	fine := func(context.Context) error { return nil }
	c := limBadValues{Fine: fine, Elapsed: fine, Timeout: fine}

	err := retry.DecorateFields(&c)

	require.ErrorIs(t, err, retry.ErrInvalidOption)
	for _, want := range []string{"limBadValues.Elapsed", "MaxElapsed(0s)", "limBadValues.Timeout", "AttemptTimeout(-1s)"} {
		assert.Contains(t, err.Error(), want)
	}
	for name, f := range map[string]func(context.Context) error{"Fine": c.Fine, "Elapsed": c.Elapsed, "Timeout": c.Timeout} {
		assert.Equal(t, reflect.ValueOf(fine).Pointer(), reflect.ValueOf(f).Pointer(), "%s was changed", name)
	}
}

func TestHintedWaitNeverSleepsInVain(t *testing.T) {
	// The wait checked against the limits is the one that would be waited:
	// the hint's.
	boom := errors.New("boom")
	tests := []struct {
		name   string
		opts   []retry.Option
		ctx    time.Duration // the caller's deadline; 0 for none
		reason retry.StopReason
		check  func(t *testing.T, err error)
	}{
		{"MaxElapsed", []retry.Option{retry.MaxElapsed(5 * time.Second)}, 0, retry.StopElapsed,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, boom) }},
		{"deadline", nil, 5 * time.Second, retry.StopContext,
			func(t *testing.T, err error) {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.ErrorIs(t, err, boom)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if tt.ctx > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.ctx)
					defer cancel()
				}
				var gaveUp []retry.Attempt
				r, err := retry.New(append([]retry.Option{retry.Tries(5), retry.Delay(time.Second),
					retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) })}, tt.opts...)...)
				require.NoError(t, err)
				calls := 0
				start := time.Now()

				err = retry.Do(ctx, r, func(context.Context) error {
					calls++
					return retry.RetryAfter(10*time.Second, boom)
				})

				assert.Zero(t, time.Since(start), "the hinted wait was started")
				assert.Equal(t, 1, calls)
				tt.check(t, err)
				require.Len(t, gaveUp, 1)
				assert.Equal(t, tt.reason, gaveUp[0].Reason, "reason: got %v", gaveUp[0].Reason)
			})
		})
	}
}

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"github.com/kaioretry/retry"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flaky returns a function that fails `failures` times, each time with a new
// error value, then returns "ok"; calls counts the calls.
func flaky(failures int, calls *int) (func(int) (string, error), *[]error) {
	var errs []error
	return func(x int) (string, error) {
		*calls++
		if *calls <= failures {
			err := fmt.Errorf("failure #%d", *calls)
			errs = append(errs, err)
			return fmt.Sprint("partial ", *calls), err
		}
		return fmt.Sprint("ok ", x), nil
	}, &errs
}

func TestRetryCounts(t *testing.T) {
	tests := []struct {
		name      string
		tries     int
		failures  int
		wantCalls int
		wantOK    bool
	}{
		{"first try", 5, 0, 1, true},
		{"one failure", 5, 1, 2, true},
		{"three failures", 5, 3, 4, true},
		{"success at the last try", 5, 4, 5, true},
		{"exhausted", 4, 10, 4, false},
		{"one try", 1, 10, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			fn, errs := flaky(tt.failures, &calls)
			f := retry.Decorate(fn, retry.Tries(tt.tries), noWait()).(func(int) (string, error))
			got, err := f(3)
			assert.Equal(t, tt.wantCalls, calls)
			if tt.wantOK {
				require.NoError(t, err)
				assert.Equal(t, "ok 3", got)
				return
			}
			require.Len(t, *errs, tt.wantCalls)
			last := (*errs)[len(*errs)-1]
			assert.Same(t, last, err, "the last error value itself")
			assert.Equal(t, fmt.Sprint("partial ", tt.wantCalls), got, "the other results of the last try")
		})
	}
}

func TestUnlimitedRetrierKeepsTrying(t *testing.T) {
	calls := 0
	fn, _ := flaky(999, &calls)
	f := retry.Decorate(fn, noWait()).(func(int) (string, error))
	got, err := f(1)
	require.NoError(t, err)
	assert.Equal(t, "ok 1", got)
	assert.Equal(t, 1000, calls)
}

func TestPermanentGivesBackTheErrorItself(t *testing.T) {
	inner := &tempError{"fatal"}
	calls := 0
	f := retry.Decorate(func() (string, error) { calls++; return "partial", retry.Permanent(inner) }, retry.Tries(5), noWait()).(func() (string, error))
	got, err := f()
	assert.Equal(t, 1, calls)
	assert.Equal(t, "partial", got)
	assert.Same(t, inner, err, "the Permanent wrapper is removed")

	wrapped := fmt.Errorf("op: %w", retry.Permanent(inner))
	g := retry.Decorate(func() error { return wrapped }, retry.Tries(5), noWait()).(func() error)
	assert.Same(t, wrapped, g(), "a Permanent deeper in the chain stays as fn returned it")
}

func TestPanicsGoUpUntouchedByDefault(t *testing.T) {
	calls := 0
	value := &tempError{"boom"}
	f := retry.Decorate(func() error { calls++; panic(value) }, retry.Tries(5), noWait()).(func() error)
	assert.PanicsWithValue(t, value, func() { _ = f() })
	assert.Equal(t, 1, calls)
}

func TestRetryPanics(t *testing.T) {
	t.Run("retried until success", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func(x int) (int, error) {
			calls++
			if calls < 3 {
				panic(calls)
			}
			return x * 10, nil
		}, retry.RetryPanics(), retry.On(io.EOF), retry.Tries(5), noWait()).(func(int) (int, error))
		got, err := f(4)
		require.NoError(t, err)
		assert.Equal(t, 40, got)
		assert.Equal(t, 3, calls, "panics are retried whatever the filters say")
	})
	t.Run("last panic raised again", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func() error { calls++; panic(fmt.Sprint("panic #", calls)) }, retry.RetryPanics(), retry.Tries(4), noWait()).(func() error)
		assert.PanicsWithValue(t, "panic #4", func() { _ = f() })
		assert.Equal(t, 4, calls)
	})
	t.Run("last try failed with an error", func(t *testing.T) {
		calls := 0
		last := errors.New("last")
		f := retry.Decorate(func() error {
			calls++
			if calls < 3 {
				panic("early")
			}
			return last
		}, retry.RetryPanics(), retry.Tries(3), noWait()).(func() error)
		assert.Same(t, last, f())
	})
	t.Run("without an error result", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func() int {
			calls++
			if calls < 2 {
				panic("once")
			}
			return calls
		}, retry.RetryPanics(), retry.Tries(3), noWait()).(func() int)
		assert.Equal(t, 2, f())
	})
	t.Run("last panic raised even when ctx ends the loop", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		f := retry.Decorate(func(context.Context) error { cancel(); panic("before the cancel") }, retry.RetryPanics(), retry.Tries(3), noWait()).(func(context.Context) error)
		assert.PanicsWithValue(t, "before the cancel", func() { _ = f(ctx) })
		ctx, cancel = context.WithCancel(context.Background())
		o := retry.Async(func(context.Context) error { cancel(); panic("async, before the cancel") }, retry.RetryPanics(), retry.Tries(3)).(func(context.Context) <-chan retry.Outcome)
		got := drain(o(ctx))
		require.Len(t, got, 1)
		var pe *retry.PanicError
		require.ErrorAs(t, got[0].Err, &pe)
		assert.Equal(t, "async, before the cancel", pe.Value)
	})
	t.Run("panic(nil)", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func() error { calls++; panic(nil) }, retry.RetryPanics(), retry.Tries(2), noWait()).(func() error)
		assert.Panics(t, func() { _ = f() })
		assert.Equal(t, 2, calls)
	})
}

func TestFunctionWithoutErrorRunsOnce(t *testing.T) {
	calls := 0
	f := retry.Decorate(func(x int) (int, string) { calls++; return x, "s" }, retry.Tries(5), noWait()).(func(int) (int, string))
	n, s := f(3)
	assert.Equal(t, 3, n)
	assert.Equal(t, "s", s)
	assert.Equal(t, 1, calls)
}

func TestCancellableLoop(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
		after   time.Duration
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled, 10 * time.Millisecond},
		// Never sleep in vain: the second wait would end past the deadline,
		// so it is not started.
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 90*time.Minute)
		}, context.DeadlineExceeded, time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var errs []error
				f := retry.Decorate(func(_ context.Context, x int) (int, error) {
					err := fmt.Errorf("failure #%d", len(errs)+1)
					errs = append(errs, err)
					return x, err
				}, retry.Tries(5), retry.Delay(time.Hour)).(func(context.Context, int) (int, error))
				ctx, cancel := tt.ctx()
				defer cancel()
				start := time.Now()
				got, err := f(ctx, 7)
				assert.Equal(t, tt.after, time.Since(start), "the wait ends with the context, or is not started past its deadline")
				assert.Zero(t, got, "other results are zero values")
				assert.ErrorIs(t, err, tt.wantErr)
				require.NotEmpty(t, errs)
				assert.ErrorIs(t, err, errs[len(errs)-1])
				assert.Len(t, errs, int(tt.after/time.Hour)+1)
			})
		})
	}
}

func TestCancellableLoopDoesNotCallWhenAlreadyDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	f := retry.Decorate(func(context.Context, string) (string, error) { calls++; return "x", nil }, retry.Tries(3)).(func(context.Context, string) (string, error))
	got, err := f(ctx, "a")
	assert.Zero(t, calls)
	assert.Empty(t, got)
	assert.Same(t, context.Canceled, err)
}

func TestSleepErrorStopsTheCall(t *testing.T) {
	stop := errors.New("no more sleeping")
	last := errors.New("last")
	calls := 0
	f := retry.Decorate(func() (int, error) { calls++; return 9, last }, retry.Tries(5), retry.WithSleep(func(context.Context, time.Duration) error { return stop })).(func() (int, error))
	got, err := f()
	assert.Equal(t, 1, calls)
	assert.Zero(t, got)
	assert.ErrorIs(t, err, stop)
	assert.ErrorIs(t, err, last)
}

func TestConcurrentCallsRunTheirOwnLoops(t *testing.T) {
	const goroutines = 500
	calls := make([]atomic.Int32, goroutines)
	r := fast(t, retry.Tries(10))
	f := retry.Wrap(r, func(g int) (int, error) {
		n := int(calls[g].Add(1))
		if n <= g%4 {
			return n, fmt.Errorf("goroutine %d failure %d", g, n)
		}
		return n, nil
	})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			n, err := f(g)
			assert.NoError(t, err)
			assert.Equal(t, g%4+1, n, "goroutine %d", g)
		})
	}
	wg.Wait()
	for g := range goroutines {
		assert.Equal(t, int32(g%4+1), calls[g].Load(), "goroutine %d", g)
	}
}

// The error of a stopped call is the stopped loop's own: loops that run
// after it, or beside it, on state the library reuses, leave it as it was.
func TestStoppedErrorsStayTheirOwn(t *testing.T) {
	const goroutines = 200
	type stopped struct {
		err  error
		last error
	}
	results := make([]stopped, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			// Each call fails g%3+1 times, then its ctx is cancelled
			// during the wait that follows; half the goroutines then make
			// more calls, which fail and succeed, on reused state.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			last := fmt.Errorf("goroutine %d", g)
			failures := g%3 + 1
			calls := 0
			err := retry.Do(ctx, retry.Must(retry.New(retry.Tries(5), retry.WithSleep(func(ctx context.Context, d time.Duration) error {
				if calls == failures {
					cancel()
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}), retry.Logger(quietLogger()))), func(context.Context) error {
				calls++
				return last
			})
			results[g] = stopped{err, last}
			if g%2 == 0 {
				n := 0
				assert.NoError(t, retry.Do(context.Background(), fast(t, retry.Tries(3)), func(context.Context) error {
					if n++; n < 3 {
						return errors.New("again")
					}
					return nil
				}))
			}
		})
	}
	wg.Wait()
	for g, res := range results {
		tries := g%3 + 1
		want := fmt.Sprintf("retry: stopped after %d tr", tries)
		require.Error(t, res.err, "goroutine %d", g)
		assert.Contains(t, res.err.Error(), want, "goroutine %d", g)
		assert.Contains(t, res.err.Error(), fmt.Sprintf("(last error: goroutine %d)", g))
		assert.ErrorIs(t, res.err, res.last, "goroutine %d", g)
		assert.ErrorIs(t, res.err, context.Canceled, "goroutine %d", g)
	}
}

func TestRetrierLogging(t *testing.T) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	calls := 0
	busyCalls = &calls
	f := retry.Decorate(busyOnce, retry.Tries(3), retry.Logger(logger), noWait()).(func() error)

	require.NoError(t, f())
	entries := hook.AllEntries()
	var got []string
	for _, e := range entries {
		got = append(got, e.Level.String()+" "+e.Message)
	}
	assert.Equal(t, []string{
		"warning github.com/kaioretry/retry_test.busyOnce: try #1 failed with *retry_test.tempError: busy",
		"info 2 tries remaining",
		"info sleeping 0s",
		"debug github.com/kaioretry/retry_test.busyOnce: succeeded at try #2",
	}, got)
	id := entries[0].Data["loop"]
	_, err := uuid.Parse(id.(string))
	require.NoError(t, err)
	for _, e := range entries {
		assert.Equal(t, id, e.Data["loop"], "one loop id per call")
	}

	hook.Reset()
	calls = -10 // fails until the tries run out
	assert.Error(t, f())
	entries = hook.AllEntries()
	last := entries[len(entries)-1]
	assert.Equal(t, logrus.WarnLevel, last.Level)
	assert.Equal(t, "github.com/kaioretry/retry_test.busyOnce: giving up after 3 tries: busy", last.Message)
	assert.NotEqual(t, id, last.Data["loop"], "a second call has another loop id")
}

var busyCalls *int

// busyOnce fails with a *tempError on its first call, as busyCalls counts.
func busyOnce() error {
	*busyCalls++
	if *busyCalls < 2 {
		return &tempError{"busy"}
	}
	return nil
}

// server's Get is a method value under test.
type server struct{}

func (*server) Get(id int) (string, error) { return "", fmt.Errorf("no item %d", id) }

// alwaysBusy is a package-level function under test.
func alwaysBusy() error { return &tempError{"busy"} }

// Entries name the decorated function as the runtime knows it: a function
// by its package path and name, a closure by its enclosing function, a
// method value by its method (without the compiler's "-fm" suffix).
func TestEntriesNameTheFunction(t *testing.T) {
	tests := []struct {
		fn   any
		call func(d any)
		want string
	}{
		{func() error { return &tempError{"busy"} }, func(d any) { _ = d.(func() error)() },
			"github.com/kaioretry/retry_test.TestEntriesNameTheFunction.func1"},
		{alwaysBusy, func(d any) { _ = d.(func() error)() },
			"github.com/kaioretry/retry_test.alwaysBusy"},
		{(&server{}).Get, func(d any) { _, _ = d.(func(int) (string, error))(1) },
			"github.com/kaioretry/retry_test.(*server).Get"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			logger, hook := test.NewNullLogger()
			logger.SetLevel(logrus.WarnLevel) // the Retrier's entries only
			tt.call(retry.Decorate(tt.fn, retry.Tries(2), retry.Logger(logger), noWait()))
			msgs := messages(hook)
			require.NotEmpty(t, msgs)
			for _, m := range msgs {
				assert.Contains(t, m, tt.want+": ")
			}
		})
	}
}

// netErr is a net.Error.
type netErr struct{ msg string }

func (e *netErr) Error() string   { return e.msg }
func (e *netErr) Timeout() bool   { return false }
func (e *netErr) Temporary() bool { return true }

// A last result of an interface type that implements error (net.Error,
// interface{ error; Temporary() bool }) is the error result, as error is; a
// concrete error type is data. When a stopped call's error cannot be held by
// such a result, the caller gets the last failure there, never a nil that
// would read as success.
func TestInterfaceErrorResultIsAFailure(t *testing.T) {
	t.Run("net.Error: retried, err == last", func(t *testing.T) {
		var last net.Error
		calls := 0
		f := retry.Decorate(func() (int, net.Error) {
			calls++
			last = &netErr{fmt.Sprint("failure ", calls)}
			return calls, last
		}, retry.Tries(3), noWait()).(func() (int, net.Error))
		n, err := f()
		assert.Equal(t, 3, calls)
		assert.Equal(t, 3, n)
		assert.Same(t, last, err)
	})
	t.Run("interface{ error; Temporary() bool }: retried until success", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func(x int) (int, interface {
			error
			Temporary() bool
		}) {
			calls++
			if calls < 3 {
				return 0, &netErr{"not yet"}
			}
			return x, nil
		}, retry.Tries(5), noWait()).(func(int) (int, interface {
			error
			Temporary() bool
		}))
		n, err := f(7)
		assert.Nil(t, err)
		assert.Equal(t, 7, n)
		assert.Equal(t, 3, calls)
	})
	t.Run("*myErr is data: runs once", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func() (int, *myErr) { calls++; return calls, &myErr{"data"} }, retry.Tries(5), noWait()).(func() (int, *myErr))
		n, e := f()
		assert.Equal(t, 1, calls)
		assert.Equal(t, 1, n)
		assert.Equal(t, &myErr{"data"}, e)
	})
	t.Run("stopped: the last failure, not nil", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var last *netErr
		calls := 0
		f := retry.Decorate(func(context.Context) (int, net.Error) {
			calls++
			last = &netErr{fmt.Sprint("failure ", calls)}
			if calls == 2 {
				cancel()
			}
			return calls, last
		}, retry.Tries(5), noWait()).(func(context.Context) (int, net.Error))
		n, err := f(ctx)
		assert.Equal(t, 2, calls, "retried, then stopped by ctx")
		assert.Zero(t, n, "other results are zero values")
		require.NotNil(t, err, "a stopped call never reads as success")
		assert.Same(t, last, err)
	})
	t.Run("ctx done before any try: fn's own result", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		mine := &netErr{"mine"}
		calls := 0
		f := retry.Decorate(func(context.Context) (int, net.Error) { calls++; return 0, mine }, retry.Tries(5), noWait()).(func(context.Context) (int, net.Error))
		_, err := f(ctx)
		assert.Equal(t, 1, calls, "tried once, so that its own result speaks")
		assert.Same(t, mine, err)
	})
}

// stopForms are the ways a caller runs a ctx-first function that the context
// can stop: each calls try, through the library, with ctx and returns the
// error the caller gets.
var stopForms = []struct {
	name string
	call func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error
}{
	{"Decorate, cancellable loop", func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error {
		f := retry.Wrap(r, func(ctx context.Context, x int) (int, error) { return x, try(ctx) })
		_, err := f(ctx, 1)
		return err
	}},
	{"Decorate, func(context.Context) error", func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error {
		return retry.Wrap(r, try)(ctx)
	}},
	{"Do", func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error {
		return retry.Do(ctx, r, try)
	}},
	{"DoValue", func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error {
		_, err := retry.DoValue(ctx, r, func(ctx context.Context) (int, error) { return 1, try(ctx) })
		return err
	}},
	{"channel of errors", func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error {
		f := retry.Wrap(r, func(ctx context.Context) <-chan error { return sent(try(ctx)) })
		got := drain(f(ctx))
		if len(got) != 1 {
			return fmt.Errorf("the channel delivered %d values, want 1", len(got))
		}
		return got[0]
	}},
	{"Async, Outcome", func(ctx context.Context, r *retry.Retrier, try func(context.Context) error) error {
		f := r.Async(func(ctx context.Context) (int, error) { return 1, try(ctx) }).(func(context.Context) <-chan retry.Outcome)
		got := drain(f(ctx))
		if len(got) != 1 {
			return fmt.Errorf("the channel delivered %d Outcomes, want 1", len(got))
		}
		return got[0].Err
	}},
}

// A call stopped by its context gets an error that matches ctx.Err(),
// context.Cause(ctx) and the last failure, in every loop that watches ctx.
func TestCancelCauseIsMatched(t *testing.T) {
	cause := errors.New("shutting down")
	last := errors.New("last")
	for _, form := range stopForms {
		t.Run(form.name, func(t *testing.T) {
			t.Run("cancelled during the call", func(t *testing.T) {
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				calls := 0
				err := form.call(ctx, fast(t), func(context.Context) error {
					calls++
					cancel(cause)
					return last
				})
				assert.Equal(t, 1, calls)
				assert.ErrorIs(t, err, context.Canceled)
				assert.ErrorIs(t, err, cause)
				assert.ErrorIs(t, err, last)
			})
			t.Run("cancelled before the call", func(t *testing.T) {
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(cause)
				calls := 0
				err := form.call(ctx, fast(t), func(context.Context) error { calls++; return last })
				assert.Zero(t, calls)
				assert.ErrorIs(t, err, context.Canceled)
				assert.ErrorIs(t, err, cause)
			})
		})
	}
}

// A nil ctx is taken as context.Background() on every path: the call runs
// its loop to the end instead of crashing.
func TestNilContextIsBackground(t *testing.T) {
	var nilCtx context.Context // a caller's nil ctx, named to keep vet quiet
	for _, form := range stopForms {
		t.Run(form.name, func(t *testing.T) {
			calls := 0
			var err error
			assert.NotPanics(t, func() {
				err = form.call(nilCtx, fast(t), func(context.Context) error {
					calls++
					if calls < 3 {
						return errors.New("not yet")
					}
					return nil
				})
			})
			assert.NoError(t, err)
			assert.Equal(t, 3, calls)
		})
	}
}

// panicHook is a logrus hook that panics with value.
type panicHook struct{ value any }

func (panicHook) Levels() []logrus.Level     { return logrus.AllLevels }
func (h panicHook) Fire(*logrus.Entry) error { panic(h.value) }

// A panic in a callback (an If predicate, a logger hook, the sleep function)
// follows the rule of a panic of fn that is not retried, in every loop: it
// goes up the caller's stack, untouched; under Async on a regular function,
// where it cannot, it is delivered as a *PanicError in Outcome.Err.
func TestPanicInACallbackFollowsTheRuleOfAPanicInFn(t *testing.T) {
	callbacks := []struct {
		name string
		opts func(value any) []retry.Option
	}{
		{"If predicate", func(value any) []retry.Option {
			return []retry.Option{retry.If(func(error) bool { panic(value) }), noWait()}
		}},
		{"logger hook", func(value any) []retry.Option {
			logger := logrus.New()
			logger.SetOutput(io.Discard)
			logger.AddHook(panicHook{value})
			return []retry.Option{retry.Logger(logger), noWait()}
		}},
		{"sleep function", func(value any) []retry.Option {
			return []retry.Option{retry.WithSleep(func(context.Context, time.Duration) error { panic(value) })}
		}},
	}
	forms := []struct {
		name string
		up   bool // the panic goes up the caller's stack; else it is in Outcome.Err
		call func(r *retry.Retrier, fail func() error) error
	}{
		{"Decorate, synchronous loop", true, func(r *retry.Retrier, fail func() error) error {
			_, err := retry.Wrap(r, func(x int) (int, error) { return x, fail() })(1)
			return err
		}},
		{"Decorate, cancellable loop", true, func(r *retry.Retrier, fail func() error) error {
			_, err := retry.Wrap(r, func(_ context.Context, x int) (int, error) { return x, fail() })(context.Background(), 1)
			return err
		}},
		{"Decorate, func() error", true, func(r *retry.Retrier, fail func() error) error {
			return retry.Wrap(r, fail)()
		}},
		{"Decorate, func(context.Context) error", true, func(r *retry.Retrier, fail func() error) error {
			return retry.Wrap(r, func(context.Context) error { return fail() })(context.Background())
		}},
		{"Sync", true, func(r *retry.Retrier, fail func() error) error {
			_, err := r.Sync(func(_ context.Context, x int) (int, error) { return x, fail() }).(func(context.Context, int) (int, error))(context.Background(), 1)
			return err
		}},
		{"Do", true, func(r *retry.Retrier, fail func() error) error {
			return retry.Do(context.Background(), r, func(context.Context) error { return fail() })
		}},
		{"DoValue", true, func(r *retry.Retrier, fail func() error) error {
			_, err := retry.DoValue(context.Background(), r, func(context.Context) (int, error) { return 1, fail() })
			return err
		}},
		{"Async, Outcome", false, func(r *retry.Retrier, fail func() error) error {
			o := r.Async(func(x int) (int, error) { return x, fail() }).(func(int) <-chan retry.Outcome)
			got := drain(o(1))
			if len(got) != 1 {
				return fmt.Errorf("the channel delivered %d Outcomes, want 1", len(got))
			}
			return got[0].Err
		}},
	}
	for _, cb := range callbacks {
		for _, form := range forms {
			t.Run(cb.name+"/"+form.name, func(t *testing.T) {
				value := "panic in the " + cb.name
				r, err := retry.New(append(cb.opts(value), retry.Tries(3))...)
				require.NoError(t, err)
				calls := 0
				fail := func() error { calls++; return errors.New("failure") }
				if form.up {
					assert.PanicsWithValue(t, value, func() { _ = form.call(r, fail) })
				} else {
					err := form.call(r, fail)
					assert.ErrorIs(t, err, retry.ErrPanic)
					var pe *retry.PanicError
					require.ErrorAs(t, err, &pe)
					assert.Equal(t, value, pe.Value)
				}
				assert.Equal(t, 1, calls, "the panic ends the call")
			})
		}
	}
}

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evScript is a function to retry that plays one error per try (nil for a
// success; past the end of errs, the last one again), in several forms,
// each a method so that its runtime name is known. It records what
// AttemptFrom says inside each try.
type evScript struct {
	mu      sync.Mutex
	errs    []error
	calls   int
	onTry   func(try int) // called at the start of each try, if set
	carried []retry.Attempt
	ok      []bool
}

func evPlay(errs ...error) *evScript { return &evScript{errs: errs} }

func (s *evScript) next(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	a, ok := retry.AttemptFrom(ctx)
	s.carried, s.ok = append(s.carried, a), append(s.ok, ok)
	if s.onTry != nil {
		s.onTry(s.calls)
	}
	return s.errs[min(s.calls, len(s.errs))-1]
}

func (s *evScript) fetch(ctx context.Context, n int) (int, error) {
	err := s.next(ctx)
	return n * 10, err
}

func (s *evScript) ping(ctx context.Context) error { return s.next(ctx) }

func (s *evScript) value(ctx context.Context) (int, error) {
	err := s.next(ctx)
	return 7, err
}

func (s *evScript) watch(ctx context.Context) <-chan error {
	ch := make(chan error, 1)
	ch <- s.next(ctx)
	return ch
}

func (s *evScript) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// numbers returns the Number that AttemptFrom gave inside each try, and
// whether it gave one.
func (s *evScript) numbers() ([]int, []bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := make([]int, len(s.carried))
	for i, a := range s.carried {
		n[i] = a.Number
	}
	return n, append([]bool(nil), s.ok...)
}

const evPkg = "github.com/kaioretry/retry_test."

// An evForm is one way to have evScript retried: it returns the error the
// caller gets.
type evForm struct {
	name string
	fn   string // the name hooks see in Attempt.Func
	call func(ctx context.Context, r *retry.Retrier, s *evScript) error
}

var evForms = []evForm{
	{"Decorate reflective", evPkg + "(*evScript).fetch", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		_, err := r.Decorate(s.fetch).(func(context.Context, int) (int, error))(ctx, 1)
		return err
	}},
	{"Decorate fast path", evPkg + "(*evScript).ping", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		return r.Decorate(s.ping).(func(context.Context) error)(ctx)
	}},
	{"Do", evPkg + "(*evScript).ping", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		return retry.Do(ctx, r, s.ping)
	}},
	{"DoValue", evPkg + "(*evScript).value", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		_, err := retry.DoValue(ctx, r, s.value)
		return err
	}},
	{"Async Outcome", evPkg + "(*evScript).fetch", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		o := <-r.Async(s.fetch).(func(context.Context, int) <-chan retry.Outcome)(ctx, 1)
		return o.Err
	}},
	{"channel", evPkg + "(*evScript).watch", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		err, ok := <-r.Decorate(s.watch).(func(context.Context) <-chan error)(ctx)
		if !ok {
			return errors.New("test: channel closed with no value")
		}
		return err
	}},
}

// evLog records, in order, what hooks and the sleep function saw.
type evLog struct {
	mu      sync.Mutex
	entries []evEntry
}

type evEntry struct {
	what string // "retry1", "giveup2", "sleep", …
	a    retry.Attempt
	wait time.Duration // sleep: the wait asked for
}

func (l *evLog) hook(what string) func(retry.Attempt) {
	return func(a retry.Attempt) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.entries = append(l.entries, evEntry{what: what, a: a})
	}
}

func (l *evLog) sleep(_ context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, evEntry{what: "sleep", wait: d})
	return nil
}

func (l *evLog) all() []evEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]evEntry(nil), l.entries...)
}

// of returns the Attempts that hooks named what saw.
func (l *evLog) of(what string) []retry.Attempt {
	var as []retry.Attempt
	for _, e := range l.all() {
		if e.what == what {
			as = append(as, e.a)
		}
	}
	return as
}

// sameErr checks that got is the very error value want.
func sameErr(t *testing.T, want, got error, msgAndArgs ...any) bool {
	t.Helper()
	if want == got {
		return true
	}
	return assert.Fail(t, fmt.Sprintf("not the same error value:\nwant: %#v (%v)\ngot:  %#v (%v)", want, want, got, got), msgAndArgs...)
}

// evDebugLogger returns a logger that keeps every entry.
func evDebugLogger() (*logrus.Logger, *logtest.Hook) {
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	return logger, hook
}

// loopsOf returns the "loop" field of each entry.
func loopsOf(hook *logtest.Hook) []string {
	var loops []string
	for _, e := range hook.AllEntries() {
		loops = append(loops, fmt.Sprint(e.Data["loop"]))
	}
	return loops
}

func TestHooksFireInOrderInEveryForm(t *testing.T) {
	for _, form := range evForms {
		t.Run(form.name, func(t *testing.T) {
			e1, e2, e3 := errors.New("one"), errors.New("two"), errors.New("three")
			s := evPlay(e1, e2, e3)
			var log evLog
			logger, hook := evDebugLogger()
			r, err := retry.New(retry.Tries(3), retry.Delay(time.Second), retry.Backoff(2),
				retry.WithSleep(log.sleep), retry.Logger(logger),
				retry.OnRetry(log.hook("retry1")), retry.OnGiveUp(log.hook("giveup1")),
				retry.OnRetry(log.hook("retry2")), retry.OnGiveUp(log.hook("giveup2")))
			require.NoError(t, err)

			got := form.call(context.Background(), r, s)

			sameErr(t, e3, got)
			assert.Equal(t, 3, s.callCount())
			var order []string
			for _, e := range log.all() {
				if e.what == "sleep" {
					order = append(order, fmt.Sprintf("sleep %v", e.wait))
				} else {
					order = append(order, fmt.Sprintf("%s #%d", e.what, e.a.Number))
				}
			}
			assert.Equal(t, []string{
				"retry1 #1", "retry2 #1", "sleep 1s",
				"retry1 #2", "retry2 #2", "sleep 2s",
				"giveup1 #3", "giveup2 #3",
			}, order)

			type fields struct {
				Func   string
				Number int
				Err    error
				Wait   time.Duration
				Reason retry.StopReason
			}
			strip := func(as []retry.Attempt) []fields {
				var fs []fields
				for _, a := range as {
					fs = append(fs, fields{a.Func, a.Number, a.Err, a.Wait, a.Reason})
				}
				return fs
			}
			wantRetries := []fields{
				{form.fn, 1, e1, time.Second, retry.NotStopped},
				{form.fn, 2, e2, 2 * time.Second, retry.NotStopped},
			}
			assert.Equal(t, wantRetries, strip(log.of("retry1")))
			assert.Equal(t, wantRetries, strip(log.of("retry2")))
			wantGiveUp := []fields{{form.fn, 3, e3, 0, retry.StopTries}}
			for _, name := range []string{"giveup1", "giveup2"} {
				got := strip(log.of(name))
				for i := range got {
					got[i].Wait = 0 // Wait is OnRetry's
				}
				assert.Equal(t, wantGiveUp, got, name)
			}
			for i, a := range append(log.of("retry1"), log.of("giveup1")...) {
				if a.Err != nil {
					sameErr(t, []error{e1, e2, e3}[i], a.Err, "Attempt.Err of hook call %d", i)
				}
			}

			// One loop: the log entries and every Attempt carry its identifier.
			loops := loopsOf(hook)
			require.NotEmpty(t, loops)
			for _, e := range log.all() {
				if e.what == "sleep" {
					continue
				}
				assert.NotEqual(t, uuid.UUID{}, e.a.Loop)
				for _, l := range loops {
					assert.Equal(t, l, e.a.Loop.String(), "%s #%d: Loop is not the log entries' loop", e.what, e.a.Number)
				}
			}

			// Elapsed: never negative, never going back.
			var prev time.Duration
			for _, e := range log.all() {
				if e.what == "sleep" {
					continue
				}
				assert.GreaterOrEqual(t, e.a.Elapsed, prev, "%s #%d", e.what, e.a.Number)
				prev = e.a.Elapsed
			}
		})
	}
}

func TestHookWaitIsTheWaitWaited(t *testing.T) {
	var rec waits.Recorder
	var log evLog
	s := evPlay(errors.New("boom"))
	r, err := retry.New(retry.Tries(5), retry.Delay(100*time.Millisecond), retry.Backoff(3),
		retry.MinDelay(150*time.Millisecond), retry.MaxDelay(time.Second),
		retry.WithSleep(rec.Sleep), retry.OnRetry(log.hook("retry")))
	require.NoError(t, err)

	require.Error(t, retry.Do(context.Background(), r, s.ping))

	want := []time.Duration{150 * time.Millisecond, 450 * time.Millisecond, time.Second, time.Second}
	assert.Equal(t, want, rec.Waits())
	var got []time.Duration
	for _, a := range log.of("retry") {
		got = append(got, a.Wait)
	}
	assert.Equal(t, want, got)
}

func TestHookSeesItsLoop(t *testing.T) {
	// Two calls, two loops: each call's hooks and log entries share one
	// identifier, and the two differ.
	var ids []uuid.UUID
	for range 2 {
		var log evLog
		logger, hook := evDebugLogger()
		r, err := retry.New(retry.Tries(2), retry.WithSleep(new(waits.Recorder).Sleep), retry.Logger(logger),
			retry.OnRetry(log.hook("retry")), retry.OnGiveUp(log.hook("giveup")))
		require.NoError(t, err)
		require.Error(t, retry.Do(context.Background(), r, evPlay(errors.New("boom")).ping))
		as := log.all()
		require.Len(t, as, 2)
		assert.Equal(t, as[0].a.Loop, as[1].a.Loop)
		for _, l := range loopsOf(hook) {
			assert.Equal(t, as[0].a.Loop.String(), l)
		}
		ids = append(ids, as[0].a.Loop)
	}
	assert.NotEqual(t, ids[0], ids[1])
}

func TestOnGiveUpReason(t *testing.T) {
	errOther := errors.New("other")
	tests := []struct {
		name    string
		errs    func(e1, e2 error) []error
		opts    func(cancel context.CancelFunc) []retry.Option
		before  bool // ctx is done before the call
		calls   int
		retries int // OnRetry calls
		number  int
		reason  retry.StopReason
		// check checks the error the caller gets; e1 and e2 are the
		// script's errors, and channel tells the channel form.
		check func(t *testing.T, got, e1, e2 error, channel bool)
	}{
		{
			name:  "tries run out",
			errs:  func(e1, e2 error) []error { return []error{e1, e2} },
			opts:  func(context.CancelFunc) []retry.Option { return []retry.Option{retry.Tries(2)} },
			calls: 2, retries: 1, number: 2, reason: retry.StopTries,
			check: func(t *testing.T, got, _, e2 error, _ bool) { sameErr(t, e2, got) },
		},
		{
			name: "MaxElapsed",
			errs: func(e1, e2 error) []error { return []error{e1, e2} },
			opts: func(context.CancelFunc) []retry.Option {
				return []retry.Option{retry.Tries(5), retry.Delay(2 * time.Second), retry.MaxElapsed(time.Second)}
			},
			calls: 1, retries: 0, number: 1, reason: retry.StopElapsed,
			check: func(t *testing.T, got, e1, _ error, _ bool) { sameErr(t, e1, got) },
		},
		{
			name:  "rejected by the filters",
			errs:  func(e1, e2 error) []error { return []error{e1, e2} },
			opts:  func(context.CancelFunc) []retry.Option { return []retry.Option{retry.Tries(5), retry.On(errOther)} },
			calls: 1, retries: 0, number: 1, reason: retry.StopNotRetryable,
			check: func(t *testing.T, got, e1, _ error, _ bool) { sameErr(t, e1, got) },
		},
		{
			name:  "Permanent",
			errs:  func(e1, e2 error) []error { return []error{retry.Permanent(e1), e2} },
			opts:  func(context.CancelFunc) []retry.Option { return []retry.Option{retry.Tries(5)} },
			calls: 1, retries: 0, number: 1, reason: retry.StopNotRetryable,
			check: func(t *testing.T, got, e1, _ error, channel bool) {
				if channel {
					// A value carrying a Permanent error is delivered as received.
					assert.ErrorIs(t, got, e1)
					return
				}
				sameErr(t, e1, got, "the Permanent wrapper is removed")
			},
		},
		{
			name: "context cancelled during the wait",
			errs: func(e1, e2 error) []error { return []error{e1, e2} },
			opts: func(cancel context.CancelFunc) []retry.Option {
				return []retry.Option{retry.Tries(5), retry.WithSleep(func(ctx context.Context, _ time.Duration) error {
					cancel()
					return ctx.Err()
				})}
			},
			calls: 1, retries: 1, number: 1, reason: retry.StopContext,
			check: func(t *testing.T, got, e1, _ error, _ bool) {
				assert.ErrorIs(t, got, context.Canceled)
				assert.ErrorIs(t, got, e1)
			},
		},
		{
			name:   "context done before the first try",
			errs:   func(e1, e2 error) []error { return []error{e1, e2} },
			opts:   func(context.CancelFunc) []retry.Option { return []retry.Option{retry.Tries(5)} },
			before: true,
			calls:  0, retries: 0, number: 0, reason: retry.StopContext,
			check: func(t *testing.T, got, _, _ error, _ bool) { assert.ErrorIs(t, got, context.Canceled) },
		},
		{
			name: "budget",
			errs: func(e1, e2 error) []error { return []error{e1, e2} },
			opts: func(context.CancelFunc) []retry.Option {
				// 2 tokens: the first failure leaves 1, which is max/2.
				return []retry.Option{retry.Tries(5), retry.WithBudget(retry.Must(retry.NewBudget(2, 1)))}
			},
			calls: 1, retries: 0, number: 1, reason: retry.StopBudget,
			check: func(t *testing.T, got, e1, _ error, _ bool) { sameErr(t, e1, got) },
		},
	}
	for _, tt := range tests {
		for _, form := range evForms {
			t.Run(tt.name+"/"+form.name, func(t *testing.T) {
				e1, e2 := errors.New("e1"), errors.New("e2")
				s := evPlay(tt.errs(e1, e2)...)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.before {
					cancel()
				}
				var log evLog
				opts := append([]retry.Option{
					retry.WithSleep(new(waits.Recorder).Sleep),
					retry.OnRetry(log.hook("retry")), retry.OnGiveUp(log.hook("giveup")),
				}, tt.opts(cancel)...)
				r, err := retry.New(opts...)
				require.NoError(t, err)

				got := form.call(ctx, r, s)

				tt.check(t, got, e1, e2, form.name == "channel")
				assert.Equal(t, tt.calls, s.callCount(), "calls")
				assert.Len(t, log.of("retry"), tt.retries, "OnRetry calls")
				giveUps := log.of("giveup")
				require.Len(t, giveUps, 1, "OnGiveUp calls")
				a := giveUps[0]
				assert.Equal(t, tt.reason, a.Reason, "reason: got %v, want %v", a.Reason, tt.reason)
				assert.Equal(t, tt.number, a.Number, "Number")
				assert.Equal(t, form.fn, a.Func)
				assert.GreaterOrEqual(t, a.Elapsed, time.Duration(0))
				sameErr(t, got, a.Err, "OnGiveUp's Err is what the caller gets")
			})
		}
	}
}

func TestOnGiveUpNotCalledOnSuccess(t *testing.T) {
	for _, form := range evForms {
		t.Run(form.name, func(t *testing.T) {
			var log evLog
			s := evPlay(errors.New("boom"), nil)
			r, err := retry.New(retry.Tries(3), retry.WithSleep(new(waits.Recorder).Sleep),
				retry.OnRetry(log.hook("retry")), retry.OnGiveUp(log.hook("giveup")))
			require.NoError(t, err)
			require.NoError(t, form.call(context.Background(), r, s))
			assert.Len(t, log.of("retry"), 1)
			assert.Empty(t, log.of("giveup"))
		})
	}
}

func TestOnGiveUpPermanentWrappedFurther(t *testing.T) {
	// A Permanent error wrapped further is returned as fn returned it: that
	// is what OnGiveUp sees too.
	base := errors.New("denied")
	wrapped := fmt.Errorf("login: %w", retry.Permanent(base))
	var log evLog
	r, err := retry.New(retry.Tries(5), retry.OnGiveUp(log.hook("giveup")))
	require.NoError(t, err)

	got := retry.Do(context.Background(), r, evPlay(wrapped).ping)

	sameErr(t, wrapped, got)
	as := log.of("giveup")
	require.Len(t, as, 1)
	sameErr(t, wrapped, as[0].Err)
	assert.Equal(t, retry.StopNotRetryable, as[0].Reason)
}

func TestHooksFinishBeforeTheValueIsDelivered(t *testing.T) {
	tests := []struct {
		name string
		opt  func(hook func(retry.Attempt)) retry.Option
		errs []error
	}{
		{"OnGiveUp", retry.OnGiveUp, []error{errors.New("boom")}},
		{"OnRetry", retry.OnRetry, []error{errors.New("boom"), nil}},
	}
	for _, tt := range tests {
		for _, form := range []string{"Async Outcome", "channel"} {
			t.Run(tt.name+"/"+form, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					release := make(chan struct{})
					hooked := make(chan struct{}, 10)
					r, err := retry.New(retry.Tries(2), tt.opt(func(retry.Attempt) {
						hooked <- struct{}{}
						<-release
					}))
					require.NoError(t, err)
					s := evPlay(tt.errs...)

					var poll func() bool // reports whether a value is there
					var result func() error
					switch form {
					case "Async Outcome":
						ch := r.Async(s.fetch).(func(context.Context, int) <-chan retry.Outcome)(context.Background(), 1)
						poll = func() bool { return len(ch) > 0 }
						result = func() error { return (<-ch).Err }
					case "channel":
						ch := r.Decorate(s.watch).(func(context.Context) <-chan error)(context.Background())
						poll = func() bool { return len(ch) > 0 }
						result = func() error { return <-ch }
					}

					synctest.Wait() // the loop's goroutine is blocked in the hook
					require.Len(t, hooked, 1, "the hook was not called")
					assert.False(t, poll(), "a value was delivered while a hook was running")
					close(release)
					err = result()
					if tt.name == "OnGiveUp" {
						assert.Error(t, err)
					} else {
						assert.NoError(t, err)
					}
				})
			})
		}
	}
}

func TestNilHookIsInvalid(t *testing.T) {
	tests := []struct {
		opt  retry.Option
		name string
	}{
		{retry.OnRetry(nil), "OnRetry(nil)"},
		{retry.OnGiveUp(nil), "OnGiveUp(nil)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := retry.New(retry.Tries(2), tt.opt)
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.name)
		})
	}
}

func TestHookPanicGoesUp(t *testing.T) {
	hooks := []struct {
		name string
		opt  func(func(retry.Attempt)) retry.Option
	}{
		{"OnRetry", retry.OnRetry},
		{"OnGiveUp", retry.OnGiveUp},
	}
	for _, h := range hooks {
		for _, form := range evForms {
			if form.name == "channel" {
				continue // a panic on the channel loop's goroutine cannot be caught by a test
			}
			t.Run(h.name+"/"+form.name, func(t *testing.T) {
				value := fmt.Sprintf("%s broke", h.name)
				r, err := retry.New(retry.Tries(2), retry.WithSleep(new(waits.Recorder).Sleep),
					h.opt(func(retry.Attempt) { panic(value) }))
				require.NoError(t, err)
				s := evPlay(errors.New("boom"))

				switch form.name {
				case "Async Outcome":
					o := <-r.Async(s.fetch).(func(context.Context, int) <-chan retry.Outcome)(context.Background(), 1)
					var pe *retry.PanicError
					require.ErrorAs(t, o.Err, &pe)
					assert.Equal(t, value, pe.Value)
					assert.ErrorIs(t, o.Err, retry.ErrPanic)
					assert.Nil(t, o.Values)
				default:
					assert.PanicsWithValue(t, value, func() { _ = form.call(context.Background(), r, s) })
				}
			})
		}
	}
}

func TestHookPanicGoesUpSyncLoop(t *testing.T) {
	// The synchronous loop (no ctx) and Sync raise a hook's panic in the caller.
	r, err := retry.New(retry.Tries(2), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.OnRetry(func(retry.Attempt) { panic("hook") }))
	require.NoError(t, err)
	f := r.Decorate(func(n int) (int, error) { return n, errors.New("boom") }).(func(int) (int, error))
	assert.PanicsWithValue(t, "hook", func() { _, _ = f(1) })
	g := r.Sync(evPlay(errors.New("boom")).fetch).(func(context.Context, int) (int, error))
	assert.PanicsWithValue(t, "hook", func() { _, _ = g(context.Background(), 1) })
}

func TestStopReasonString(t *testing.T) {
	tests := []struct {
		r    retry.StopReason
		want string
	}{
		{retry.NotStopped, "not stopped"},
		{retry.StopTries, "tries"},
		{retry.StopElapsed, "elapsed"},
		{retry.StopNotRetryable, "not retryable"},
		{retry.StopContext, "context"},
		{retry.StopBudget, "budget"},
		{retry.StopReason(200), "unknown"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.r.String())
		assert.Equal(t, tt.want, fmt.Sprint(tt.r))
	}
}

// evCarryForms are the forms whose fn receives the loop's context.
var evCarryForms = append(evForms[:len(evForms):len(evForms)],
	evForm{"Sync", evPkg + "(*evScript).fetch", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		_, err := r.Sync(s.fetch).(func(context.Context, int) (int, error))(ctx, 1)
		return err
	}},
	evForm{"Wrap", evPkg + "(*evScript).fetch", func(ctx context.Context, r *retry.Retrier, s *evScript) error {
		_, err := retry.Wrap(r, s.fetch)(ctx, 1)
		return err
	}},
)

func TestAttemptFrom(t *testing.T) {
	for _, form := range evCarryForms {
		t.Run(form.name, func(t *testing.T) {
			var log evLog
			s := evPlay(errors.New("one"), errors.New("two"), nil)
			r, err := retry.New(retry.CarryAttempt(), retry.Tries(5), retry.Delay(time.Second), retry.Backoff(2),
				retry.WithSleep(new(waits.Recorder).Sleep), retry.OnRetry(log.hook("retry")))
			require.NoError(t, err)

			require.NoError(t, form.call(context.Background(), r, s))

			numbers, ok := s.numbers()
			assert.Equal(t, []int{1, 2, 3}, numbers)
			assert.Equal(t, []bool{true, true, true}, ok)
			retries := log.of("retry")
			require.Len(t, retries, 2)
			s.mu.Lock()
			defer s.mu.Unlock()
			for i, a := range s.carried {
				assert.Equal(t, retries[0].Loop, a.Loop, "try %d: not the hooks' loop", i+1)
				assert.Equal(t, form.fn, a.Func)
				assert.NoError(t, a.Err)
				assert.GreaterOrEqual(t, a.Elapsed, time.Duration(0))
			}
			// Wait is the wait that came before the try.
			assert.Equal(t, []time.Duration{0, time.Second, 2 * time.Second},
				[]time.Duration{s.carried[0].Wait, s.carried[1].Wait, s.carried[2].Wait})
		})
	}
}

func TestAttemptFromWithoutCarryAttempt(t *testing.T) {
	for _, form := range evCarryForms {
		t.Run(form.name, func(t *testing.T) {
			s := evPlay(errors.New("one"), nil)
			r, err := retry.New(retry.Tries(3), retry.WithSleep(new(waits.Recorder).Sleep),
				retry.OnRetry(func(retry.Attempt) {}))
			require.NoError(t, err)
			require.NoError(t, form.call(context.Background(), r, s))
			numbers, ok := s.numbers()
			assert.Equal(t, []int{0, 0}, numbers)
			assert.Equal(t, []bool{false, false}, ok)
		})
	}
}

func TestAttemptFromNilContext(t *testing.T) {
	var ctx context.Context
	a, ok := retry.AttemptFrom(ctx)
	assert.False(t, ok)
	assert.Zero(t, a)

	a, ok = retry.AttemptFrom(context.Background())
	assert.False(t, ok)
	assert.Zero(t, a)
}

var errEvTopLevel = errors.New("top-level")

func evTopLevel(context.Context) error { return errEvTopLevel }

func evTopLevelValue(context.Context, int) (int, error) { return 0, errEvTopLevel }

func TestAttemptFuncOfAPlainFunction(t *testing.T) {
	tests := []struct {
		name string
		call func(r *retry.Retrier)
		want string
	}{
		{"Do", func(r *retry.Retrier) { _ = retry.Do(context.Background(), r, evTopLevel) }, evPkg + "evTopLevel"},
		{"Decorate fast path", func(r *retry.Retrier) {
			_ = r.Decorate(evTopLevel).(func(context.Context) error)(context.Background())
		}, evPkg + "evTopLevel"},
		{"Decorate reflective", func(r *retry.Retrier) {
			_, _ = r.Decorate(evTopLevelValue).(func(context.Context, int) (int, error))(context.Background(), 1)
		}, evPkg + "evTopLevelValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log evLog
			r, err := retry.New(retry.Tries(2), retry.WithSleep(new(waits.Recorder).Sleep),
				retry.OnRetry(log.hook("retry")), retry.OnGiveUp(log.hook("giveup")))
			require.NoError(t, err)
			tt.call(r)
			as := log.all()
			require.Len(t, as, 2)
			for _, e := range as {
				assert.Equal(t, tt.want, e.a.Func, e.what)
			}
		})
	}
}

func TestAttemptElapsed(t *testing.T) {
	// On fake time, Elapsed is exact: tries take no time, waits of 1s and
	// 2s.
	synctest.Test(t, func(t *testing.T) {
		var log evLog
		s := evPlay(errors.New("boom"))
		r, err := retry.New(retry.Tries(3), retry.Delay(time.Second), retry.Backoff(2), retry.CarryAttempt(),
			retry.OnRetry(log.hook("retry")), retry.OnGiveUp(log.hook("giveup")))
		require.NoError(t, err)

		require.Error(t, retry.Do(context.Background(), r, s.ping))

		elapsed := func(as []retry.Attempt) []time.Duration {
			var ds []time.Duration
			for _, a := range as {
				ds = append(ds, a.Elapsed)
			}
			return ds
		}
		assert.Equal(t, []time.Duration{0, time.Second}, elapsed(log.of("retry")))
		assert.Equal(t, []time.Duration{3 * time.Second}, elapsed(log.of("giveup")))
		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Equal(t, []time.Duration{0, time.Second, 3 * time.Second}, elapsed(s.carried), "AttemptFrom's Elapsed")
	})
}

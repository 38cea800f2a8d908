package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Types used by the signature table.
type (
	point    struct{ X, Y int }
	celsius  float64
	handler  func(string) (int, error)
	counter  struct{ n int }
	named    string
	stringer struct{ s string }
)

func (c *counter) Add(d int) (int, error) { return c.n + d, nil }
func (s stringer) String() string         { return s.s }

// noSleep is a WithSleep function that does not wait.
func noSleep(context.Context, time.Duration) error { return nil }

// fast is a Retrier with a few tries and no waits, for tests that only count.
func fast(t *testing.T, opts ...Option) *Retrier {
	t.Helper()
	r, err := New(append([]Option{Tries(5), WithSleep(noSleep)}, opts...)...)
	require.NoError(t, err)
	return r
}

// callValues calls fn through reflection, as a caller of any signature would.
func callValues(fn any, args ...any) []any {
	v := reflect.ValueOf(fn)
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		if a == nil {
			in[i] = reflect.Zero(v.Type().In(i))
		} else {
			in[i] = reflect.ValueOf(a)
		}
	}
	var out []reflect.Value
	if v.Type().IsVariadic() && len(in) == v.Type().NumIn() && in[len(in)-1].Kind() == reflect.Slice {
		out = v.CallSlice(in)
	} else {
		out = v.Call(in)
	}
	res := make([]any, len(out))
	for i, o := range out {
		res[i] = o.Interface()
	}
	return res
}

func TestDecorateKeepsTypeAndValues(t *testing.T) {
	ptr := &point{1, 2}
	m := map[string]int{"a": 1}
	c := &counter{n: 10}
	ch := make(chan int, 3)
	errIn := errors.New("given")
	tests := []struct {
		name string
		fn   any
		args []any
		want []any
	}{
		{"no params, no results", func() {}, nil, []any{}},
		{"error only", func() error { return nil }, nil, []any{nil}},
		{"int to int", func(x int) int { return x * 2 }, []any{4}, []any{8}},
		{"int to int, error", func(x int) (int, error) { return x + 1, nil }, []any{4}, []any{5, nil}},
		{"string to string, error", func(s string) (string, error) { return s + "!", nil }, []any{"hi"}, []any{"hi!", nil}},
		{"ctx to error", func(ctx context.Context) error { return ctx.Err() }, []any{context.Background()}, []any{nil}},
		{"ctx, int to int, error", func(_ context.Context, x int) (int, error) { return -x, nil }, []any{context.Background(), 3}, []any{-3, nil}},
		{"two ints to two ints", func(a, b int) (int, int, error) { return b, a, nil }, []any{1, 2}, []any{2, 1, nil}},
		{"sized ints", func(a int8, b int16, c int32) (int64, error) { return int64(a) + int64(b) + int64(c), nil }, []any{int8(1), int16(2), int32(3)}, []any{int64(6), nil}},
		{"unsigned ints", func(a uint, b uint8, c uint16, d uint32, e uint64) (uint64, error) {
			return uint64(a) + uint64(b) + uint64(c) + uint64(d) + e, nil
		}, []any{uint(1), uint8(2), uint16(3), uint32(4), uint64(5)}, []any{uint64(15), nil}},
		{"floats", func(a float32, b float64) (float64, error) { return float64(a) * b, nil }, []any{float32(2), 1.5}, []any{3.0, nil}},
		{"complex", func(z complex128) (complex128, error) { return z * z, nil }, []any{complex(0, 1)}, []any{complex(-1, 0), nil}},
		{"bool", func(b bool) (bool, error) { return !b, nil }, []any{true}, []any{false, nil}},
		{"printf-like variadic", func(f string, a ...any) (string, error) { return fmt.Sprintf(f, a...), nil }, []any{"%d-%s", 1, "x"}, []any{"1-x", nil}},
		{"variadic given a slice", func(f string, a ...any) (string, error) { return fmt.Sprint(len(a)), nil }, []any{"", []any{1, 2, 3}}, []any{"3", nil}},
		{"variadic only", func(xs ...int) (int, error) { return len(xs), nil }, []any{1, 2, 3, 4}, []any{4, nil}},
		{"variadic, no error", func(n int, xs ...string) []string { return append(xs, fmt.Sprint(n)) }, []any{1, "a"}, []any{[]string{"a", "1"}}},
		{"method value", c.Add, []any{5}, []any{15, nil}},
		{"struct", func(p point) (point, error) { return point{p.Y, p.X}, nil }, []any{point{1, 2}}, []any{point{2, 1}, nil}},
		{"pointer", func(p *point) (*point, error) { return p, nil }, []any{ptr}, []any{ptr, nil}},
		{"map", func(m map[string]int) (map[string]int, error) { return m, nil }, []any{m}, []any{m, nil}},
		{"slice", func(b []byte) ([]byte, error) { return append(b, '!'), nil }, []any{[]byte("hi")}, []any{[]byte("hi!"), nil}},
		{"array", func(a [4]int) ([4]int, error) { return [4]int{a[3], a[2], a[1], a[0]}, nil }, []any{[4]int{1, 2, 3, 4}}, []any{[4]int{4, 3, 2, 1}, nil}},
		{"interface", func(s fmt.Stringer) (string, error) { return s.String(), nil }, []any{stringer{"str"}}, []any{"str", nil}},
		{"func param", func(f func(int) int) (int, error) { return f(20), nil }, []any{func(x int) int { return x + 1 }}, []any{21, nil}},
		{"channel param", func(c chan int) (int, error) { c <- 9; return cap(c), nil }, []any{ch}, []any{3, nil}},
		{"named basic type", func(c celsius) (celsius, error) { return c + 1, nil }, []any{celsius(20)}, []any{celsius(21), nil}},
		{"named func type", handler(func(s string) (int, error) { return len(s), nil }), []any{"four"}, []any{4, nil}},
		{"named string", func(n named) named { return n + n }, []any{named("ab")}, []any{named("abab")}},
		{"eight params", func(a, b, c, d, e, f, g, h int) (int, error) { return a + b + c + d + e + f + g + h, nil }, []any{1, 2, 3, 4, 5, 6, 7, 8}, []any{36, nil}},
		{"eight results", func() (int, string, bool, float64, []int, *point, point, error) {
			return 1, "s", true, 2.5, []int{1}, ptr, point{3, 4}, nil
		}, nil, []any{1, "s", true, 2.5, []int{1}, ptr, point{3, 4}, nil}},
		{"error param", func(e error) error { return nil }, []any{errIn}, []any{nil}},
		{"any to any", func(v any) (any, error) { return v, nil }, []any{42}, []any{42, nil}},
		{"empty struct", func(s struct{}) (struct{}, error) { return s, nil }, []any{struct{}{}}, []any{struct{}{}, nil}},
		{"uintptr", func(u uintptr) (uintptr, error) { return u << 1, nil }, []any{uintptr(4)}, []any{uintptr(8), nil}},
		{"cancellable variadic", func(_ context.Context, s string, n ...int) (string, error) { return fmt.Sprint(s, n), nil }, []any{context.Background(), "n", 1, 2}, []any{"n[1 2]", nil}},
		{"concrete error type is data", func() *optionError { return &optionError{option: "x"} }, nil, []any{&optionError{option: "x"}}},
	}
	require.GreaterOrEqual(t, len(tests), 30)
	r := fast(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, d := range map[string]any{"Decorate": r.Decorate(tt.fn), "Sync": r.Sync(tt.fn)} {
				require.Equal(t, reflect.TypeOf(tt.fn), reflect.TypeOf(d), name)
				assert.Equal(t, tt.want, callValues(d, tt.args...), name)
			}
		})
	}
}

func TestDecoratedResultsAreTheSameValues(t *testing.T) {
	p := &point{1, 2}
	get := Decorate(func() (*point, error) { return p, nil }, Tries(2)).(func() (*point, error))
	got, err := get()
	require.NoError(t, err)
	assert.Same(t, p, got)
}

func TestDecorateAssertsToTheExactType(t *testing.T) {
	fetch := func(id int) (string, error) { return fmt.Sprint("item ", id), nil }
	f, ok := Decorate(fetch, Tries(2)).(func(int) (string, error))
	require.True(t, ok)
	got, err := f(7)
	require.NoError(t, err)
	assert.Equal(t, "item 7", got)

	h := Decorate(handler(func(s string) (int, error) { return len(s), nil }), Tries(2)).(handler)
	n, err := h("abc")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}

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
			f := Decorate(fn, Tries(tt.tries), WithSleep(noSleep)).(func(int) (string, error))
			got, err := f(3)
			assert.Equal(t, tt.wantCalls, calls)
			if tt.wantOK {
				require.NoError(t, err)
				assert.Equal(t, "ok 3", got)
				return
			}
			require.Len(t, *errs, tt.wantCalls)
			last := (*errs)[len(*errs)-1]
			assert.True(t, err == last, "the last error value itself: got %v, want %v", err, last)
			assert.Equal(t, fmt.Sprint("partial ", tt.wantCalls), got, "the other results of the last try")
		})
	}
}

func TestUnlimitedRetrierKeepsTrying(t *testing.T) {
	calls := 0
	fn, _ := flaky(999, &calls)
	f := Decorate(fn, WithSleep(noSleep)).(func(int) (string, error))
	got, err := f(1)
	require.NoError(t, err)
	assert.Equal(t, "ok 1", got)
	assert.Equal(t, 1000, calls)
}

type tempError struct{ msg string }

func (e *tempError) Error() string { return e.msg }

func TestFilters(t *testing.T) {
	errA := errors.New("A")
	errB := errors.New("B")
	tests := []struct {
		name    string
		opts    []Option
		err     error
		retried bool
	}{
		{"no filter retries everything", nil, errB, true},
		{"On matches by value", []Option{On(errA)}, errA, true},
		{"On matches wrapped errors", []Option{On(errA)}, fmt.Errorf("ctx: %w", errA), true},
		{"On matches joined errors", []Option{On(errA)}, errors.Join(errB, errA), true},
		{"On does not match another error", []Option{On(errA)}, errB, false},
		{"On with several targets", []Option{On(io.EOF, errA)}, errA, true},
		{"On() adds no filter", []Option{On()}, errB, true},
		{"OnType matches by type", []Option{OnType[*tempError]()}, &tempError{"t"}, true},
		{"OnType matches wrapped", []Option{OnType[*tempError]()}, fmt.Errorf("x: %w", &tempError{"t"}), true},
		{"OnType does not match another type", []Option{OnType[*tempError]()}, errA, false},
		{"If true", []Option{If(func(err error) bool { return strings.HasPrefix(err.Error(), "B") })}, errB, true},
		{"If false", []Option{If(func(error) bool { return false })}, errB, false},
		{"union: On part", []Option{On(errA), OnType[*tempError](), If(func(error) bool { return false })}, errA, true},
		{"union: OnType part", []Option{On(errA), OnType[*tempError]()}, &tempError{"t"}, true},
		{"union: If part", []Option{On(errA), If(func(err error) bool { return err == errB })}, errB, true},
		{"union: none", []Option{On(errA), OnType[*tempError]()}, errB, false},
		{"Permanent beats no filter", nil, Permanent(errA), false},
		{"Permanent beats On", []Option{On(errA)}, Permanent(errA), false},
		{"Permanent wrapped further", nil, fmt.Errorf("ctx: %w", Permanent(errA)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			f := Decorate(func() (int, error) { calls++; return calls, tt.err }, append(tt.opts, Tries(3), WithSleep(noSleep))...).(func() (int, error))
			n, err := f()
			if tt.retried {
				assert.Equal(t, 3, calls)
			} else {
				assert.Equal(t, 1, calls, "a failure the filters do not match returns at once")
			}
			assert.Equal(t, calls, n, "the other results of the final try")
			assert.Error(t, err)
		})
	}
}

func TestPermanentGivesBackTheErrorItself(t *testing.T) {
	inner := &tempError{"fatal"}
	calls := 0
	f := Decorate(func() (string, error) { calls++; return "partial", Permanent(inner) }, Tries(5), WithSleep(noSleep)).(func() (string, error))
	got, err := f()
	assert.Equal(t, 1, calls)
	assert.Equal(t, "partial", got)
	assert.True(t, err == error(inner), "the Permanent wrapper is removed: got %#v", err)

	wrapped := fmt.Errorf("op: %w", Permanent(inner))
	g := Decorate(func() error { return wrapped }, Tries(5), WithSleep(noSleep)).(func() error)
	assert.True(t, g() == wrapped, "a Permanent deeper in the chain stays as fn returned it")
}

func TestPermanent(t *testing.T) {
	assert.NoError(t, Permanent(nil))
	e := errors.New("e")
	p := Permanent(e)
	assert.ErrorIs(t, p, e)
	assert.Equal(t, "e", p.Error())
	assert.True(t, isPermanent(fmt.Errorf("a: %w", fmt.Errorf("b: %w", p))))
	assert.True(t, isPermanent(errors.Join(e, fmt.Errorf("b: %w", p))))
	assert.True(t, isPermanent(fmt.Errorf("two: %w, %w", e, p)))
	assert.False(t, isPermanent(errors.Join(e, fmt.Errorf("b: %w", e))))
	assert.False(t, isPermanent(e))
	assert.False(t, isPermanent(nil))
}

func TestPanicsGoUpUntouchedByDefault(t *testing.T) {
	calls := 0
	value := &tempError{"boom"}
	f := Decorate(func() error { calls++; panic(value) }, Tries(5), WithSleep(noSleep)).(func() error)
	assert.PanicsWithValue(t, value, func() { _ = f() })
	assert.Equal(t, 1, calls)
}

func TestRetryPanics(t *testing.T) {
	t.Run("retried until success", func(t *testing.T) {
		calls := 0
		f := Decorate(func(x int) (int, error) {
			calls++
			if calls < 3 {
				panic(calls)
			}
			return x * 10, nil
		}, RetryPanics(), On(io.EOF), Tries(5), WithSleep(noSleep)).(func(int) (int, error))
		got, err := f(4)
		require.NoError(t, err)
		assert.Equal(t, 40, got)
		assert.Equal(t, 3, calls, "panics are retried whatever the filters say")
	})
	t.Run("last panic raised again", func(t *testing.T) {
		calls := 0
		f := Decorate(func() error { calls++; panic(fmt.Sprint("panic #", calls)) }, RetryPanics(), Tries(4), WithSleep(noSleep)).(func() error)
		assert.PanicsWithValue(t, "panic #4", func() { _ = f() })
		assert.Equal(t, 4, calls)
	})
	t.Run("last try failed with an error", func(t *testing.T) {
		calls := 0
		last := errors.New("last")
		f := Decorate(func() error {
			calls++
			if calls < 3 {
				panic("early")
			}
			return last
		}, RetryPanics(), Tries(3), WithSleep(noSleep)).(func() error)
		assert.True(t, f() == last)
	})
	t.Run("without an error result", func(t *testing.T) {
		calls := 0
		f := Decorate(func() int {
			calls++
			if calls < 2 {
				panic("once")
			}
			return calls
		}, RetryPanics(), Tries(3), WithSleep(noSleep)).(func() int)
		assert.Equal(t, 2, f())
	})
	t.Run("last panic raised even when ctx ends the loop", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		f := Decorate(func(context.Context) error { cancel(); panic("before the cancel") }, RetryPanics(), Tries(3), WithSleep(noSleep)).(func(context.Context) error)
		assert.PanicsWithValue(t, "before the cancel", func() { _ = f(ctx) })
		ctx, cancel = context.WithCancel(context.Background())
		o := Async(func(context.Context) error { cancel(); panic("async, before the cancel") }, RetryPanics(), Tries(3)).(func(context.Context) <-chan Outcome)
		got := drain(o(ctx))
		require.Len(t, got, 1)
		var pe *PanicError
		require.ErrorAs(t, got[0].Err, &pe)
		assert.Equal(t, "async, before the cancel", pe.Value)
	})
	t.Run("panic(nil)", func(t *testing.T) {
		calls := 0
		f := Decorate(func() error { calls++; panic(nil) }, RetryPanics(), Tries(2), WithSleep(noSleep)).(func() error)
		assert.Panics(t, func() { _ = f() })
		assert.Equal(t, 2, calls)
	})
}

func TestFunctionWithoutErrorRunsOnce(t *testing.T) {
	calls := 0
	f := Decorate(func(x int) (int, string) { calls++; return x, "s" }, Tries(5), WithSleep(noSleep)).(func(int) (int, string))
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
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 90*time.Minute)
		}, context.DeadlineExceeded, 90 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var errs []error
				f := Decorate(func(_ context.Context, x int) (int, error) {
					err := fmt.Errorf("failure #%d", len(errs)+1)
					errs = append(errs, err)
					return x, err
				}, Tries(5), Delay(time.Hour)).(func(context.Context, int) (int, error))
				ctx, cancel := tt.ctx()
				defer cancel()
				start := time.Now()
				got, err := f(ctx, 7)
				assert.Equal(t, tt.after, time.Since(start), "the one-hour wait ends with the context")
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
	f := Decorate(func(context.Context, string) (string, error) { calls++; return "x", nil }, Tries(3)).(func(context.Context, string) (string, error))
	got, err := f(ctx, "a")
	assert.Zero(t, calls)
	assert.Empty(t, got)
	assert.True(t, err == context.Canceled, "got %v", err)
}

func TestSyncDoesNotWatchTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sleptWith []context.Context
	calls := 0
	last := errors.New("last")
	f := Sync(func(ctx context.Context, x int) (int, error) {
		calls++
		cancel()
		return x, last
	}, Tries(3), WithSleep(func(ctx context.Context, _ time.Duration) error {
		sleptWith = append(sleptWith, ctx)
		return nil
	})).(func(context.Context, int) (int, error))
	got, err := f(ctx, 5)
	assert.Equal(t, 3, calls, "a cancelled ctx does not stop Sync's loop")
	assert.Equal(t, 5, got)
	assert.True(t, err == last)
	assert.Equal(t, []context.Context{context.Background(), context.Background()}, sleptWith)
}

func TestSleepErrorStopsTheCall(t *testing.T) {
	stop := errors.New("no more sleeping")
	last := errors.New("last")
	calls := 0
	f := Decorate(func() (int, error) { calls++; return 9, last }, Tries(5), WithSleep(func(context.Context, time.Duration) error { return stop })).(func() (int, error))
	got, err := f()
	assert.Equal(t, 1, calls)
	assert.Zero(t, got)
	assert.ErrorIs(t, err, stop)
	assert.ErrorIs(t, err, last)
}

func TestBadInput(t *testing.T) {
	var nilFunc func() error
	tests := []struct {
		fn   any
		want string
	}{
		{nil, "retry: not a function: <nil>"},
		{nilFunc, "retry: not a function: nil func() error"},
		{(func(int) (string, error))(nil), "retry: not a function: nil func(int) (string, error)"},
		{42, "retry: not a function: int"},
		{point{}, "retry: not a function: retry.point"},
		{&point{}, "retry: not a function: *retry.point"},
	}
	r := fast(t)
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Inspect(tt.fn)
			require.ErrorIs(t, err, ErrNotFunc)
			assert.EqualError(t, err, tt.want)
			for name, decorate := range map[string]func(any) any{
				"Decorate": r.Decorate, "Sync": r.Sync, "Async": r.Async,
				"Wrap":             func(fn any) any { return Wrap(r, fn) },
				"package Decorate": func(fn any) any { return Decorate(fn) },
			} {
				assert.PanicsWithError(t, tt.want, func() { decorate(tt.fn) }, name)
				func() {
					defer func() {
						e, _ := recover().(error)
						assert.ErrorIs(t, e, ErrNotFunc, name)
					}()
					decorate(tt.fn)
				}()
			}
		})
	}
	assert.PanicsWithError(t, "retry: not a function: nil func(context.Context) error", func() { _ = Do(context.Background(), r, nil) })
	assert.PanicsWithError(t, "retry: not a function: nil func(context.Context) (int, error)", func() { _, _ = DoValue[int](context.Background(), r, nil) })
	const nilRetrier = "retry: nil *Retrier (did New return an error?)"
	var none *Retrier
	ok := func(context.Context) error { return nil }
	assert.PanicsWithError(t, nilRetrier, func() { none.Decorate(ok) })
	assert.PanicsWithError(t, nilRetrier, func() { Wrap(none, func(int) (int, error) { return 0, nil }) })
	assert.PanicsWithError(t, nilRetrier, func() { _ = Do(context.Background(), none, ok) })
	assert.PanicsWithError(t, nilRetrier, func() {
		_, _ = DoValue(context.Background(), none, func(context.Context) (int, error) { return 0, nil })
	})
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	s := Must(NewSchedule())
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"If(nil)", []Option{If(nil)}, "retry: If(nil): predicate cannot be nil"},
		{"WithSchedule(nil)", []Option{WithSchedule(nil)}, "retry: WithSchedule(nil): schedule cannot be nil"},
		{"nil target", []Option{On(io.EOF, nil)}, "retry: On(EOF, <nil>): target 2 is nil"},
		{"WithSchedule with Tries", []Option{WithSchedule(s), Tries(3)}, "retry: WithSchedule(s): cannot be combined with Tries(3)"},
		{"schedule option", []Option{Tries(0)}, "retry: Tries(0): tries cannot be 0"},
		{"nil option", []Option{nil}, "retry: <nil>: option cannot be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.opts...)
			assert.Nil(t, r)
			require.ErrorIs(t, err, ErrInvalidOption)
			assert.EqualError(t, err, tt.want)
			for name, shortcut := range map[string]func(any, ...Option) any{"Decorate": Decorate, "Sync": Sync, "Async": Async} {
				assert.PanicsWithError(t, tt.want, func() { shortcut(func() error { return nil }, tt.opts...) }, name)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	r := Must(New())
	assert.Same(t, DefaultSchedule, r.schedule)
	s := Must(NewSchedule(Tries(2)))
	assert.Same(t, s, Must(New(WithSchedule(s))).schedule)
}

func TestRetrierString(t *testing.T) {
	s := Must(NewSchedule(Tries(3), Delay(time.Second)))
	tests := []struct {
		opts []Option
		want string
	}{
		{nil, "Retrier(every error, Schedule(tries=unlimited, 0s <= 0s <= inf))"},
		{[]Option{On(io.EOF, io.ErrUnexpectedEOF), OnType[*tempError](), If(func(error) bool { return true }), RetryPanics(), WithSchedule(s)},
			"Retrier(On(EOF, unexpected EOF), OnType[*retry.tempError], If(f), RetryPanics, Schedule(tries=3, 0s <= 1s <= inf))"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Must(New(tt.opts...)).String())
	}
}

func TestConcurrentCallsRunTheirOwnLoops(t *testing.T) {
	const goroutines = 500
	calls := make([]atomic.Int32, goroutines)
	r := fast(t, Tries(10))
	f := Wrap(r, func(g int) (int, error) {
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

func TestDoAndDoValue(t *testing.T) {
	r := fast(t, Tries(4))
	t.Run("Do", func(t *testing.T) {
		calls := 0
		err := Do(context.Background(), r, func(context.Context) error {
			calls++
			if calls < 3 {
				return io.ErrUnexpectedEOF
			}
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, 3, calls)
	})
	t.Run("DoValue exhausted", func(t *testing.T) {
		var last error
		calls := 0
		v, err := DoValue(context.Background(), r, func(context.Context) (string, error) {
			calls++
			last = fmt.Errorf("failure %d", calls)
			return "partial", last
		})
		assert.Equal(t, 4, calls)
		assert.Equal(t, "partial", v)
		assert.True(t, err == last)
	})
	t.Run("DoValue permanent", func(t *testing.T) {
		inner := errors.New("fatal")
		calls := 0
		_, err := DoValue(context.Background(), r, func(context.Context) (int, error) { calls++; return 0, Permanent(inner) })
		assert.Equal(t, 1, calls)
		assert.True(t, err == inner)
	})
	t.Run("Do cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			slow := Must(New(Delay(time.Hour)))
			last := errors.New("last")
			start := time.Now()
			err := Do(ctx, slow, func(context.Context) error { return last })
			assert.Equal(t, 30*time.Minute, time.Since(start))
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.ErrorIs(t, err, last)
		})
	})
	t.Run("Do panics", func(t *testing.T) {
		assert.PanicsWithValue(t, "boom", func() { _ = Do(context.Background(), r, func(context.Context) error { panic("boom") }) })
	})
}

// Do(ctx, r, op) behaves exactly as Wrap(r, op)(ctx), whatever op does.
func TestDoMatchesWrap(t *testing.T) {
	errA := errors.New("A")
	script := [][]error{
		{nil},
		{errA, nil},
		{errA, errA, errA, errA, errA},
		{errA, Permanent(errA)},
		{io.EOF, nil},
	}
	r := fast(t, Tries(4), On(errA))
	for i, s := range script {
		run := func(call func(func(context.Context) error) error) (int, error) {
			n := 0
			err := call(func(context.Context) error {
				n++
				return s[min(n, len(s))-1]
			})
			return n, err
		}
		nDo, errDo := run(func(op func(context.Context) error) error { return Do(context.Background(), r, op) })
		nWrap, errWrap := run(func(op func(context.Context) error) error { return Wrap(r, op)(context.Background()) })
		assert.Equal(t, nWrap, nDo, "script %d: calls", i)
		assert.Equal(t, errWrap, errDo, "script %d: error", i)
	}
}

func TestRetrierLogging(t *testing.T) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	calls := 0
	busyCalls = &calls
	f := Decorate(busyOnce, Tries(3), Logger(logger), WithSleep(noSleep)).(func() error)

	require.NoError(t, f())
	entries := hook.AllEntries()
	var got []string
	for _, e := range entries {
		got = append(got, e.Level.String()+" "+e.Message)
	}
	assert.Equal(t, []string{
		"warning github.com/kaioretry/retry.busyOnce: try #1 failed with *retry.tempError: busy",
		"info 2 tries remaining",
		"info sleeping 0s",
		"debug github.com/kaioretry/retry.busyOnce: succeeded at try #2",
	}, got)
	id := entries[0].Data[loopField]
	_, err := uuid.Parse(id.(string))
	require.NoError(t, err)
	for _, e := range entries {
		assert.Equal(t, id, e.Data[loopField], "one loop id per call")
	}

	hook.Reset()
	calls = -10 // fails until the tries run out
	assert.Error(t, f())
	entries = hook.AllEntries()
	last := entries[len(entries)-1]
	assert.Equal(t, logrus.WarnLevel, last.Level)
	assert.Equal(t, "github.com/kaioretry/retry.busyOnce: giving up after 3 tries: busy", last.Message)
	assert.NotEqual(t, id, last.Data[loopField], "a second call has another loop id")
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

func TestFuncName(t *testing.T) {
	c := &counter{}
	assert.Equal(t, "github.com/kaioretry/retry.noSleep", funcName(noSleep))
	assert.Equal(t, "github.com/kaioretry/retry.(*counter).Add", funcName(c.Add))
	assert.Equal(t, "github.com/kaioretry/retry.TestFuncName.func1", funcName(func() {}))
}

// Decorated functions of the fast-path types, Do and DoValue allocate
// nothing per call, even when they retry, when logging is disabled.
func TestFastPathsAllocateNothing(t *testing.T) {
	quiet := logrus.New()
	quiet.SetLevel(logrus.ErrorLevel)
	r := Must(New(Tries(5), Logger(quiet), WithSleep(noSleep)))
	ctx := context.Background()
	n := 0
	failTwice := func() error {
		n++
		if n%3 != 0 {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	plain := Wrap(r, failTwice)
	withCtx := Wrap(r, func(context.Context) error { return failTwice() })
	synced := r.Sync(func(context.Context) error { return failTwice() }).(func(context.Context) error)
	for name, f := range map[string]func(){
		"func() error":                func() { _ = plain() },
		"func(context.Context) error": func() { _ = withCtx(ctx) },
		"Sync(func(ctx) error)":       func() { _ = synced(ctx) },
		"Do with a capturing closure": func() { _ = Do(ctx, r, func(context.Context) error { return failTwice() }) },
		"DoValue with a closure":      func() { _, _ = DoValue(ctx, r, func(context.Context) (int, error) { return n, failTwice() }) },
	} {
		before := n
		allocs := testing.AllocsPerRun(100, f)
		assert.Zero(t, allocs, name)
		assert.Equal(t, before+3*101, n, "%s: three calls per run", name)
	}
}

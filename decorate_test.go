package retry_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
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

// myErr is a concrete error type: as a result, it is data, not the error
// result (a typed nil would read as a failure).
type myErr struct{ msg string }

func (e *myErr) Error() string { return e.msg }

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
		{"concrete error type is data", func() *myErr { return &myErr{"x"} }, nil, []any{&myErr{"x"}}},
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
	get := retry.Decorate(func() (*point, error) { return p, nil }, retry.Tries(2)).(func() (*point, error))
	got, err := get()
	require.NoError(t, err)
	assert.Same(t, p, got)
}

func TestDecorateAssertsToTheExactType(t *testing.T) {
	fetch := func(id int) (string, error) { return fmt.Sprint("item ", id), nil }
	f, ok := retry.Decorate(fetch, retry.Tries(2)).(func(int) (string, error))
	require.True(t, ok)
	got, err := f(7)
	require.NoError(t, err)
	assert.Equal(t, "item 7", got)

	h := retry.Decorate(handler(func(s string) (int, error) { return len(s), nil }), retry.Tries(2)).(handler)
	n, err := h("abc")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}

func TestSyncDoesNotWatchTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sleptWith []context.Context
	calls := 0
	last := errors.New("last")
	f := retry.Sync(func(ctx context.Context, x int) (int, error) {
		calls++
		cancel()
		return x, last
	}, retry.Tries(3), retry.WithSleep(func(ctx context.Context, _ time.Duration) error {
		sleptWith = append(sleptWith, ctx)
		return nil
	})).(func(context.Context, int) (int, error))
	got, err := f(ctx, 5)
	assert.Equal(t, 3, calls, "a cancelled ctx does not stop Sync's loop")
	assert.Equal(t, 5, got)
	assert.Same(t, last, err)
	assert.Equal(t, []context.Context{context.Background(), context.Background()}, sleptWith)
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
		{point{}, "retry: not a function: retry_test.point"},
		{&point{}, "retry: not a function: *retry_test.point"},
	}
	r := fast(t)
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := retry.Inspect(tt.fn)
			require.ErrorIs(t, err, retry.ErrNotFunc)
			assert.EqualError(t, err, tt.want)
			for name, decorate := range map[string]func(any) any{
				"Decorate": r.Decorate, "Sync": r.Sync, "Async": r.Async,
				"Wrap":             func(fn any) any { return retry.Wrap(r, fn) },
				"package Decorate": func(fn any) any { return retry.Decorate(fn) },
			} {
				assert.PanicsWithError(t, tt.want, func() { decorate(tt.fn) }, name)
				func() {
					defer func() {
						e, _ := recover().(error)
						assert.ErrorIs(t, e, retry.ErrNotFunc, name)
					}()
					decorate(tt.fn)
				}()
			}
		})
	}
	assert.PanicsWithError(t, "retry: not a function: nil func(context.Context) error", func() { _ = retry.Do(context.Background(), r, nil) })
	assert.PanicsWithError(t, "retry: not a function: nil func(context.Context) (int, error)", func() { _, _ = retry.DoValue[int](context.Background(), r, nil) })
	const nilRetrier = "retry: nil *Retrier (did New return an error?)"
	var none *retry.Retrier
	ok := func(context.Context) error { return nil }
	assert.PanicsWithError(t, nilRetrier, func() { none.Decorate(ok) })
	assert.PanicsWithError(t, nilRetrier, func() { retry.Wrap(none, func(int) (int, error) { return 0, nil }) })
	assert.PanicsWithError(t, nilRetrier, func() { _ = retry.Do(context.Background(), none, ok) })
	assert.PanicsWithError(t, nilRetrier, func() {
		_, _ = retry.DoValue(context.Background(), none, func(context.Context) (int, error) { return 0, nil })
	})
}

// Sync on a channel function runs the channel loop in the caller's
// goroutine: when the decorated function returns, the tries are done and
// its channel already holds the final value.
func TestSyncRetriesAChannelFunctionInTheCallersGoroutine(t *testing.T) {
	errA := errors.New("A")
	calls := 0 // not atomic: the race detector tells if another goroutine calls fn
	rec := &waits.Recorder{}
	d := retry.Sync(func() <-chan error {
		calls++
		if calls < 3 {
			return sent(errA)
		}
		return sent[error](nil)
	}, retry.Tries(5), retry.WithSleep(rec.Sleep)).(func() <-chan error)
	ch := d()
	assert.Equal(t, 3, calls, "the tries are done when Sync's function returns")
	assert.Len(t, rec.Waits(), 2)
	assert.Len(t, ch, 1, "the channel already holds the final value")
	assert.Equal(t, []error{nil}, drain(ch))
}

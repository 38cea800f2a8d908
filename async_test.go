package retry

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// sent returns a channel that holds v and is closed.
func sent[T any](v T) <-chan T {
	ch := make(chan T, 1)
	ch <- v
	close(ch)
	return ch
}

// closedEmpty returns a channel closed with no value.
func closedEmpty[T any]() <-chan T {
	ch := make(chan T)
	close(ch)
	return ch
}

// drain reads ch until it is closed.
func drain[T any](ch <-chan T) []T {
	var got []T
	for v := range ch {
		got = append(got, v)
	}
	return got
}

type result struct {
	Val int
	Err error
}

type reply struct {
	n   int
	err error
}

func (r reply) Err() error { return r.err }

type embedsResult struct {
	*result
	Name string
}

func TestAsyncChannelFunctions(t *testing.T) {
	errA, errB := errors.New("A"), errors.New("B")
	ok := func(n int) int { return n } // readability in the table
	tests := []struct {
		name      string
		fn        func(calls *int) any // builds the channel function
		opts      []Option
		wantCalls int
		want      any // the values the decorated channel delivers
	}{
		{"errors until nil", func(c *int) any {
			return func() <-chan error {
				*c++
				if *c < 3 {
					return sent(error(fmt.Errorf("failure %d", *c)))
				}
				return sent[error](nil)
			}
		}, nil, 3, []error{nil}},
		{"bidirectional chan of errors", func(c *int) any {
			return func() chan error {
				*c++
				ch := make(chan error, 1)
				if *c < 2 {
					ch <- errA
				} else {
					ch <- nil
				}
				close(ch)
				return ch
			}
		}, nil, 2, []error{nil}},
		{"Err field", func(c *int) any {
			return func(ctx context.Context, x int) <-chan result {
				*c++
				if *c < 2 {
					return sent(result{Err: errA})
				}
				return sent(result{Val: x * ok(2)})
			}
		}, nil, 2, []result{{Val: 14}}},
		{"Err field through a pointer", func(c *int) any {
			return func() <-chan *result {
				*c++
				if *c < 3 {
					return sent(&result{Val: *c, Err: errA})
				}
				return sent(&result{Val: *c})
			}
		}, nil, 3, []*result{{Val: 3}}},
		{"Err field promoted through a nil embedded pointer", func(c *int) any {
			return func() <-chan embedsResult {
				*c++
				return sent(embedsResult{Name: "no result"})
			}
		}, nil, 1, []embedsResult{{Name: "no result"}}},
		{"Err method", func(c *int) any {
			return func() <-chan reply {
				*c++
				if *c < 4 {
					return sent(reply{n: *c, err: errB})
				}
				return sent(reply{n: *c})
			}
		}, nil, 4, []reply{{n: 4}}},
		{"closed with no value is a failure", func(c *int) any {
			return func() <-chan int {
				*c++
				if *c < 3 {
					return closedEmpty[int]()
				}
				return sent(42)
			}
		}, nil, 3, []int{42}},
		{"closed with no value is retried whatever the filters", func(c *int) any {
			return func() <-chan error {
				*c++
				if *c < 3 {
					return closedEmpty[error]()
				}
				return sent(errB)
			}
		}, []Option{On(errA)}, 3, []error{errB}},
		{"exhausted: the last value", func(c *int) any {
			return func() <-chan result {
				*c++
				return sent(result{Val: *c, Err: errA})
			}
		}, nil, 5, []result{{Val: 5, Err: errA}}},
		{"exhausted, last closed empty: the last value received", func(c *int) any {
			return func() <-chan result {
				*c++
				if *c == 2 {
					return sent(result{Val: 2, Err: errA})
				}
				return closedEmpty[result]()
			}
		}, nil, 5, []result{{Val: 2, Err: errA}}},
		{"exhausted, every try closed empty", func(c *int) any {
			return func() <-chan int { *c++; return closedEmpty[int]() }
		}, nil, 5, []int(nil)},
		{"filters judge error values", func(c *int) any {
			return func() <-chan error { *c++; return sent(errB) }
		}, []Option{On(errA)}, 1, []error{errB}},
		{"a Permanent value is delivered as received", func(c *int) any {
			return func() <-chan result { *c++; return sent(result{Val: 1, Err: Permanent(errA)}) }
		}, nil, 1, []result{{Val: 1, Err: Permanent(errA)}}},
		{"values that carry no error", func(c *int) any {
			return func(s string) <-chan string { *c++; return sent(s + "!") }
		}, nil, 1, []string{"hi!"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"Decorate", "Async"} {
				calls := 0
				fn := tt.fn(&calls)
				r := fast(t, tt.opts...)
				d := r.Decorate(fn)
				if name == "Async" {
					d = r.Async(fn)
				}
				require.Equal(t, reflect.TypeOf(fn), reflect.TypeOf(d), name)
				args := []any{}
				switch reflect.TypeOf(fn).NumIn() {
				case 1:
					args = []any{"hi"}
				case 2:
					args = []any{context.Background(), 7}
				}
				out := reflect.ValueOf(callValues(d, args...)[0])
				got := reflect.MakeSlice(reflect.SliceOf(out.Type().Elem()), 0, 1)
				for {
					v, ok := out.Recv()
					if !ok {
						break
					}
					got = reflect.Append(got, v)
				}
				if got.Len() == 0 {
					got = reflect.Zero(got.Type())
				}
				assert.Equal(t, tt.want, got.Interface(), name)
				assert.Equal(t, tt.wantCalls, calls, name)
			}
		})
	}
}

func TestAsyncExhaustedDeliversTheLastErrorItself(t *testing.T) {
	var last error
	calls := 0
	d := Decorate(func() <-chan error {
		calls++
		last = fmt.Errorf("failure %d", calls)
		return sent(last)
	}, Tries(3), WithSleep(noSleep)).(func() <-chan error)
	got := drain(d())
	require.Len(t, got, 1)
	assert.True(t, got[0] == last)
}

func TestAsyncReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		d := Decorate(func() <-chan error {
			calls++
			if calls < 3 {
				return sent(errors.New("not yet"))
			}
			return sent[error](nil)
		}, Tries(3), Delay(time.Minute)).(func() <-chan error)
		start := time.Now()
		ch := d()
		assert.Zero(t, time.Since(start), "decorating a channel function returns at once")
		assert.Equal(t, []error{nil}, drain(ch))
		assert.Equal(t, 2*time.Minute, time.Since(start))
	})
}

func TestAsyncCancel(t *testing.T) {
	t.Run("error channel gets an error matching ctx and the last one", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			last := errors.New("last")
			d := Decorate(func(context.Context) <-chan error { return sent(last) }, Delay(time.Hour)).(func(context.Context) <-chan error)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
			defer cancel()
			start := time.Now()
			got := drain(d(ctx))
			assert.Equal(t, 90*time.Minute, time.Since(start))
			require.Len(t, got, 1)
			assert.ErrorIs(t, got[0], context.DeadlineExceeded)
			assert.ErrorIs(t, got[0], last)
		})
	})
	t.Run("a channel that never yields", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			never := make(chan error)
			d := Decorate(func(context.Context) <-chan error { return never }, Tries(3)).(func(context.Context) <-chan error)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			start := time.Now()
			got := drain(d(ctx))
			assert.Equal(t, 10*time.Millisecond, time.Since(start))
			assert.Equal(t, []error{context.Canceled}, got)
		})
	})
	t.Run("other element types are closed with no value", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			calls := 0
			d := Decorate(func(ctx context.Context, x int) <-chan result {
				calls++
				return sent(result{Val: x, Err: errors.New("no")})
			}, Delay(time.Hour)).(func(context.Context, int) <-chan result)
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Minute)
			defer cancel()
			assert.Empty(t, drain(d(ctx, 1)))
			assert.Equal(t, 3, calls)
		})
	})
	t.Run("already done: fn is not called", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		d := Decorate(func(context.Context) <-chan error { calls++; return sent[error](nil) }).(func(context.Context) <-chan error)
		assert.Equal(t, []error{context.Canceled}, drain(d(ctx)))
		assert.Zero(t, calls)
	})
}

func TestAsyncLeavesNoGoroutineWhenTheChannelIsNotRead(t *testing.T) {
	var calls atomic.Int32
	d := Decorate(func() <-chan error { calls.Add(1); return sent(errors.New("x")) }, Tries(50), WithSleep(noSleep)).(func() <-chan error)
	o := Async(func() (int, error) { return 0, errors.New("x") }, Tries(50), WithSleep(noSleep)).(func() <-chan Outcome)
	for range 10 {
		_ = d()
		_ = o()
	}
	goleak.VerifyNone(t)
	assert.Equal(t, int32(500), calls.Load(), "every loop ran to its end")
}

func TestAsyncPanics(t *testing.T) {
	t.Run("retried under RetryPanics", func(t *testing.T) {
		calls := 0
		d := Decorate(func() <-chan int {
			calls++
			if calls < 3 {
				panic("not yet")
			}
			return sent(calls)
		}, RetryPanics(), Tries(5), WithSleep(noSleep)).(func() <-chan int)
		assert.Equal(t, []int{3}, drain(d()))
	})
}

func TestAsyncOutcome(t *testing.T) {
	errA := errors.New("A")
	t.Run("type", func(t *testing.T) {
		fn := func(ctx context.Context, s string, n ...int) (int, string, error) { return 0, "", nil }
		want := reflect.FuncOf(
			[]reflect.Type{contextType, reflect.TypeFor[string](), reflect.TypeFor[[]int]()},
			[]reflect.Type{reflect.TypeFor[<-chan Outcome]()}, true)
		assert.Equal(t, want, reflect.TypeOf(Async(fn, Tries(2))))
	})
	t.Run("success after failures", func(t *testing.T) {
		calls := 0
		o := Async(func(s string, n ...int) (string, int, error) {
			calls++
			if calls < 3 {
				return "", 0, errA
			}
			return s, len(n), nil
		}, Tries(5), WithSleep(noSleep)).(func(string, ...int) <-chan Outcome)
		assert.Equal(t, []Outcome{{Values: []any{"x", 2}}}, drain(o("x", 1, 2)))
		assert.Equal(t, 3, calls)
	})
	t.Run("exhausted", func(t *testing.T) {
		var last error
		calls := 0
		o := Async(func() (int, error) {
			calls++
			last = fmt.Errorf("failure %d", calls)
			return calls, last
		}, Tries(3), WithSleep(noSleep)).(func() <-chan Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		assert.Equal(t, []any{3}, got[0].Values)
		assert.True(t, got[0].Err == last)
	})
	t.Run("no results", func(t *testing.T) {
		o := Async(func() {}, Tries(3)).(func() <-chan Outcome)
		assert.Equal(t, []Outcome{{}}, drain(o()))
	})
	t.Run("Permanent removed", func(t *testing.T) {
		o := Async(func() error { return Permanent(errA) }, Tries(3)).(func() <-chan Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		assert.True(t, got[0].Err == errA)
	})
	t.Run("panic delivered as a PanicError", func(t *testing.T) {
		value := errors.New("boom")
		calls := 0
		o := Async(func() error { calls++; panic(value) }, Tries(3)).(func() <-chan Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		var pe *PanicError
		require.ErrorAs(t, got[0].Err, &pe)
		assert.ErrorIs(t, got[0].Err, ErrPanic)
		assert.ErrorIs(t, got[0].Err, value, "PanicError unwraps an error value")
		assert.Same(t, value, pe.Value)
		assert.Contains(t, string(pe.Stack), "TestAsyncOutcome")
		assert.Equal(t, "retry: panic: boom", pe.Error())
		assert.Equal(t, 1, calls, "without RetryPanics a panic is not retried")
	})
	t.Run("last panic delivered under RetryPanics", func(t *testing.T) {
		calls := 0
		o := Async(func() error { calls++; panic(calls) }, RetryPanics(), Tries(3), WithSleep(noSleep)).(func() <-chan Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		var pe *PanicError
		require.ErrorAs(t, got[0].Err, &pe)
		assert.Equal(t, 3, pe.Value)
		assert.Equal(t, 3, calls)
	})
	t.Run("cancel", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			last := errors.New("last")
			o := Async(func(context.Context, int) (int, error) { return 5, last }, Delay(time.Hour)).(func(context.Context, int) <-chan Outcome)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Minute, cancel)
			got := drain(o(ctx, 1))
			require.Len(t, got, 1)
			assert.Nil(t, got[0].Values)
			assert.ErrorIs(t, got[0].Err, context.Canceled)
			assert.ErrorIs(t, got[0].Err, last)
		})
	})
	t.Run("returns at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			o := Async(func() error { return errA }, Tries(2), Delay(time.Hour)).(func() <-chan Outcome)
			start := time.Now()
			ch := o()
			assert.Zero(t, time.Since(start))
			<-ch
			assert.Equal(t, time.Hour, time.Since(start))
		})
	})
}

func TestAsyncConcurrentCalls(t *testing.T) {
	const goroutines = 100
	d := Decorate(func(ctx context.Context, g int) <-chan result {
		return sent(result{Val: g})
	}, Tries(3)).(func(context.Context, int) <-chan result)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			assert.Equal(t, []result{{Val: g}}, drain(d(context.Background(), g)))
		})
	}
	wg.Wait()
}

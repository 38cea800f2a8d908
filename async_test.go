package retry_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kaioretry/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

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
		opts      []retry.Option
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
		}, []retry.Option{retry.On(errA)}, 3, []error{errB}},
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
		}, []retry.Option{retry.On(errA)}, 1, []error{errB}},
		{"a Permanent value is delivered as received", func(c *int) any {
			return func() <-chan result { *c++; return sent(result{Val: 1, Err: retry.Permanent(errA)}) }
		}, nil, 1, []result{{Val: 1, Err: retry.Permanent(errA)}}},
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
	d := retry.Decorate(func() <-chan error {
		calls++
		last = fmt.Errorf("failure %d", calls)
		return sent(last)
	}, retry.Tries(3), noWait()).(func() <-chan error)
	got := drain(d())
	require.Len(t, got, 1)
	assert.Same(t, last, got[0])
}

func TestAsyncReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		d := retry.Decorate(func() <-chan error {
			calls++
			if calls < 3 {
				return sent(errors.New("not yet"))
			}
			return sent[error](nil)
		}, retry.Tries(3), retry.Delay(time.Minute)).(func() <-chan error)
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
			d := retry.Decorate(func(context.Context) <-chan error { return sent(last) }, retry.Delay(time.Hour)).(func(context.Context) <-chan error)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
			defer cancel()
			start := time.Now()
			got := drain(d(ctx))
			assert.Equal(t, time.Hour, time.Since(start), "the second wait would end past the deadline: it is not started")
			require.Len(t, got, 1)
			assert.ErrorIs(t, got[0], context.DeadlineExceeded)
			assert.ErrorIs(t, got[0], last)
		})
	})
	t.Run("a channel that never yields", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			never := make(chan error)
			d := retry.Decorate(func(context.Context) <-chan error { return never }, retry.Tries(3)).(func(context.Context) <-chan error)
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
			d := retry.Decorate(func(ctx context.Context, x int) <-chan result {
				calls++
				return sent(result{Val: x, Err: errors.New("no")})
			}, retry.Delay(time.Hour)).(func(context.Context, int) <-chan result)
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
		d := retry.Decorate(func(context.Context) <-chan error { calls++; return sent[error](nil) }).(func(context.Context) <-chan error)
		assert.Equal(t, []error{context.Canceled}, drain(d(ctx)))
		assert.Zero(t, calls)
	})
}

func TestAsyncLeavesNoGoroutineWhenTheChannelIsNotRead(t *testing.T) {
	var calls atomic.Int32
	d := retry.Decorate(func() <-chan error { calls.Add(1); return sent(errors.New("x")) }, retry.Tries(50), noWait()).(func() <-chan error)
	o := retry.Async(func() (int, error) { return 0, errors.New("x") }, retry.Tries(50), noWait()).(func() <-chan retry.Outcome)
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
		d := retry.Decorate(func() <-chan int {
			calls++
			if calls < 3 {
				panic("not yet")
			}
			return sent(calls)
		}, retry.RetryPanics(), retry.Tries(5), noWait()).(func() <-chan int)
		assert.Equal(t, []int{3}, drain(d()))
	})
}

// A panic in a channel function without RetryPanics cannot go up the
// caller's stack: it is raised again on the loop's goroutine, so it crashes
// the program instead of being swallowed. The test runs that in a child
// process and reads its output: the panicking goroutine is one that the
// package started, not the caller's.
func TestAsyncChannelPanicIsRaisedOnTheLoopGoroutine(t *testing.T) {
	switch childMode(t) {
	case "plain":
		d := retry.Decorate(func() <-chan int { panic("boom from the channel function") }, retry.Tries(3)).(func() <-chan int)
		<-d()
		return
	case "cancelled":
		// Under RetryPanics, a last try that panicked is raised again even
		// when the context ends the loop during the wait that follows.
		ctx, cancel := context.WithCancel(context.Background())
		d := retry.Decorate(func(context.Context) <-chan error { cancel(); panic("boom before the cancel") }, retry.RetryPanics(), retry.Tries(3)).(func(context.Context) <-chan error)
		<-d(ctx)
		return
	}
	for _, mode := range []string{"plain", "cancelled"} {
		out, err := runChild(t, mode)
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s: the child should crash: %s", mode, out)
		assert.Contains(t, string(out), "panic: boom", mode)
		assert.Contains(t, string(out), "created by github.com/kaioretry/retry.", "%s: raised on a goroutine of the package's", mode)
	}
}

func TestAsyncOutcome(t *testing.T) {
	errA := errors.New("A")
	t.Run("type", func(t *testing.T) {
		fn := func(ctx context.Context, s string, n ...int) (int, string, error) { return 0, "", nil }
		want := reflect.FuncOf(
			[]reflect.Type{reflect.TypeFor[context.Context](), reflect.TypeFor[string](), reflect.TypeFor[[]int]()},
			[]reflect.Type{reflect.TypeFor[<-chan retry.Outcome]()}, true)
		assert.Equal(t, want, reflect.TypeOf(retry.Async(fn, retry.Tries(2))))
	})
	t.Run("success after failures", func(t *testing.T) {
		calls := 0
		o := retry.Async(func(s string, n ...int) (string, int, error) {
			calls++
			if calls < 3 {
				return "", 0, errA
			}
			return s, len(n), nil
		}, retry.Tries(5), noWait()).(func(string, ...int) <-chan retry.Outcome)
		assert.Equal(t, []retry.Outcome{{Values: []any{"x", 2}}}, drain(o("x", 1, 2)))
		assert.Equal(t, 3, calls)
	})
	t.Run("exhausted", func(t *testing.T) {
		var last error
		calls := 0
		o := retry.Async(func() (int, error) {
			calls++
			last = fmt.Errorf("failure %d", calls)
			return calls, last
		}, retry.Tries(3), noWait()).(func() <-chan retry.Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		assert.Equal(t, []any{3}, got[0].Values)
		assert.Same(t, last, got[0].Err)
	})
	t.Run("no results", func(t *testing.T) {
		o := retry.Async(func() {}, retry.Tries(3)).(func() <-chan retry.Outcome)
		assert.Equal(t, []retry.Outcome{{}}, drain(o()))
	})
	t.Run("Permanent removed", func(t *testing.T) {
		o := retry.Async(func() error { return retry.Permanent(errA) }, retry.Tries(3)).(func() <-chan retry.Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		assert.Same(t, errA, got[0].Err)
	})
	t.Run("panic delivered as a PanicError", func(t *testing.T) {
		value := errors.New("boom")
		calls := 0
		o := retry.Async(func() error { calls++; panic(value) }, retry.Tries(3)).(func() <-chan retry.Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		var pe *retry.PanicError
		require.ErrorAs(t, got[0].Err, &pe)
		assert.ErrorIs(t, got[0].Err, retry.ErrPanic)
		assert.ErrorIs(t, got[0].Err, value, "PanicError unwraps an error value")
		assert.Same(t, value, pe.Value)
		assert.Contains(t, string(pe.Stack), "TestAsyncOutcome")
		assert.Equal(t, "retry: panic: boom", pe.Error())
		assert.Equal(t, 1, calls, "without RetryPanics a panic is not retried")
	})
	t.Run("last panic delivered under RetryPanics", func(t *testing.T) {
		calls := 0
		o := retry.Async(func() error { calls++; panic(calls) }, retry.RetryPanics(), retry.Tries(3), noWait()).(func() <-chan retry.Outcome)
		got := drain(o())
		require.Len(t, got, 1)
		var pe *retry.PanicError
		require.ErrorAs(t, got[0].Err, &pe)
		assert.Equal(t, 3, pe.Value)
		assert.Equal(t, 3, calls)
	})
	t.Run("cancel", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			last := errors.New("last")
			o := retry.Async(func(context.Context, int) (int, error) { return 5, last }, retry.Delay(time.Hour)).(func(context.Context, int) <-chan retry.Outcome)
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
			o := retry.Async(func() error { return errA }, retry.Tries(2), retry.Delay(time.Hour)).(func() <-chan retry.Outcome)
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
	d := retry.Decorate(func(ctx context.Context, g int) <-chan result {
		return sent(result{Val: g})
	}, retry.Tries(3)).(func(context.Context, int) <-chan result)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			assert.Equal(t, []result{{Val: g}}, drain(d(context.Background(), g)))
		})
	}
	wg.Wait()
}

// runtime.Goexit in fn (t.FailNow in a test) is reported as what it is, not
// as a panic with a nil value.
func TestAsyncReportsGoexit(t *testing.T) {
	o := retry.Async(func() (int, error) { runtime.Goexit(); return 0, nil }, retry.Tries(3), noWait()).(func() <-chan retry.Outcome)
	got := drain(o())
	require.Len(t, got, 1)
	require.Error(t, got[0].Err)
	assert.Contains(t, got[0].Err.Error(), "runtime.Goexit")
	assert.NotContains(t, got[0].Err.Error(), "panic: <nil>")
}

// A caller that sends into, or closes, the bidirectional chan T that a
// decorated func() chan T returns neither leaks the loop's goroutine nor
// crashes it. Today's code does one or the other, so each case runs in a
// child process: a crash or a leak fails this test, not the test binary.
func TestCallerMaySendIntoOrCloseTheReturnedChannel(t *testing.T) {
	if mode := childMode(t); mode != "" {
		src := make(chan int, 1)
		d := retry.Decorate(func() chan int { return src }, retry.Tries(3), noWait()).(func() chan int)
		out := d()
		switch mode {
		case "close":
			close(out)
		case "send":
			out <- 7 // fills the channel's buffer
		}
		src <- 42 // the try succeeds now: the loop delivers into out
		goleak.VerifyNone(t)
		return
	}
	for _, mode := range []string{"close", "send"} {
		out, err := runChild(t, mode)
		assert.NoError(t, err, "%s: the child should pass, neither crash nor leak:\n%s", mode, out)
	}
}

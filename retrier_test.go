package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsInvalidOptions(t *testing.T) {
	s := retry.Must(retry.NewSchedule())
	tests := []struct {
		name string
		opts []retry.Option
		want string
	}{
		{"If(nil)", []retry.Option{retry.If(nil)}, "retry: If(nil): predicate cannot be nil"},
		{"WithSchedule(nil)", []retry.Option{retry.WithSchedule(nil)}, "retry: WithSchedule(nil): schedule cannot be nil"},
		{"nil target", []retry.Option{retry.On(io.EOF, nil)}, "retry: On(EOF, <nil>): target 2 is nil"},
		{"WithSchedule with Tries", []retry.Option{retry.WithSchedule(s), retry.Tries(3)}, "retry: WithSchedule(s): cannot be combined with Tries(3)"},
		{"schedule option", []retry.Option{retry.Tries(0)}, "retry: Tries(0): tries cannot be 0"},
		{"nil option", []retry.Option{nil}, "retry: <nil>: option cannot be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := retry.New(tt.opts...)
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.EqualError(t, err, tt.want)
			for name, shortcut := range map[string]func(any, ...retry.Option) any{"Decorate": retry.Decorate, "Sync": retry.Sync, "Async": retry.Async} {
				assert.PanicsWithError(t, tt.want, func() { shortcut(func() error { return nil }, tt.opts...) }, name)
			}
		})
	}
}

// A Retrier built without schedule options uses DefaultSchedule (swapped
// here for one that shows itself); one built WithSchedule(s) uses s.
func TestNewDefaults(t *testing.T) {
	errA := errors.New("A")
	failing := func(calls *int) func(context.Context) error {
		return func(context.Context) error { *calls++; return errA }
	}
	assert.Equal(t, "Retrier(every error, "+retry.DefaultSchedule.String()+")", retry.Must(retry.New()).String())
	t.Run("DefaultSchedule", func(t *testing.T) {
		saved := retry.DefaultSchedule
		t.Cleanup(func() { retry.DefaultSchedule = saved })
		rec := &waits.Recorder{}
		retry.DefaultSchedule = retry.Must(retry.NewSchedule(retry.Tries(2), retry.Delay(time.Second), retry.WithSleep(rec.Sleep)))
		calls := 0
		err := retry.Do(context.Background(), retry.Must(retry.New()), failing(&calls))
		assert.Same(t, errA, err)
		assert.Equal(t, 2, calls)
		assert.Equal(t, []time.Duration{time.Second}, rec.Waits())
	})
	t.Run("WithSchedule", func(t *testing.T) {
		rec := &waits.Recorder{}
		s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.Delay(time.Minute), retry.WithSleep(rec.Sleep)))
		r := retry.Must(retry.New(retry.WithSchedule(s)))
		calls := 0
		err := retry.Do(context.Background(), r, failing(&calls))
		assert.Same(t, errA, err)
		assert.Equal(t, 3, calls)
		assert.Equal(t, []time.Duration{time.Minute, time.Minute}, rec.Waits())
		assert.Equal(t, "Retrier(every error, "+s.String()+")", r.String())
	})
}

func TestMustPanicsWithTheError(t *testing.T) {
	err := errors.New("boom")
	assert.PanicsWithValue(t, err, func() { retry.Must(0, err) })
	assert.PanicsWithError(t, "retry: Tries(0): tries cannot be 0", func() { retry.Must(retry.NewSchedule(retry.Tries(0))) })
	assert.Equal(t, 3, retry.Must(3, nil))
	assert.Equal(t, []int{1}, retry.Must([]int{1}, nil))
}

func TestFilters(t *testing.T) {
	errA := errors.New("A")
	errB := errors.New("B")
	tests := []struct {
		name    string
		opts    []retry.Option
		err     error
		retried bool
	}{
		{"no filter retries everything", nil, errB, true},
		{"On matches by value", []retry.Option{retry.On(errA)}, errA, true},
		{"On matches wrapped errors", []retry.Option{retry.On(errA)}, fmt.Errorf("ctx: %w", errA), true},
		{"On matches joined errors", []retry.Option{retry.On(errA)}, errors.Join(errB, errA), true},
		{"On does not match another error", []retry.Option{retry.On(errA)}, errB, false},
		{"On with several targets", []retry.Option{retry.On(io.EOF, errA)}, errA, true},
		{"On() adds no filter", []retry.Option{retry.On()}, errB, true},
		{"OnType matches by type", []retry.Option{retry.OnType[*tempError]()}, &tempError{"t"}, true},
		{"OnType matches wrapped", []retry.Option{retry.OnType[*tempError]()}, fmt.Errorf("x: %w", &tempError{"t"}), true},
		{"OnType does not match another type", []retry.Option{retry.OnType[*tempError]()}, errA, false},
		{"If true", []retry.Option{retry.If(func(err error) bool { return strings.HasPrefix(err.Error(), "B") })}, errB, true},
		{"If false", []retry.Option{retry.If(func(error) bool { return false })}, errB, false},
		{"union: On part", []retry.Option{retry.On(errA), retry.OnType[*tempError](), retry.If(func(error) bool { return false })}, errA, true},
		{"union: OnType part", []retry.Option{retry.On(errA), retry.OnType[*tempError]()}, &tempError{"t"}, true},
		{"union: If part", []retry.Option{retry.On(errA), retry.If(func(err error) bool { return err == errB })}, errB, true},
		{"union: none", []retry.Option{retry.On(errA), retry.OnType[*tempError]()}, errB, false},
		{"Permanent beats no filter", nil, retry.Permanent(errA), false},
		{"Permanent beats On", []retry.Option{retry.On(errA)}, retry.Permanent(errA), false},
		{"Permanent wrapped further", nil, fmt.Errorf("ctx: %w", retry.Permanent(errA)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			f := retry.Decorate(func() (int, error) { calls++; return calls, tt.err }, append(tt.opts, retry.Tries(3), noWait())...).(func() (int, error))
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

func TestRetrierString(t *testing.T) {
	s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.Delay(time.Second)))
	tests := []struct {
		opts []retry.Option
		want string
	}{
		{nil, "Retrier(every error, Schedule(tries=unlimited, 0s <= 0s <= inf))"},
		{[]retry.Option{retry.On(io.EOF, io.ErrUnexpectedEOF), retry.OnType[*tempError](), retry.If(func(error) bool { return true }), retry.RetryPanics(), retry.WithSchedule(s)},
			"Retrier(On(EOF, unexpected EOF), OnType[*retry_test.tempError], If(f), RetryPanics, Schedule(tries=3, 0s <= 1s <= inf))"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, retry.Must(retry.New(tt.opts...)).String())
	}
}

func TestDoAndDoValue(t *testing.T) {
	r := fast(t, retry.Tries(4))
	t.Run("Do", func(t *testing.T) {
		calls := 0
		err := retry.Do(context.Background(), r, func(context.Context) error {
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
		v, err := retry.DoValue(context.Background(), r, func(context.Context) (string, error) {
			calls++
			last = fmt.Errorf("failure %d", calls)
			return "partial", last
		})
		assert.Equal(t, 4, calls)
		assert.Equal(t, "partial", v)
		assert.Same(t, last, err)
	})
	t.Run("DoValue permanent", func(t *testing.T) {
		inner := errors.New("fatal")
		calls := 0
		_, err := retry.DoValue(context.Background(), r, func(context.Context) (int, error) { calls++; return 0, retry.Permanent(inner) })
		assert.Equal(t, 1, calls)
		assert.Same(t, inner, err)
	})
	t.Run("Do cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			slow := retry.Must(retry.New(retry.Delay(time.Hour)))
			last := errors.New("last")
			start := time.Now()
			err := retry.Do(ctx, slow, func(context.Context) error { return last })
			assert.Zero(t, time.Since(start), "a wait that would end past the deadline is not started")
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.ErrorIs(t, err, last)
		})
	})
	t.Run("Do panics", func(t *testing.T) {
		assert.PanicsWithValue(t, "boom", func() { _ = retry.Do(context.Background(), r, func(context.Context) error { panic("boom") }) })
	})
}

// Do(ctx, r, op) behaves exactly as Wrap(r, op)(ctx), whatever op does.
func TestDoMatchesWrap(t *testing.T) {
	errA := errors.New("A")
	script := [][]error{
		{nil},
		{errA, nil},
		{errA, errA, errA, errA, errA},
		{errA, retry.Permanent(errA)},
		{io.EOF, nil},
	}
	r := fast(t, retry.Tries(4), retry.On(errA))
	for i, s := range script {
		run := func(call func(func(context.Context) error) error) (int, error) {
			n := 0
			err := call(func(context.Context) error {
				n++
				return s[min(n, len(s))-1]
			})
			return n, err
		}
		nDo, errDo := run(func(op func(context.Context) error) error { return retry.Do(context.Background(), r, op) })
		nWrap, errWrap := run(func(op func(context.Context) error) error { return retry.Wrap(r, op)(context.Background()) })
		assert.Equal(t, nWrap, nDo, "script %d: calls", i)
		assert.Equal(t, errWrap, errDo, "script %d: error", i)
	}
}

// The zero Retrier behaves as New() does: unlimited tries, no delay, every
// error retried. It never crashes later with a nil dereference.
func TestZeroRetrierBehavesAsNew(t *testing.T) {
	errA := errors.New("A")
	const failures = 20
	forms := []struct {
		name string
		call func(r *retry.Retrier, try func() error) error
	}{
		{"Decorate, func() error", func(r *retry.Retrier, try func() error) error {
			return r.Decorate(try).(func() error)()
		}},
		{"Decorate, reflective", func(r *retry.Retrier, try func() error) error {
			_, err := r.Decorate(func(x int) (int, error) { return x, try() }).(func(int) (int, error))(1)
			return err
		}},
		{"Do", func(r *retry.Retrier, try func() error) error {
			return retry.Do(context.Background(), r, func(context.Context) error { return try() })
		}},
		{"DoValue", func(r *retry.Retrier, try func() error) error {
			_, err := retry.DoValue(context.Background(), r, func(context.Context) (int, error) { return 1, try() })
			return err
		}},
	}
	for _, form := range forms {
		t.Run(form.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				var err error
				start := time.Now()
				assert.NotPanics(t, func() {
					err = form.call(&retry.Retrier{}, func() error {
						calls++
						if calls <= failures {
							return errA
						}
						return nil
					})
				})
				assert.NoError(t, err)
				assert.Equal(t, failures+1, calls, "retried until success")
				assert.Zero(t, time.Since(start), "no delay")
			})
		})
	}
	t.Run("String", func(t *testing.T) {
		assert.NotPanics(t, func() {
			assert.Equal(t, retry.Must(retry.New()).String(), (&retry.Retrier{}).String())
		})
	})
}

// flipCtx is a context that is done once its done flag is set: a test can
// stop a loop at a chosen point without allocating a new context.
type flipCtx struct {
	context.Context
	done   bool
	closed chan struct{}
}

func (c *flipCtx) Done() <-chan struct{} { return c.closed }

func (c *flipCtx) Err() error {
	if c.done {
		return context.Canceled
	}
	return nil
}

// A call stopped by its context after a failure builds its error without
// formatting: one allocation, and the message only when read.
func TestDoStoppedAfterAFailureAllocatesOnce(t *testing.T) {
	r := retry.Must(retry.New(retry.Tries(5), retry.Delay(time.Hour), retry.Logger(quietLogger())))
	ctx := &flipCtx{Context: context.Background(), closed: make(chan struct{})}
	close(ctx.closed)
	last := errors.New("last")
	op := func(context.Context) error { ctx.done = true; return last }
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		ctx.done = false
		err = retry.Do(ctx, r, op)
	})
	assert.LessOrEqual(t, allocs, 1.0)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, last)
	assert.Equal(t, "retry: stopped after 1 try: context canceled (last error: last)", err.Error())
}

package retry_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kaioretry/retry"
	"github.com/sirupsen/logrus"
)

// The benchmarks retry op := func(ctx context.Context, x int) (int, error),
// the shape of a typical RPC, in three scenarios: it succeeds at once; it
// fails three times, then succeeds (zero delay); it always fails, until five
// tries run out. Each is measured for the baselines (a direct call, a
// hand-written loop, a reflect.MakeFunc pass-through: the floor of any
// MakeFunc decorator) and for every way the library decorates, in one run,
// so that ratios compare like with like on a noisy machine.

var (
	errBench = errors.New("bench failure")
	sink     int
)

// benchOp is an operation that fails its first `failures` calls after each
// reset, then returns x+1.
type benchOp struct {
	failures, calls int
}

// call is kept out of line, as a real operation (an RPC) is.
//
//go:noinline
func (o *benchOp) call(_ context.Context, x int) (int, error) {
	o.calls++
	if o.calls <= o.failures {
		return 0, errBench
	}
	return x + 1, nil
}

func (o *benchOp) callErr(ctx context.Context) error {
	_, err := o.call(ctx, 1)
	return err
}

// handLoop is what a careful programmer writes without a library.
func handLoop(ctx context.Context, op func(context.Context, int) (int, error), x, tries int) (int, error) {
	var err error
	for range tries {
		var v int
		if v, err = op(ctx, x); err == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	return 0, err
}

// passThrough is a reflect.MakeFunc wrapper that only calls fn.
func passThrough[F any](fn F) F {
	v := reflect.ValueOf(fn)
	return reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		return v.Call(args)
	}).Interface().(F)
}

type benchResult struct {
	V   int
	Err error
}

// benchCases returns, for one operation, the function each case times: one
// call of the operation, retried.
func benchCases(op *benchOp) []struct {
	name string
	call func(ctx context.Context) (int, error)
} {
	r := retry.Must(retry.New(retry.Tries(5), retry.Logger(quietLogger())))
	decorated := r.Decorate(op.call).(func(context.Context, int) (int, error))
	synced := r.Sync(op.call).(func(context.Context, int) (int, error))
	wrapped := retry.Wrap(r, op.call)
	noCtx := r.Decorate(func(x int) (int, error) { return op.call(context.Background(), x) }).(func(int) (int, error))
	fastPath := retry.Wrap(r, op.callErr)
	async := r.Decorate(func(ctx context.Context, x int) <-chan benchResult {
		ch := make(chan benchResult, 1)
		v, err := op.call(ctx, x)
		ch <- benchResult{v, err}
		return ch
	}).(func(context.Context, int) <-chan benchResult)
	outcome := r.Async(op.call).(func(context.Context, int) <-chan retry.Outcome)
	through := passThrough(op.call)
	return []struct {
		name string
		call func(ctx context.Context) (int, error)
	}{
		{"direct", func(ctx context.Context) (int, error) { return op.call(ctx, 1) }},
		{"handloop", func(ctx context.Context) (int, error) { return handLoop(ctx, op.call, 1, 5) }},
		{"makefunc-passthrough", func(ctx context.Context) (int, error) { return through(ctx, 1) }},
		{"Decorate-cancellable", func(ctx context.Context) (int, error) { return decorated(ctx, 1) }},
		{"Decorate-sync", func(context.Context) (int, error) { return noCtx(1) }},
		{"Sync", func(ctx context.Context) (int, error) { return synced(ctx, 1) }},
		{"Wrap", func(ctx context.Context) (int, error) { return wrapped(ctx, 1) }},
		{"Wrap-fastpath", func(ctx context.Context) (int, error) { return 2, fastPath(ctx) }},
		{"Do", func(ctx context.Context) (int, error) {
			return 2, retry.Do(ctx, r, op.callErr)
		}},
		{"DoValue", func(ctx context.Context) (int, error) {
			return retry.DoValue(ctx, r, func(ctx context.Context) (int, error) { return op.call(ctx, 1) })
		}},
		{"Decorate-async", func(ctx context.Context) (int, error) {
			res := <-async(ctx, 1)
			return res.V, res.Err
		}},
		{"Async-outcome", func(ctx context.Context) (int, error) {
			o := <-outcome(ctx, 1)
			if o.Err != nil {
				return 0, o.Err
			}
			return o.Values[0].(int), nil
		}},
	}
}

func benchScenario(b *testing.B, failures int, wantErr bool) {
	op := &benchOp{failures: failures}
	ctx := context.Background()
	for _, c := range benchCases(op) {
		if (c.name == "direct" || c.name == "makefunc-passthrough") && failures > 0 {
			continue // they do not retry
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var v int
			var err error
			for b.Loop() {
				op.calls = 0
				v, err = c.call(ctx)
			}
			sink = v
			if wantErr != (err != nil) || (!wantErr && v != 2) {
				b.Fatalf("got %d, %v", v, err)
			}
			if want := min(failures+1, 5); op.calls != want {
				b.Fatalf("last call made %d tries, want %d", op.calls, want)
			}
		})
	}
}

func BenchmarkFirstTry(b *testing.B)      { benchScenario(b, 0, false) }
func BenchmarkThreeFailures(b *testing.B) { benchScenario(b, 3, false) }
func BenchmarkExhausted(b *testing.B)     { benchScenario(b, 100, true) }

// BenchmarkParallel calls one decorated function from every P at once.
func BenchmarkParallel(b *testing.B) {
	op := func(_ context.Context, x int) (int, error) { return x + 1, nil }
	r := retry.Must(retry.New(retry.Tries(5), retry.Logger(quietLogger())))
	decorated := r.Decorate(op).(func(context.Context, int) (int, error))
	fast := retry.Wrap(r, func(context.Context) error { return nil })
	for name, call := range map[string]func(context.Context) error{
		"Decorate-cancellable": func(ctx context.Context) error { _, err := decorated(ctx, 1); return err },
		"Wrap-fastpath":        fast,
		"Do":                   func(ctx context.Context) error { return retry.Do(ctx, r, fast) },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if err := call(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkDecorate is the cost of decorating, paid once, at init.
func BenchmarkDecorate(b *testing.B) {
	r := retry.Must(retry.New(retry.Tries(5)))
	op := (&benchOp{}).call
	for name, fn := range map[string]any{
		"cancellable": op,
		"fastpath":    (&benchOp{}).callErr,
		"async":       func(context.Context) <-chan error { return nil },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var d any
			for b.Loop() {
				d = r.Decorate(fn)
			}
			if reflect.TypeOf(d) != reflect.TypeOf(fn) {
				b.Fatal("type changed")
			}
		})
	}
	b.Run("New", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r = retry.Must(retry.New(retry.Tries(5), retry.Delay(1), retry.Backoff(2), retry.On(errBench)))
		}
	})
}

// BenchmarkSchedule is one loop over a Schedule alone: five tries, zero
// delay, logging disabled.
func BenchmarkSchedule(b *testing.B) {
	s := retry.Must(retry.NewSchedule(retry.Tries(5), retry.Logger(quietLogger())))
	b.Run("Attempts", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for i := range s.Attempts() {
				n += i
			}
		}
		if n == 0 {
			b.Fatal("no tries")
		}
	})
	b.Run("logging-enabled", func(b *testing.B) {
		l := logrus.New()
		l.SetOutput(discard{})
		l.SetLevel(logrus.InfoLevel)
		s := retry.Must(retry.NewSchedule(retry.Tries(5), retry.Logger(l)))
		b.ReportAllocs()
		for b.Loop() {
			for range s.Attempts() {
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkOptions is Do over an operation that fails three times, then
// succeeds (four tries, zero delay), with one option set at a time: each
// row's excess over "none" is that option's cost per call of four tries.
func BenchmarkOptions(b *testing.B) {
	// Three tokens taken per call, three given back: the budget never
	// throttles, so every row makes the same four tries.
	budget := retry.Must(retry.NewBudget(100, 3))
	for _, o := range []struct {
		name string
		opt  retry.Option
	}{
		{"none", retry.Tries(5)},
		{"OnRetry", retry.OnRetry(func(retry.Attempt) {})},
		{"AttemptTimeout", retry.AttemptTimeout(time.Minute)},
		{"WithBudget", retry.WithBudget(budget)},
		{"CarryAttempt", retry.CarryAttempt()},
		{"RetryPanics", retry.RetryPanics()},
	} {
		b.Run(o.name, func(b *testing.B) {
			benchDo(b, retry.Must(retry.New(retry.Tries(5), retry.Logger(quietLogger()), o.opt)), 3)
		})
	}
}

// BenchmarkWithBudget is a successful Do from every P at once, with and
// without a Budget shared by all: the cost of its atomic give per call.
func BenchmarkWithBudget(b *testing.B) {
	budget := retry.Must(retry.NewBudget(10, 0.1))
	for _, c := range []struct {
		name string
		r    *retry.Retrier
	}{
		{"none", retry.Must(retry.New(retry.Tries(5), retry.Logger(quietLogger())))},
		{"shared", retry.Must(retry.New(retry.Tries(5), retry.Logger(quietLogger()), retry.WithBudget(budget)))},
	} {
		b.Run(c.name, func(b *testing.B) {
			op := func(context.Context) error { return nil }
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if err := retry.Do(ctx, c.r, op); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLogEntry is one Warn entry: a call that fails once, then
// succeeds, with Warn enabled, beside the same entry written with logrus
// directly (a field for the loop's identifier, a new one for each call).
func BenchmarkLogEntry(b *testing.B) {
	l := logrus.New()
	l.SetOutput(discard{})
	l.SetLevel(logrus.WarnLevel)
	b.Run("kaioretry", func(b *testing.B) {
		benchDo(b, retry.Must(retry.New(retry.Tries(5), retry.Logger(l))), 1)
	})
	b.Run("logrus-direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.WithField("loop", uuid.NewString()).Warnf("%s: try #%d failed with %T: %v", "github.com/kaioretry/retry_test.(*benchOp).callErr", 1, errBench, errBench)
		}
	})
}

// benchDo measures Do with r on an operation that fails failures times,
// then succeeds, and checks that each call made failures+1 tries.
func benchDo(b *testing.B, r *retry.Retrier, failures int) {
	op := &benchOp{failures: failures}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		op.calls = 0
		if err := retry.Do(ctx, r, op.callErr); err != nil {
			b.Fatal(err)
		}
	}
	if op.calls != failures+1 {
		b.Fatalf("%d tries, want %d", op.calls, failures+1)
	}
}

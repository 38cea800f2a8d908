package benchmarks

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	avast "github.com/avast/retry-go/v4"
	backoff4 "github.com/cenkalti/backoff/v4"
	backoff5 "github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/kaioretry/retry"
	sethvargo "github.com/sethvargo/go-retry"
	"github.com/sirupsen/logrus"
)

// Every implementation retries op, a func(ctx, x int) (int, error) shaped
// like an RPC, at most 5 tries, with no delay between them, in three
// scenarios: success at the first try; three failures, then success;
// failures until the tries run out. Each is used as its documentation
// shows: what can be reused is built once, per-call state per call.

const tries = 5

var errOp = errors.New("operation failed")

// op fails its first `failures` calls after each reset, then returns x+1.
type op struct{ failures, calls int }

// call is kept out of line, as a real operation (an RPC) is: otherwise the
// compiler inlines it into the direct call and the hand-written loop, which
// no retry library can match through a func value.
//
//go:noinline
func (o *op) call(_ context.Context, x int) (int, error) {
	o.calls++
	if o.calls <= o.failures {
		return 0, errOp
	}
	return x + 1, nil
}

type impl struct {
	name string
	// build returns the function timed: one retried call of o.
	build func(o *op) func(ctx context.Context) (int, error)
}

func quiet() *logrus.Logger {
	l := logrus.New()
	l.SetLevel(logrus.ErrorLevel)
	return l
}

var impls = []impl{
	{"direct", func(o *op) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) { return o.call(ctx, 1) }
	}},
	{"handloop", func(o *op) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			var err error
			for range tries {
				var v int
				if v, err = o.call(ctx, 1); err == nil {
					return v, nil
				}
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
			}
			return 0, err
		}
	}},
	{"makefunc-passthrough", func(o *op) func(context.Context) (int, error) {
		fn := reflect.ValueOf(o.call)
		f := reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			return fn.Call(args)
		}).Interface().(func(context.Context, int) (int, error))
		return func(ctx context.Context) (int, error) { return f(ctx, 1) }
	}},
	// The least retry loop that reflect.MakeFunc allows: the floor of any
	// decorator built on reflection, on every scenario.
	{"makefunc-retryloop", func(o *op) func(context.Context) (int, error) {
		fn := reflect.ValueOf(o.call)
		f := reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			ctx := args[0].Interface().(context.Context)
			var out []reflect.Value
			for range tries {
				if out = fn.Call(args); out[1].IsNil() || ctx.Err() != nil {
					break
				}
			}
			return out
		}).Interface().(func(context.Context, int) (int, error))
		return func(ctx context.Context) (int, error) { return f(ctx, 1) }
	}},
	{"kaioretry-Decorate", func(o *op) func(context.Context) (int, error) {
		f := retry.Decorate(o.call, retry.Tries(tries), retry.Logger(quiet())).(func(context.Context, int) (int, error))
		return func(ctx context.Context) (int, error) { return f(ctx, 1) }
	}},
	{"kaioretry-Wrap-fastpath", func(o *op) func(context.Context) (int, error) {
		r := retry.Must(retry.New(retry.Tries(tries), retry.Logger(quiet())))
		var v int
		f := retry.Wrap(r, func(ctx context.Context) (err error) { v, err = o.call(ctx, 1); return err })
		return func(ctx context.Context) (int, error) { err := f(ctx); return v, err }
	}},
	{"kaioretry-Do", func(o *op) func(context.Context) (int, error) {
		r := retry.Must(retry.New(retry.Tries(tries), retry.Logger(quiet())))
		return func(ctx context.Context) (int, error) {
			var v int
			err := retry.Do(ctx, r, func(ctx context.Context) (err error) { v, err = o.call(ctx, 1); return err })
			return v, err
		}
	}},
	{"kaioretry-DoValue", func(o *op) func(context.Context) (int, error) {
		r := retry.Must(retry.New(retry.Tries(tries), retry.Logger(quiet())))
		return func(ctx context.Context) (int, error) {
			return retry.DoValue(ctx, r, func(ctx context.Context) (int, error) { return o.call(ctx, 1) })
		}
	}},
	{"avast-retry-go-v4", func(o *op) func(context.Context) (int, error) {
		opts := []avast.Option{avast.Attempts(tries), avast.Delay(0), avast.DelayType(avast.FixedDelay), avast.LastErrorOnly(true)}
		return func(ctx context.Context) (int, error) {
			return avast.DoWithData(func() (int, error) { return o.call(ctx, 1) }, append(opts, avast.Context(ctx))...)
		}
	}},
	{"cenkalti-backoff-v4", func(o *op) func(context.Context) (int, error) {
		zero := &backoff4.ZeroBackOff{}
		return func(ctx context.Context) (int, error) {
			b := backoff4.WithContext(backoff4.WithMaxRetries(zero, tries-1), ctx)
			return backoff4.RetryWithData(func() (int, error) { return o.call(ctx, 1) }, b)
		}
	}},
	{"cenkalti-backoff-v5", func(o *op) func(context.Context) (int, error) {
		opts := []backoff5.RetryOption{backoff5.WithBackOff(&backoff5.ZeroBackOff{}), backoff5.WithMaxTries(tries)}
		return func(ctx context.Context) (int, error) {
			return backoff5.Retry(ctx, func() (int, error) { return o.call(ctx, 1) }, opts...)
		}
	}},
	{"sethvargo-go-retry", func(o *op) func(context.Context) (int, error) {
		zero := sethvargo.BackoffFunc(func() (time.Duration, bool) { return 0, false })
		return func(ctx context.Context) (int, error) {
			return sethvargo.DoValue(ctx, sethvargo.WithMaxRetries(tries-1, zero), func(ctx context.Context) (int, error) {
				v, err := o.call(ctx, 1)
				if err != nil {
					return 0, sethvargo.RetryableError(err)
				}
				return v, nil
			})
		}
	}},
	{"failsafe-go", func(o *op) func(context.Context) (int, error) {
		policy := retrypolicy.NewBuilder[int]().WithMaxAttempts(tries).WithDelay(0).ReturnLastFailure().Build()
		exec := failsafe.With[int](policy)
		return func(ctx context.Context) (int, error) {
			return exec.WithContext(ctx).Get(func() (int, error) { return o.call(ctx, 1) })
		}
	}},
}

func scenario(b *testing.B, failures int) {
	wantCalls := min(failures+1, tries)
	wantOK := failures < tries
	for _, im := range impls {
		if failures > 0 && (im.name == "direct" || im.name == "makefunc-passthrough") {
			continue // they do not retry
		}
		b.Run(im.name, func(b *testing.B) {
			o := &op{failures: failures}
			call := im.build(o)
			ctx := context.Background()
			var v int
			var err error
			b.ReportAllocs()
			for b.Loop() {
				o.calls = 0
				v, err = call(ctx)
			}
			switch {
			case o.calls != wantCalls:
				b.Fatalf("the last call made %d tries, want %d", o.calls, wantCalls)
			case wantOK && (err != nil || v != 2):
				b.Fatalf("got %d, %v; want 2, nil", v, err)
			case !wantOK && !errors.Is(err, errOp):
				b.Fatalf("got error %v, want %v", err, errOp)
			}
		})
	}
}

func BenchmarkFirstTry(b *testing.B)      { scenario(b, 0) }
func BenchmarkThreeFailures(b *testing.B) { scenario(b, 3) }
func BenchmarkExhausted(b *testing.B)     { scenario(b, 100) }

// BenchmarkFourWaits counts what real waits cost: the operation fails four
// times, then succeeds, with a delay of 1µs between tries on a context that
// can be cancelled, so that each implementation waits as it does in
// production (a timer), not through a stub sleep.
func BenchmarkFourWaits(b *testing.B) {
	const delay = time.Microsecond
	r := retry.Must(retry.New(retry.Tries(tries), retry.Delay(delay), retry.Logger(quiet())))
	waits := []impl{
		{"handloop", func(o *op) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				for try := 1; ; try++ {
					v, err := o.call(ctx, 1)
					if err == nil || try == tries {
						return v, err
					}
					t := time.NewTimer(delay)
					select {
					case <-ctx.Done():
						t.Stop()
						return 0, ctx.Err()
					case <-t.C:
					}
				}
			}
		}},
		{"kaioretry-Do", func(o *op) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				var v int
				err := retry.Do(ctx, r, func(ctx context.Context) (err error) { v, err = o.call(ctx, 1); return err })
				return v, err
			}
		}},
		{"kaioretry-Decorate", func(o *op) func(context.Context) (int, error) {
			f := r.Decorate(o.call).(func(context.Context, int) (int, error))
			return func(ctx context.Context) (int, error) { return f(ctx, 1) }
		}},
		{"cenkalti-backoff-v4", func(o *op) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				b := backoff4.WithContext(backoff4.WithMaxRetries(backoff4.NewConstantBackOff(delay), tries-1), ctx)
				return backoff4.RetryWithData(func() (int, error) { return o.call(ctx, 1) }, b)
			}
		}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, im := range waits {
		b.Run(im.name, func(b *testing.B) {
			o := &op{failures: 4}
			call := im.build(o)
			var v int
			var err error
			b.ReportAllocs()
			for b.Loop() {
				o.calls = 0
				v, err = call(ctx)
			}
			if o.calls != 5 || err != nil || v != 2 {
				b.Fatalf("the last call made %d tries and got %d, %v; want 5 tries and 2, nil", o.calls, v, err)
			}
		})
	}
}

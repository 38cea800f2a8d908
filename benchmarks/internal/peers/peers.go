// Package peers holds the retry loops that the programs under cmd/ measure
// side by side: kaioretry's Do, cenkalti/backoff v4 and a hand-written
// timer loop, each making at most tries tries, delay apart, on a context
// that ends the waits.
package peers

import (
	"context"
	"time"

	backoff "github.com/cenkalti/backoff/v4"
	"github.com/kaioretry/retry"
	"github.com/sirupsen/logrus"
)

// A Loop retries op, a function that reports its failure.
type Loop func(ctx context.Context, op func(context.Context) error) error

// Names of the two baselines every table gives ratios to.
const (
	BackoffV4 = "cenkalti-backoff-v4"
	HandLoop  = "handloop"
)

// Quiet is a logger with every level the library logs at disabled.
func Quiet() *logrus.Logger {
	l := logrus.New()
	l.SetLevel(logrus.ErrorLevel)
	return l
}

// KaioretryDo is retry.Do with a Retrier built once.
func KaioretryDo(tries int, delay time.Duration) Loop {
	r := retry.Must(retry.New(retry.Tries(tries), retry.Delay(delay), retry.Logger(Quiet())))
	return func(ctx context.Context, op func(context.Context) error) error {
		return retry.Do(ctx, r, op)
	}
}

// BackoffV4Retry is cenkalti/backoff v4 with a constant back-off, as its
// documentation shows: a BackOff per call, bound to ctx.
func BackoffV4Retry(tries int, delay time.Duration) Loop {
	return func(ctx context.Context, op func(context.Context) error) error {
		b := backoff.WithContext(backoff.WithMaxRetries(backoff.NewConstantBackOff(delay), uint64(tries-1)), ctx)
		return backoff.Retry(func() error { return op(ctx) }, b)
	}
}

// Hand is what a careful programmer writes without a library: a timer per
// wait, and a select on ctx.
func Hand(tries int, delay time.Duration) Loop {
	return func(ctx context.Context, op func(context.Context) error) error {
		for try := 1; ; try++ {
			err := op(ctx)
			if err == nil || try == tries {
				return err
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
}

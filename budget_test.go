package retry_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewBudgetRejectsInvalidInput(t *testing.T) {
	const (
		badMax   = "maxTokens must be a finite number > 0"
		badRatio = "ratio must be a finite number > 0"
	)
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name       string
		max, ratio float64
		want       string
	}{
		{"zero max", 0, 0.1, "retry: NewBudget(0, 0.1): " + badMax},
		{"negative max", -10, 0.1, "retry: NewBudget(-10, 0.1): " + badMax},
		{"NaN max", nan, 0.1, "retry: NewBudget(NaN, 0.1): " + badMax},
		{"+Inf max", inf, 0.1, "retry: NewBudget(+Inf, 0.1): " + badMax},
		{"-Inf max", -inf, 0.1, "retry: NewBudget(-Inf, 0.1): " + badMax},
		{"zero ratio", 10, 0, "retry: NewBudget(10, 0): " + badRatio},
		{"negative ratio", 10, -0.5, "retry: NewBudget(10, -0.5): " + badRatio},
		{"NaN ratio", 10, nan, "retry: NewBudget(10, NaN): " + badRatio},
		{"+Inf ratio", 10, inf, "retry: NewBudget(10, +Inf): " + badRatio},
		{"-Inf ratio", 10, -inf, "retry: NewBudget(10, -Inf): " + badRatio},
		{"both bad", 0, nan, "retry: NewBudget(0, NaN): " + badMax + "\nretry: NewBudget(0, NaN): " + badRatio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := retry.NewBudget(tt.max, tt.ratio)
			assert.Nil(t, b)
			require.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, retry.ErrInvalidOption)
		})
	}
}

func TestNewBudgetBothBadReportsEach(t *testing.T) {
	_, err := retry.NewBudget(-1, -1)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined), "%T is not a joined error", err)
	require.Len(t, joined.Unwrap(), 2)
	for _, e := range joined.Unwrap() {
		assert.ErrorIs(t, e, retry.ErrInvalidOption)
	}
}

func TestBudgetStartsFull(t *testing.T) {
	tests := []struct {
		max, ratio float64
		want       string
	}{
		{10, 0.1, "Budget(tokens=10/10, ratio=0.1)"},
		{7.5, 2, "Budget(tokens=7.5/7.5, ratio=2)"},
		{1, 1, "Budget(tokens=1/1, ratio=1)"},
		{1e-3, 1e-3, "Budget(tokens=0.001/0.001, ratio=0.001)"},
		{math.MaxFloat64, 0.5, "Budget(tokens=1.7976931348623157e+308/1.7976931348623157e+308, ratio=0.5)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := retry.NewBudget(tt.max, tt.ratio)
			require.NoError(t, err)
			assert.Equal(t, tt.max, b.Tokens())
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestZeroBudget(t *testing.T) {
	var b retry.Budget
	assert.Zero(t, b.Tokens())
	assert.Equal(t, "Budget(tokens=0/0, ratio=0)", b.String())
}

// budFlaky fails with a fresh error on its first fails tries (forever when
// fails < 0), then succeeds.
type budFlaky struct {
	fails int
	err   error // returned instead of a fresh error, when set
	calls int
	last  error
}

func (f *budFlaky) call(context.Context) error {
	f.calls++
	if f.fails >= 0 && f.calls > f.fails {
		return nil
	}
	f.last = f.err
	if f.last == nil {
		f.last = errors.New("unavailable")
	}
	return f.last
}

func TestBudgetThrottlesRetries(t *testing.T) {
	// gRPC A6 with maxTokens 10 (threshold 5) and ratio 0.5, shared by two
	// Retriers: one with many tries, one with 5.
	b := retry.Must(retry.NewBudget(10, 0.5))
	var gaveUp []retry.Attempt
	opts := []retry.Option{retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) })}
	many := retry.Must(retry.New(append(opts, retry.Tries(100))...))
	five := retry.Must(retry.New(append(opts, retry.Tries(5))...))

	steps := []struct {
		name   string
		r      *retry.Retrier
		fails  int // -1: always
		calls  int
		tokens float64
		reason retry.StopReason // NotStopped: success
	}{
		{"success when full: nothing to give back", many, 0, 1, 10, retry.NotStopped},
		{"tokens 9, 8, 7, 6 retried, 5 is not", many, -1, 5, 5, retry.StopBudget},
		{"4: not retried", many, -1, 1, 4, retry.StopBudget},
		{"success gives back 0.5", many, 0, 1, 4.5, retry.NotStopped},
		{"again", five, 0, 1, 5, retry.NotStopped},
		{"again, above the threshold", five, 0, 1, 5.5, retry.NotStopped},
		{"4.5: not retried", five, -1, 1, 4.5, retry.StopBudget},
		{"4.5 to 3.5", many, -1, 1, 3.5, retry.StopBudget},
		{"3.5 to 2.5", many, -1, 1, 2.5, retry.StopBudget},
		{"2.5 to 1.5", many, -1, 1, 1.5, retry.StopBudget},
		{"1.5 to 0.5", many, -1, 1, 0.5, retry.StopBudget},
		{"0.5 to 0", many, -1, 1, 0, retry.StopBudget},
		{"never below 0", five, -1, 1, 0, retry.StopBudget},
		{"success from 0 gives back 0.5", many, 0, 1, 0.5, retry.NotStopped},
	}
	for _, step := range steps {
		gaveUp = nil
		f := &budFlaky{fails: step.fails}
		err := retry.Do(context.Background(), step.r, f.call)
		assert.Equal(t, step.calls, f.calls, "%s: calls", step.name)
		assert.Equal(t, step.tokens, b.Tokens(), "%s: tokens", step.name)
		if step.reason == retry.NotStopped {
			assert.NoError(t, err, step.name)
			assert.Empty(t, gaveUp, step.name)
			continue
		}
		sameErr(t, f.last, err, "%s: the caller gets the failure at once", step.name)
		if assert.Len(t, gaveUp, 1, step.name) {
			assert.Equal(t, step.reason, gaveUp[0].Reason, "%s: reason: got %v", step.name, gaveUp[0].Reason)
			assert.Equal(t, step.calls, gaveUp[0].Number, step.name)
		}
	}
}

func TestBudgetRefillsToMax(t *testing.T) {
	b := retry.Must(retry.NewBudget(10, 0.5))
	r := retry.Must(retry.New(retry.Tries(10), retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep)))
	require.Error(t, retry.Do(context.Background(), r, (&budFlaky{fails: -1}).call))
	require.Equal(t, 5.0, b.Tokens())
	for i := range 9 {
		require.NoError(t, retry.Do(context.Background(), r, (&budFlaky{}).call))
		assert.Equal(t, 5.5+0.5*float64(i), b.Tokens())
	}
	require.NoError(t, retry.Do(context.Background(), r, (&budFlaky{}).call))
	assert.Equal(t, 10.0, b.Tokens(), "never above maxTokens")
	// Full again: a failing call retries down to the threshold once more.
	f := &budFlaky{fails: -1}
	require.Error(t, retry.Do(context.Background(), r, f.call))
	assert.Equal(t, 5, f.calls)
}

func TestBudgetTriesRunOutAtTheSameTry(t *testing.T) {
	// Tries 5 from full: the fifth failure takes the tokens to the
	// threshold just as the tries run out. The tries are the reason.
	b := retry.Must(retry.NewBudget(10, 1))
	var gaveUp []retry.Attempt
	r := retry.Must(retry.New(retry.Tries(5), retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) })))
	f := &budFlaky{fails: -1}

	err := retry.Do(context.Background(), r, f.call)

	sameErr(t, f.last, err)
	assert.Equal(t, 5, f.calls)
	assert.Equal(t, 5.0, b.Tokens())
	require.Len(t, gaveUp, 1)
	assert.Equal(t, retry.StopTries, gaveUp[0].Reason, "reason: got %v", gaveUp[0].Reason)
}

func TestBudgetNotRetryableTakesNone(t *testing.T) {
	errRetry, errOther := errors.New("retry me"), errors.New("other")
	b := retry.Must(retry.NewBudget(10, 0.25))
	r := retry.Must(retry.New(retry.Tries(10), retry.On(errRetry), retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep)))
	do := func(errs ...error) error {
		i := 0
		return retry.Do(context.Background(), r, func(context.Context) error {
			i++
			if i <= len(errs) {
				return errs[i-1]
			}
			return nil
		})
	}

	require.NoError(t, do(errRetry, errRetry))
	require.Equal(t, 8.25, b.Tokens(), "two failures taken, one success given")

	joined := errors.Join(retry.Permanent(errRetry))
	steps := []struct {
		name   string
		errs   []error
		want   error // what the caller gets
		tokens float64
	}{
		{"rejected by the filter", []error{errOther}, errOther, 8.25},
		{"Permanent", []error{retry.Permanent(errRetry)}, errRetry, 8.25},
		{"Permanent, wrapped", []error{joined}, joined, 8.25},
		{"retried, then rejected", []error{errRetry, errOther}, errOther, 7.25},
		{"retried, then Permanent", []error{errRetry, retry.Permanent(errRetry)}, errRetry, 6.25},
	}
	for _, step := range steps {
		sameErr(t, step.want, do(step.errs...), step.name)
		assert.Equal(t, step.tokens, b.Tokens(), step.name)
	}
}

func TestBudgetSharedByAHealthyFleet(t *testing.T) {
	// 100 calls on two Retriers, each failing twice then succeeding: the
	// tokens never reach the threshold, and end exactly at
	// 1000 - 200 + 100 × 0.5.
	b := retry.Must(retry.NewBudget(1000, 0.5))
	rs := []*retry.Retrier{
		retry.Must(retry.New(retry.Tries(3), retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep))),
		retry.Must(retry.New(retry.Tries(5), retry.On(errors.ErrUnsupported), retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep))),
	}
	var wg sync.WaitGroup
	var calls atomic.Int64
	errs := make([]error, 100)
	for i := range errs {
		wg.Go(func() {
			n := 0
			errs[i] = retry.Do(context.Background(), rs[i%2], func(context.Context) error {
				calls.Add(1)
				if n++; n <= 2 {
					return errors.ErrUnsupported
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "call %d", i)
	}
	assert.Equal(t, int64(300), calls.Load())
	assert.Equal(t, 850.0, b.Tokens())
}

func TestBudgetSharedByAFailingFleet(t *testing.T) {
	// Every call fails forever. Between all of them, exactly four retries
	// are allowed (tokens 9, 8, 7, 6); every call ends on a refused token.
	b := retry.Must(retry.NewBudget(10, 1))
	var retried atomic.Int64
	var mu sync.Mutex
	reasons := map[retry.StopReason]int{}
	opts := []retry.Option{retry.WithBudget(b), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.OnRetry(func(retry.Attempt) { retried.Add(1) }),
		retry.OnGiveUp(func(a retry.Attempt) {
			mu.Lock()
			defer mu.Unlock()
			reasons[a.Reason]++
		})}
	rs := []*retry.Retrier{retry.Must(retry.New(opts...)), retry.Must(retry.New(append(opts, retry.Tries(1000))...))}
	const goroutines = 50
	var wg sync.WaitGroup
	var calls atomic.Int64
	for i := range goroutines {
		wg.Go(func() {
			err := retry.Do(context.Background(), rs[i%2], func(context.Context) error {
				calls.Add(1)
				return errors.ErrUnsupported
			})
			assert.ErrorIs(t, err, errors.ErrUnsupported)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(4), retried.Load(), "retries allowed")
	assert.Equal(t, int64(goroutines+4), calls.Load(), "calls")
	assert.Equal(t, map[retry.StopReason]int{retry.StopBudget: goroutines}, reasons)
	assert.Zero(t, b.Tokens())
}

func TestWithBudgetNil(t *testing.T) {
	r, err := retry.New(retry.WithBudget(nil))
	assert.Nil(t, r)
	require.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.Contains(t, err.Error(), "WithBudget(nil)")
}

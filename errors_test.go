package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermanent(t *testing.T) {
	assert.NoError(t, retry.Permanent(nil))
	e := errors.New("e")
	p := retry.Permanent(e)
	assert.ErrorIs(t, p, e)
	assert.Equal(t, "e", p.Error())
}

// An error is permanent when a Permanent error is anywhere in its tree: a
// failure that is permanent is tried once, any other one until the tries
// run out.
func TestPermanentAnywhereInTheTree(t *testing.T) {
	e := errors.New("e")
	p := retry.Permanent(e)
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", p)), true},
		{"joined", errors.Join(e, fmt.Errorf("b: %w", p)), true},
		{"two %w", fmt.Errorf("two: %w, %w", e, p), true},
		{"joined, none permanent", errors.Join(e, fmt.Errorf("b: %w", e)), false},
		{"plain", e, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			f := retry.Decorate(func() error { calls++; return tt.err }, retry.Tries(3), noWait()).(func() error)
			err := f()
			assert.Same(t, tt.err, err, "the error as fn returned it")
			if tt.permanent {
				assert.Equal(t, 1, calls, "a permanent failure is not retried")
			} else {
				assert.Equal(t, 3, calls, "a failure that is not permanent is retried")
			}
		})
	}
	t.Run("nil is success", func(t *testing.T) {
		calls := 0
		f := retry.Decorate(func() error { calls++; return nil }, retry.Tries(3), noWait()).(func() error)
		assert.NoError(t, f())
		assert.Equal(t, 1, calls)
	})
}

func TestPanicError(t *testing.T) {
	boom := errors.New("boom")
	pe := &retry.PanicError{Value: boom, Stack: []byte("stack")}
	assert.Equal(t, "retry: panic: boom", pe.Error())
	assert.ErrorIs(t, pe, retry.ErrPanic)
	assert.ErrorIs(t, pe, boom, "an error value is unwrapped")
	assert.ErrorIs(t, fmt.Errorf("ctx: %w", pe), retry.ErrPanic)

	pe = &retry.PanicError{Value: 42}
	assert.Equal(t, "retry: panic: 42", pe.Error())
	assert.ErrorIs(t, pe, retry.ErrPanic)
	assert.NoError(t, errors.Unwrap(pe), "a value that is not an error unwraps to nil")
}

func TestSentinelErrorsSayRetry(t *testing.T) {
	for _, err := range []error{retry.ErrInvalidOption, retry.ErrNotFunc, retry.ErrPanic} {
		require.Error(t, err)
		assert.Regexp(t, "^retry: ", err.Error())
	}
	assert.NotErrorIs(t, retry.ErrInvalidOption, retry.ErrNotFunc)
	assert.NotErrorIs(t, retry.ErrNotFunc, retry.ErrPanic)
}

// shutdownError is a cause of a type of its own.
type shutdownError struct{ reason string }

func (e *shutdownError) Error() string { return "shutting down: " + e.reason }

// A stopped call's error matches ctx's error, its cause (by value and by
// type) and the last failure, and says all three.
func TestStoppedErrorMatchesStopCauseAndLast(t *testing.T) {
	cause := &shutdownError{"deploy"}
	last := errors.New("last")
	ctx, cancel := context.WithCancelCause(context.Background())
	r := retry.Must(retry.New(retry.Tries(3), retry.WithSleep(func(context.Context, time.Duration) error {
		cancel(cause)
		return nil
	})))
	err := retry.Do(ctx, r, func(context.Context) error { return last })
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, cause)
	assert.ErrorIs(t, err, last)
	got, ok := errors.AsType[*shutdownError](err)
	require.True(t, ok, "the cause is found by type")
	assert.Same(t, cause, got)
	assert.EqualError(t, err, "retry: stopped after 1 try: context canceled (cause: shutting down: deploy) (last error: last)")
}

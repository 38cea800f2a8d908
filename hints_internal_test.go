package retry

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hintThrottled is a caller's own error type that gives a hint.
type hintThrottled struct{ wait time.Duration }

func (e hintThrottled) Error() string             { return "throttled" }
func (e hintThrottled) RetryAfter() time.Duration { return e.wait }

// hintMulti unwraps to several errors, some of them possibly nil.
type hintMulti []error

func (m hintMulti) Error() string   { return "multi" }
func (m hintMulti) Unwrap() []error { return m }

// hintSingle unwraps to one error, possibly nil.
type hintSingle struct{ err error }

func (s hintSingle) Error() string { return "single" }
func (s hintSingle) Unwrap() error { return s.err }

func TestHintOf(t *testing.T) {
	base := errors.New("busy")
	tests := []struct {
		name   string
		err    error
		want   time.Duration
		wantOK bool
	}{
		{"nil", nil, 0, false},
		{"plain error", base, 0, false},
		{"wrapped plain error", fmt.Errorf("a: %w", base), 0, false},
		{"joined plain errors", errors.Join(base, errors.New("other")), 0, false},
		{"Unwrap to nil", hintSingle{}, 0, false},
		{"Unwrap to nils", hintMulti{nil, nil}, 0, false},
		{"Permanent without hint", Permanent(base), 0, false},

		{"RetryAfter", RetryAfter(3*time.Second, base), 3 * time.Second, true},
		{"RetryAfter zero", RetryAfter(0, base), 0, true},
		{"RetryAfter negative", RetryAfter(-time.Second, base), 0, true},
		{"RetryAfter wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", RetryAfter(time.Second, base))), time.Second, true},
		{"RetryAfter joined", errors.Join(base, RetryAfter(2*time.Second, base)), 2 * time.Second, true},
		{"RetryAfter under Permanent", Permanent(RetryAfter(time.Minute, base)), time.Minute, true},
		{"Permanent under RetryAfter", RetryAfter(time.Minute, Permanent(base)), time.Minute, true},
		{"after a nil in Unwrap []error", hintMulti{nil, RetryAfter(time.Second, base)}, time.Second, true},

		{"own type", hintThrottled{5 * time.Second}, 5 * time.Second, true},
		{"own type wrapped", fmt.Errorf("call: %w", hintThrottled{5 * time.Second}), 5 * time.Second, true},
		{"own type joined", errors.Join(base, fmt.Errorf("call: %w", hintThrottled{5 * time.Second})), 5 * time.Second, true},
		{"own type wrapped twice in a join", fmt.Errorf("x: %w", errors.Join(base, fmt.Errorf("y: %w", hintThrottled{time.Hour}))), time.Hour, true},
		{"own type negative", fmt.Errorf("call: %w", hintThrottled{-time.Second}), 0, true},

		// The first hint in errors.As order wins.
		{"outer RetryAfter first", RetryAfter(time.Second, RetryAfter(2*time.Second, base)), time.Second, true},
		{"outer own type first", RetryAfter(time.Second, hintThrottled{2 * time.Second}), time.Second, true},
		{"first joined first", errors.Join(RetryAfter(time.Second, base), RetryAfter(2*time.Second, base)), time.Second, true},
		{"first %w first", fmt.Errorf("%w, %w", hintThrottled{3 * time.Second}, RetryAfter(time.Second, base)), 3 * time.Second, true},
		{"depth first", errors.Join(
			fmt.Errorf("a: %w", errors.Join(base, RetryAfter(5*time.Second, base))),
			RetryAfter(time.Second, base),
		), 5 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := hintOf(tt.err)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)

			// hintOf visits the tree as errors.As does.
			var h retryAfterHint
			if assert.Equal(t, tt.wantOK, errors.As(tt.err, &h)) && ok {
				assert.Equal(t, tt.want, max(h.RetryAfter(), 0))
			}
		})
	}
}

func TestHintOfAllocatesNothing(t *testing.T) {
	base := errors.New("busy")
	trees := map[string]error{
		"hit, deep": errors.Join(
			fmt.Errorf("a: %w", errors.Join(base, Permanent(base))),
			fmt.Errorf("b: %w", fmt.Errorf("c: %w", hintThrottled{time.Second})),
		),
		"hit, RetryAfter": fmt.Errorf("a: %w", RetryAfter(time.Second, base)),
		"miss, deep": errors.Join(
			fmt.Errorf("a: %w", errors.Join(base, Permanent(base))),
			fmt.Errorf("b: %w, %w", base, hintSingle{base}),
		),
	}
	for name, err := range trees {
		t.Run(name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() { _, _ = hintOf(err) })
			require.Zero(t, allocs)
		})
	}
}

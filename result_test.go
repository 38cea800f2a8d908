package retry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resJob reports a job's state, one per try from states (past the end, the
// last one again), numbered: "PENDING 1", "PENDING 2", "DONE 3".
type resJob struct {
	states []string
	errs   []error // the error of each try, when not nil

	mu    sync.Mutex
	calls int
}

func (j *resJob) next() (string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls++
	i := min(j.calls, len(j.states)) - 1
	var err error
	if j.calls <= len(j.errs) {
		err = j.errs[j.calls-1]
	}
	return fmt.Sprintf("%s %d", j.states[i], j.calls), err
}

func (j *resJob) poll(_ context.Context, id string) (string, error) { return j.next() }
func (j *resJob) value(context.Context) (string, error)             { return j.next() }
func (j *resJob) watch(context.Context) <-chan string {
	ch := make(chan string, 1)
	s, _ := j.next()
	ch <- s
	return ch
}

func (j *resJob) callCount() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.calls
}

func resPending(state string) bool { return strings.HasPrefix(state, "PENDING") }

// resForms retry a resJob; each returns the state the caller gets and the
// error.
var resForms = []struct {
	name string
	call func(r *retry.Retrier, j *resJob) (string, error)
}{
	{"Decorate", func(r *retry.Retrier, j *resJob) (string, error) {
		return r.Decorate(j.poll).(func(context.Context, string) (string, error))(context.Background(), "job")
	}},
	{"Wrap", func(r *retry.Retrier, j *resJob) (string, error) {
		return retry.Wrap(r, j.poll)(context.Background(), "job")
	}},
	{"Sync", func(r *retry.Retrier, j *resJob) (string, error) {
		return r.Sync(j.poll).(func(context.Context, string) (string, error))(context.Background(), "job")
	}},
	{"Async Outcome", func(r *retry.Retrier, j *resJob) (string, error) {
		o := <-r.Async(j.poll).(func(context.Context, string) <-chan retry.Outcome)(context.Background(), "job")
		if len(o.Values) != 1 {
			return fmt.Sprintf("Values %v", o.Values), o.Err
		}
		return o.Values[0].(string), o.Err
	}},
	{"DoValue", func(r *retry.Retrier, j *resJob) (string, error) {
		return retry.DoValue(context.Background(), r, j.value)
	}},
	{"channel", func(r *retry.Retrier, j *resJob) (string, error) {
		s, ok := <-r.Decorate(j.watch).(func(context.Context) <-chan string)(context.Background())
		if !ok {
			return "", errors.New("test: closed with no value")
		}
		return s, nil
	}},
}

func TestIfResultRetriesWhilePending(t *testing.T) {
	tests := []struct {
		name   string
		tries  int
		states []string
		want   string
		calls  int
	}{
		{"done at try 3", 5, []string{"PENDING", "PENDING", "DONE"}, "DONE 3", 3},
		{"done at once", 5, []string{"DONE"}, "DONE 1", 1},
		{"tries run out: the last results, no error", 3, []string{"PENDING"}, "PENDING 3", 3},
		{"one try", 1, []string{"PENDING"}, "PENDING 1", 1},
	}
	for _, tt := range tests {
		for _, form := range resForms {
			t.Run(tt.name+"/"+form.name, func(t *testing.T) {
				var rec waits.Recorder
				r, err := retry.New(retry.Tries(tt.tries), retry.Delay(time.Second), retry.Backoff(2),
					retry.WithSleep(rec.Sleep), retry.IfResult(resPending))
				require.NoError(t, err)
				j := &resJob{states: tt.states}

				got, err := form.call(r, j)

				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				assert.Equal(t, tt.calls, j.callCount())
				var want []time.Duration // a retry on a value waits as a retry on an error
				for n := 1; n < tt.calls; n++ {
					want = append(want, time.Second<<(n-1))
				}
				assert.Equal(t, want, rec.Waits())
			})
		}
	}
}

func TestIfResultCountsAsAFailedTry(t *testing.T) {
	for _, form := range resForms {
		t.Run(form.name, func(t *testing.T) {
			var log evLog
			logger, hook := evDebugLogger()
			b := retry.Must(retry.NewBudget(10, 1))
			r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep), retry.Logger(logger),
				retry.WithBudget(b), retry.OnRetry(log.hook("retry")), retry.OnGiveUp(log.hook("giveup")),
				retry.IfResult(resPending))
			require.NoError(t, err)
			j := &resJob{states: []string{"PENDING", "PENDING", "DONE"}}

			got, err := form.call(r, j)

			require.NoError(t, err)
			assert.Equal(t, "DONE 3", got)
			// OnRetry, with a nil Err.
			retries := log.of("retry")
			require.Len(t, retries, 2)
			for i, a := range retries {
				assert.Equal(t, i+1, a.Number)
				assert.NoError(t, a.Err)
			}
			assert.Empty(t, log.of("giveup"))
			// Two tokens taken, one given back by the success.
			assert.Equal(t, 9.0, b.Tokens())
			// Logged at Warn, as a failure is.
			var warns int
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.WarnLevel {
					warns++
					assert.Equal(t, retries[0].Loop.String(), e.Data["loop"])
				}
			}
			assert.Equal(t, 2, warns)
		})
	}
}

func TestIfResultBudgetStops(t *testing.T) {
	// A retry on a value takes a token: a low budget stops it.
	b := retry.Must(retry.NewBudget(4, 1))
	var log evLog
	r, err := retry.New(retry.Tries(10), retry.WithSleep(new(waits.Recorder).Sleep), retry.WithBudget(b),
		retry.OnGiveUp(log.hook("giveup")), retry.IfResult(resPending))
	require.NoError(t, err)
	j := &resJob{states: []string{"PENDING"}}

	got, err := retry.DoValue(context.Background(), r, j.value)

	require.NoError(t, err)
	assert.Equal(t, "PENDING 2", got) // 4 → 3, allowed; 3 → 2, refused
	assert.Equal(t, 2, j.callCount())
	assert.Equal(t, 2.0, b.Tokens())
	giveUps := log.of("giveup")
	require.Len(t, giveUps, 1)
	assert.Equal(t, retry.StopBudget, giveUps[0].Reason)
}

func TestIfResultConsultedOnlyWithoutFailure(t *testing.T) {
	boom := errors.New("boom")
	for _, form := range resForms {
		if form.name == "channel" {
			continue // a channel of string carries no failure
		}
		t.Run(form.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			pred := func(state string) bool {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, state)
				return resPending(state)
			}
			r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep), retry.IfResult(pred))
			require.NoError(t, err)
			// Tries 1 and 2 fail, with a state that pred would retry.
			j := &resJob{states: []string{"PENDING", "PENDING", "PENDING", "DONE"}, errs: []error{boom, boom}}

			got, err := form.call(r, j)

			require.NoError(t, err)
			assert.Equal(t, "DONE 4", got)
			assert.Equal(t, 4, j.callCount())
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"PENDING 3", "DONE 4"}, seen)
		})
	}
}

func TestIfResultFailureWhenTriesRunOut(t *testing.T) {
	// The last try failed: its error is returned, whatever pred says.
	errs := []error{errors.New("one"), errors.New("two")}
	r, err := retry.New(retry.Tries(2), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.IfResult(func(string) bool { return false }))
	require.NoError(t, err)
	j := &resJob{states: []string{"DONE"}, errs: errs}

	got, err := r.Decorate(j.poll).(func(context.Context, string) (string, error))(context.Background(), "job")

	sameErr(t, errs[1], err)
	assert.Equal(t, "DONE 2", got)
}

func TestIfResultWithoutErrorResult(t *testing.T) {
	// A function with no error result can fail by value: it is decorated,
	// not run once.
	t.Run("func() int", func(t *testing.T) {
		calls := 0
		f := func() int { calls++; return calls }
		r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep),
			retry.IfResult(func(n int) bool { return n < 3 }))
		require.NoError(t, err)
		assert.Equal(t, 3, r.Decorate(f).(func() int)())
		assert.Equal(t, 3, calls)
	})
	t.Run("func(string) (string, int), tries run out", func(t *testing.T) {
		calls := 0
		f := func(s string) (string, int) { calls++; return s, calls }
		var args []string
		r, err := retry.New(retry.Tries(4), retry.WithSleep(new(waits.Recorder).Sleep),
			retry.IfResult(func(s string, n int) bool { args = append(args, fmt.Sprint(s, n)); return true }))
		require.NoError(t, err)
		s, n := r.Decorate(f).(func(string) (string, int))("x")
		assert.Equal(t, "x", s)
		assert.Equal(t, 4, n)
		assert.Equal(t, []string{"x1", "x2", "x3", "x4"}, args, "pred takes the results in order")
	})
	t.Run("Async Outcome", func(t *testing.T) {
		calls := 0
		f := func() int { calls++; return calls }
		r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep),
			retry.IfResult(func(n int) bool { return n < 2 }))
		require.NoError(t, err)
		o := <-r.Async(f).(func() <-chan retry.Outcome)()
		require.NoError(t, o.Err)
		assert.Equal(t, []any{2}, o.Values)
	})
}

func TestIfResultChannelFunction(t *testing.T) {
	type reply struct {
		State string
		Err   error
	}
	boom := errors.New("boom")
	replies := []reply{{"PENDING", nil}, {"PENDING", boom}, {"DONE", nil}}
	calls := 0
	watch := func(context.Context) <-chan reply {
		ch := make(chan reply, 1)
		ch <- replies[min(calls, len(replies)-1)]
		calls++
		return ch
	}
	var seen []reply
	r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.IfResult(func(v reply) bool { seen = append(seen, v); return v.State == "PENDING" }))
	require.NoError(t, err)

	got, ok := <-r.Decorate(watch).(func(context.Context) <-chan reply)(context.Background())

	require.True(t, ok)
	assert.Equal(t, reply{"DONE", nil}, got)
	assert.Equal(t, 3, calls)
	// The value carrying a failure is not given to pred.
	assert.Equal(t, []reply{{"PENDING", nil}, {"DONE", nil}}, seen)
}

func TestIfResultDoValueDirect(t *testing.T) {
	tests := []struct {
		name string
		pred any
	}{
		{"func(T) bool", func(s string) bool { return resPending(s) }},
		{"func(any) bool", func(v any) bool { return resPending(v.(string)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep), retry.IfResult(tt.pred))
			require.NoError(t, err)
			j := &resJob{states: []string{"PENDING", "DONE"}}
			got, err := retry.DoValue(context.Background(), r, j.value)
			require.NoError(t, err)
			assert.Equal(t, "DONE 2", got)
			assert.Equal(t, 2, j.callCount())
		})
	}
}

func TestIfResultDo(t *testing.T) {
	// Do's op has no result but its error: pred takes nothing, and decides
	// from what it knows.
	calls, asked := 0, 0
	r, err := retry.New(retry.Tries(5), retry.WithSleep(new(waits.Recorder).Sleep),
		retry.IfResult(func() bool { asked++; return calls < 3 }))
	require.NoError(t, err)

	err = retry.Do(context.Background(), r, func(context.Context) error { calls++; return nil })

	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 3, asked)
}

func TestIfResultMismatchPanics(t *testing.T) {
	tests := []struct {
		name     string
		fn       any
		pred     any
		fnType   string
		predType string
	}{
		{"wrong type", func(context.Context, string) (string, error) { return "", nil }, func(int) bool { return false },
			"func(context.Context, string) (string, error)", "func(int) bool"},
		{"too few parameters", func() (int, string, error) { return 0, "", nil }, func(int) bool { return false },
			"func() (int, string, error)", "func(int) bool"},
		{"too many parameters", func() int { return 0 }, func(int, int) bool { return false },
			"func() int", "func(int, int) bool"},
		{"parameter for an error result", func() error { return nil }, func(error) bool { return false },
			"func() error", "func(error) bool"},
		{"wrong order", func() (int, string) { return 0, "" }, func(string, int) bool { return false },
			"func() (int, string)", "func(string, int) bool"},
		{"channel element", func() <-chan string { return nil }, func(int) bool { return false },
			"func() <-chan string", "func(int) bool"},
		{"not assignable", func() any { return nil }, func(string) bool { return false },
			"func() interface {}", "func(string) bool"},
	}
	for _, tt := range tests {
		r, err := retry.New(retry.Tries(3), retry.IfResult(tt.pred))
		require.NoError(t, err, tt.name)
		decorators := []struct {
			name     string
			decorate func()
		}{
			{"Decorate", func() { r.Decorate(tt.fn) }},
			{"Sync", func() { r.Sync(tt.fn) }},
			{"Async", func() { r.Async(tt.fn) }},
		}
		for _, d := range decorators {
			t.Run(tt.name+"/"+d.name, func(t *testing.T) {
				err := limPanicErr(t, d.decorate)
				assert.ErrorIs(t, err, retry.ErrInvalidOption)
				assert.Contains(t, err.Error(), tt.fnType)
				assert.Contains(t, err.Error(), tt.predType)
			})
		}
	}
}

func TestIfResultMismatchPanicsInDoAndDoValue(t *testing.T) {
	// Do and DoValue behave as Wrap(r, op)(ctx), which panics.
	r, err := retry.New(retry.Tries(3), retry.IfResult(func(string) bool { return false }))
	require.NoError(t, err)

	err = limPanicErr(t, func() { _ = retry.Do(context.Background(), r, func(context.Context) error { return nil }) })
	assert.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.Contains(t, err.Error(), "func(string) bool")

	err = limPanicErr(t, func() {
		_, _ = retry.DoValue(context.Background(), r, func(context.Context) (int, error) { return 0, nil })
	})
	assert.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.Contains(t, err.Error(), "func(string) bool")
	assert.Contains(t, err.Error(), "int")
}

func TestIfResultRejectsInvalidPredicates(t *testing.T) {
	var nilFunc func(int) bool
	tests := []struct {
		name string
		pred any
		want string
	}{
		{"nil", nil, "IfResult(nil)"},
		{"not a func", 42, "IfResult("},
		{"returns int", func(int) int { return 0 }, "IfResult(func(int) int)"},
		{"returns nothing", func(int) {}, "IfResult(func(int))"},
		{"returns two results", func(int) (bool, error) { return false, nil }, "IfResult(func(int) (bool, error))"},
		{"nil func", nilFunc, "IfResult("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := retry.New(retry.IfResult(tt.pred))
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

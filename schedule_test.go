package retry_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewScheduleRejectsInvalidOptions(t *testing.T) {
	double := func(d time.Duration) time.Duration { return 2 * d }
	tests := []struct {
		name string
		opts []retry.ScheduleOption
		want string
	}{
		{"zero tries", []retry.ScheduleOption{retry.Tries(0)}, "retry: Tries(0): tries cannot be 0"},
		{"negative delay", []retry.ScheduleOption{retry.Delay(-time.Second)}, "retry: Delay(-1s): delay cannot be negative"},
		{"NaN backoff", []retry.ScheduleOption{retry.Backoff(math.NaN())}, "retry: Backoff(NaN): backoff must be a finite number >= 0"},
		{"+Inf backoff", []retry.ScheduleOption{retry.Backoff(math.Inf(1))}, "retry: Backoff(+Inf): backoff must be a finite number >= 0"},
		{"-Inf backoff", []retry.ScheduleOption{retry.Backoff(math.Inf(-1))}, "retry: Backoff(-Inf): backoff must be a finite number >= 0"},
		{"negative backoff", []retry.ScheduleOption{retry.Backoff(-0.5)}, "retry: Backoff(-0.5): backoff must be a finite number >= 0"},
		{"inverted jitter range", []retry.ScheduleOption{retry.JitterRange(2*time.Second, time.Second)}, "retry: JitterRange(2s, 1s): lo is greater than hi"},
		{"nil update", []retry.ScheduleOption{retry.UpdateDelay(nil)}, "retry: UpdateDelay(nil): update function cannot be nil"},
		{"negative min", []retry.ScheduleOption{retry.MinDelay(-time.Millisecond)}, "retry: MinDelay(-1ms): min delay cannot be negative"},
		{"negative max", []retry.ScheduleOption{retry.MaxDelay(-time.Millisecond)}, "retry: MaxDelay(-1ms): max delay cannot be negative"},
		{"min above max", []retry.ScheduleOption{retry.MinDelay(5 * time.Second), retry.MaxDelay(time.Second)}, "retry: MinDelay(5s): min delay is greater than MaxDelay(1s)"},
		{"min above zero max", []retry.ScheduleOption{retry.MaxDelay(0), retry.MinDelay(time.Nanosecond)}, "retry: MinDelay(1ns): min delay is greater than MaxDelay(0s)"},
		{"nil logger", []retry.ScheduleOption{retry.Logger(nil)}, "retry: Logger(nil): logger cannot be nil"},
		{"typed nil logger", []retry.ScheduleOption{retry.Logger((*logrus.Logger)(nil))}, "retry: Logger((*logrus.Logger)(nil)): logger cannot be nil"},
		{"entry without logger", []retry.ScheduleOption{retry.Logger(&logrus.Entry{})}, "retry: Logger((*logrus.Entry)(nil)): logger cannot be nil"},
		{"nil sleep", []retry.ScheduleOption{retry.WithSleep(nil)}, "retry: WithSleep(nil): sleep function cannot be nil"},
		{"nil option", []retry.ScheduleOption{nil}, "retry: <nil>: option cannot be nil"},
		{"jitter with range", []retry.ScheduleOption{retry.Jitter(time.Second), retry.JitterRange(0, time.Second)}, "retry: Jitter(1s): cannot be combined with JitterRange(0s, 1s)"},
		{"update with backoff", []retry.ScheduleOption{retry.Backoff(2), retry.UpdateDelay(double)}, "retry: UpdateDelay(f): cannot be combined with Backoff(2)"},
		{"update with jitter", []retry.ScheduleOption{retry.UpdateDelay(double), retry.Jitter(time.Second)}, "retry: UpdateDelay(f): cannot be combined with Jitter(1s)"},
		{"update with range", []retry.ScheduleOption{retry.UpdateDelay(double), retry.JitterRange(0, time.Second)}, "retry: UpdateDelay(f): cannot be combined with JitterRange(0s, 1s)"},
		{"invalid then valid", []retry.ScheduleOption{retry.Tries(0), retry.Tries(3)}, "retry: Tries(0): tries cannot be 0"},
		{"two at once", []retry.ScheduleOption{retry.Tries(0), retry.Delay(-time.Second)}, "retry: Tries(0): tries cannot be 0\nretry: Delay(-1s): delay cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := retry.NewSchedule(tt.opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestNewScheduleAcceptsEdgeValues(t *testing.T) {
	for _, opts := range [][]retry.ScheduleOption{
		{retry.Tries(-5)},
		{retry.Backoff(0)},
		{retry.Jitter(-time.Second)},
		{retry.JitterRange(time.Second, time.Second)},
		{retry.MinDelay(time.Second), retry.MaxDelay(time.Second)},
		{retry.MaxDelay(0)},
		{retry.Logger(logrus.New().WithField("app", "x"))},
		{retry.Backoff(3), retry.Backoff(2)}, // the last one wins
	} {
		_, err := retry.NewSchedule(opts...)
		assert.NoError(t, err)
	}
}

// collect runs one loop over s and returns the values it yielded.
func collect(seq func(func(int) bool)) []int {
	var got []int
	for i := range seq {
		got = append(got, i)
	}
	return got
}

func TestAttemptsYieldsTriesValuesWithOneWaitLess(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7} {
		rec := &waits.Recorder{}
		s := retry.Must(retry.NewSchedule(retry.Tries(n), retry.Delay(time.Second), retry.WithSleep(rec.Sleep)))
		got := collect(s.Attempts())
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		assert.Equal(t, want, got, "Tries(%d)", n)
		assert.Len(t, rec.Waits(), n-1, "Tries(%d) waits", n)
	}
}

func TestAttemptsUnlimitedKeepsGoing(t *testing.T) {
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.WithSleep(rec.Sleep)))
	last := -1
	for i := range s.Attempts() {
		require.Equal(t, last+1, i)
		last = i
		if i == 9_999 {
			break
		}
	}
	assert.Equal(t, 9_999, last)
	assert.Len(t, rec.Waits(), 9_999)
}

func TestAttemptsWaitSequence(t *testing.T) {
	const s, ms = time.Second, time.Millisecond
	tests := []struct {
		name string
		opts []retry.ScheduleOption
		want []time.Duration
	}{
		{"constant delay", []retry.ScheduleOption{retry.Tries(4), retry.Delay(s)}, []time.Duration{s, s, s}},
		{"no delay", []retry.ScheduleOption{retry.Tries(3)}, []time.Duration{0, 0}},
		{"Backoff(2)", []retry.ScheduleOption{retry.Tries(5), retry.Delay(s), retry.Backoff(2)}, []time.Duration{s, 2 * s, 4 * s, 8 * s}},
		{"Backoff(0.5)", []retry.ScheduleOption{retry.Tries(5), retry.Delay(8 * s), retry.Backoff(0.5)}, []time.Duration{8 * s, 4 * s, 2 * s, s}},
		{"Backoff(0)", []retry.ScheduleOption{retry.Tries(3), retry.Delay(s), retry.Backoff(0)}, []time.Duration{s, 0}},
		{"Jitter", []retry.ScheduleOption{retry.Tries(4), retry.Delay(s), retry.Jitter(500 * ms)}, []time.Duration{s, 1500 * ms, 2 * s}},
		{"Backoff then negative Jitter", []retry.ScheduleOption{retry.Tries(4), retry.Delay(s), retry.Backoff(2), retry.Jitter(-500 * ms)}, []time.Duration{s, 1500 * ms, 2500 * ms}},
		{"Jitter below zero", []retry.ScheduleOption{retry.Tries(3), retry.Delay(s), retry.Jitter(-2 * s)}, []time.Duration{s, 0}},
		{"UpdateDelay", []retry.ScheduleOption{retry.Tries(4), retry.Delay(s), retry.UpdateDelay(func(d time.Duration) time.Duration { return d*3 + ms })}, []time.Duration{s, 3*s + ms, 9*s + 4*ms}},
		{"UpdateDelay negative", []retry.ScheduleOption{retry.Tries(3), retry.Delay(s), retry.UpdateDelay(func(d time.Duration) time.Duration { return d - 5*s })}, []time.Duration{s, 0}},
		{"MinDelay raises the first", []retry.ScheduleOption{retry.Tries(3), retry.Delay(s), retry.MinDelay(2 * s)}, []time.Duration{2 * s, 2 * s}},
		{"MinDelay raises later", []retry.ScheduleOption{retry.Tries(5), retry.Delay(8 * s), retry.Backoff(0.25), retry.MinDelay(s)}, []time.Duration{8 * s, 2 * s, s, s}},
		{"MaxDelay caps", []retry.ScheduleOption{retry.Tries(6), retry.Delay(s), retry.Backoff(2), retry.MaxDelay(5 * s)}, []time.Duration{s, 2 * s, 4 * s, 5 * s, 5 * s}},
		{"MaxDelay caps the first", []retry.ScheduleOption{retry.Tries(3), retry.Delay(10 * s), retry.MaxDelay(6 * s), retry.Backoff(0.5)}, []time.Duration{6 * s, 3 * s}},
		{"update after cap", []retry.ScheduleOption{retry.Tries(3), retry.Delay(5 * s), retry.MaxDelay(6 * s), retry.UpdateDelay(func(d time.Duration) time.Duration { return d + 3*s })}, []time.Duration{5 * s, 6 * s}},
		{"MaxDelay(0)", []retry.ScheduleOption{retry.Tries(3), retry.Delay(s), retry.MaxDelay(0)}, []time.Duration{0, 0}},
		{"Tries(1) never waits", []retry.ScheduleOption{retry.Tries(1), retry.Delay(s)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &waits.Recorder{}
			s := retry.Must(retry.NewSchedule(append(tt.opts, retry.WithSleep(rec.Sleep))...))
			collect(s.Attempts())
			assert.Equal(t, tt.want, rec.Waits())
		})
	}
}

func TestUpdateDelayReceivesTheClampedWait(t *testing.T) {
	var got []time.Duration
	update := func(d time.Duration) time.Duration {
		got = append(got, d)
		return d / 2
	}
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(4), retry.Delay(10*time.Second), retry.MaxDelay(6*time.Second), retry.MinDelay(2*time.Second), retry.UpdateDelay(update), retry.WithSleep(rec.Sleep)))
	collect(s.Attempts())
	assert.Equal(t, []time.Duration{6 * time.Second, 3 * time.Second}, got)
	assert.Equal(t, []time.Duration{6 * time.Second, 3 * time.Second, 2 * time.Second}, rec.Waits())
}

func TestJitterRangeStaysInsideTheRange(t *testing.T) {
	const lo, hi = 100 * time.Millisecond, 200 * time.Millisecond
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(1001), retry.Delay(time.Second), retry.JitterRange(lo, hi), retry.WithSleep(rec.Sleep)))
	collect(s.Attempts())
	waits := rec.Waits()
	require.Len(t, waits, 1000)
	assert.Equal(t, time.Second, waits[0])
	seen := map[time.Duration]bool{}
	for i := 1; i < len(waits); i++ {
		added := waits[i] - waits[i-1]
		require.GreaterOrEqual(t, added, lo, "wait %d", i)
		require.LessOrEqual(t, added, hi, "wait %d", i)
		seen[added] = true
	}
	assert.Greater(t, len(seen), 100, "the amounts added should vary")
}

func TestJitterRangeOverTheWholeDurationRange(t *testing.T) {
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(200), retry.Delay(time.Second), retry.JitterRange(math.MinInt64, math.MaxInt64), retry.WithSleep(rec.Sleep)))
	collect(s.Attempts())
	for _, w := range rec.Waits() {
		require.GreaterOrEqual(t, w, time.Duration(0))
	}
}

func TestWaitsSaturateInsteadOfOverflowing(t *testing.T) {
	tests := []struct {
		name string
		opts []retry.ScheduleOption
	}{
		{"Backoff(10)", []retry.ScheduleOption{retry.Backoff(10)}},
		{"Backoff(10) with Jitter", []retry.ScheduleOption{retry.Backoff(10), retry.Jitter(time.Hour)}},
		{"Jitter alone", []retry.ScheduleOption{retry.Jitter(math.MaxInt64 / 3)}},
		{"JitterRange alone", []retry.ScheduleOption{retry.JitterRange(math.MaxInt64/4, math.MaxInt64/3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &waits.Recorder{}
			s := retry.Must(retry.NewSchedule(append(tt.opts, retry.Tries(200), retry.Delay(time.Second), retry.WithSleep(rec.Sleep))...))
			collect(s.Attempts())
			waits := rec.Waits()
			require.Len(t, waits, 199)
			for i := 1; i < len(waits); i++ {
				require.GreaterOrEqual(t, waits[i], waits[i-1], "wait %d went down: overflow", i)
			}
			assert.Equal(t, time.Duration(math.MaxInt64), waits[len(waits)-1])
		})
	}
}

func TestSleepErrorEndsTheLoop(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	s := retry.Must(retry.NewSchedule(retry.Tries(10), retry.WithSleep(func(context.Context, time.Duration) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})))
	assert.Equal(t, []int{0, 1}, collect(s.Attempts()))
	assert.Equal(t, 2, calls)
}

func TestAttemptsPassesBackgroundToSleep(t *testing.T) {
	var got []context.Context
	s := retry.Must(retry.NewSchedule(retry.Tries(2), retry.WithSleep(func(ctx context.Context, _ time.Duration) error {
		got = append(got, ctx)
		return nil
	})))
	collect(s.Attempts())
	assert.Equal(t, []context.Context{context.Background()}, got)
}

func TestBreakStopsTheLoopAtOnce(t *testing.T) {
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(5), retry.Delay(time.Second), retry.WithSleep(rec.Sleep)))
	for i := range s.Attempts() {
		if i == 1 {
			break
		}
	}
	assert.Len(t, rec.Waits(), 1)
}

func TestAttemptsContextStopsWhenCancelledDuringAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.Delay(time.Hour)))
		start := time.Now()
		time.AfterFunc(10*time.Millisecond, cancel)
		got := collect(s.AttemptsContext(ctx))
		assert.Equal(t, []int{0}, got)
		assert.Equal(t, 10*time.Millisecond, time.Since(start), "the one-hour wait should end at the cancel")
		assert.ErrorIs(t, ctx.Err(), context.Canceled)
	})
}

func TestAttemptsContextStopsAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
		defer cancel()
		s := retry.Must(retry.NewSchedule(retry.Delay(time.Hour)))
		start := time.Now()
		got := collect(s.AttemptsContext(ctx))
		assert.Equal(t, []int{0, 1}, got)
		assert.Equal(t, 90*time.Minute, time.Since(start))
		assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	})
}

func TestAttemptsContextWaitsTheWholeDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.Delay(time.Minute), retry.Backoff(2)))
		start := time.Now()
		var at []time.Duration
		for range s.AttemptsContext(t.Context()) {
			at = append(at, time.Since(start))
		}
		assert.Equal(t, []time.Duration{0, time.Minute, 3 * time.Minute}, at)
	})
}

func TestAttemptsContextYieldsNothingWhenAlreadyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.WithSleep(rec.Sleep)))
	assert.Empty(t, collect(s.AttemptsContext(ctx)))
	assert.Empty(t, rec.Waits())
}

func TestAttemptsContextStopsWhenASleepIgnoresCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(5), retry.WithSleep(rec.Sleep)))
	var got []int
	for i := range s.AttemptsContext(ctx) {
		got = append(got, i)
		if i == 1 {
			cancel()
		}
	}
	assert.Equal(t, []int{0, 1}, got)
	assert.Len(t, rec.Waits(), 2, "the sleep ran, then the loop saw ctx done")
}

func TestScheduleIsSafeForConcurrentLoops(t *testing.T) {
	const loops, tries = 100, 20
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	rec := &waits.Recorder{}
	s := retry.Must(retry.NewSchedule(retry.Tries(tries), retry.Delay(time.Millisecond), retry.Backoff(2), retry.Logger(logger), retry.WithSleep(rec.Sleep)))

	counts := make([]int, loops)
	var wg sync.WaitGroup
	for g := range loops {
		wg.Go(func() {
			for i := range s.Attempts() {
				if i != counts[g] {
					t.Errorf("loop %d: got try %d, want %d", g, i, counts[g])
				}
				counts[g]++
			}
		})
	}
	wg.Wait()

	for g, n := range counts {
		assert.Equal(t, tries, n, "loop %d", g)
	}
	assert.Len(t, rec.Waits(), loops*(tries-1))
	perLoop := map[any]int{}
	for _, e := range hook.AllEntries() {
		perLoop[e.Data["loop"]]++
	}
	assert.Len(t, perLoop, loops, "each loop has its own id")
	for id, n := range perLoop {
		assert.Equal(t, 2*(tries-1), n, "entries of loop %v", id)
	}
}

func TestScheduleString(t *testing.T) {
	double := func(d time.Duration) time.Duration { return 2 * d }
	tests := []struct {
		opts []retry.ScheduleOption
		want string
	}{
		{nil, "Schedule(tries=unlimited, 0s <= 0s <= inf)"},
		{[]retry.ScheduleOption{retry.Tries(3), retry.Delay(time.Second), retry.MaxDelay(5 * time.Second), retry.Backoff(2)}, "Schedule(tries=3, 0s <= 1s <= 5s, backoff=2)"},
		{[]retry.ScheduleOption{retry.Tries(4), retry.MinDelay(time.Millisecond), retry.Jitter(time.Second)}, "Schedule(tries=4, 1ms <= 0s <= inf, jitter=1s)"},
		{[]retry.ScheduleOption{retry.JitterRange(-time.Second, time.Second)}, "Schedule(tries=unlimited, 0s <= 0s <= inf, jitter=[-1s, 1s])"},
		{[]retry.ScheduleOption{retry.Tries(1), retry.UpdateDelay(double), retry.MaxDelay(0)}, "Schedule(tries=1, 0s <= 0s <= 0s, update=func)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, retry.Must(retry.NewSchedule(tt.opts...)).String())
	}
	assert.Equal(t, "Schedule(tries=unlimited, 0s <= 0s <= inf)", retry.DefaultSchedule.String())
}

// The zero Schedule behaves as NewSchedule() does: unlimited tries, no
// delay.
func TestZeroScheduleBehavesAsNewSchedule(t *testing.T) {
	t.Run("Attempts is unlimited", func(t *testing.T) {
		var got []int
		assert.NotPanics(t, func() {
			for i := range (&retry.Schedule{}).Attempts() {
				got = append(got, i)
				if i == 9 {
					break
				}
			}
		})
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
	})
	t.Run("WithSchedule retries until success", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r, err := retry.New(retry.WithSchedule(&retry.Schedule{}))
			require.NoError(t, err)
			calls := 0
			start := time.Now()
			assert.NotPanics(t, func() {
				err = retry.Do(context.Background(), r, func(context.Context) error {
					calls++
					if calls <= 20 {
						return errors.New("not yet")
					}
					return nil
				})
			})
			assert.NoError(t, err)
			assert.Equal(t, 21, calls)
			assert.Zero(t, time.Since(start), "no delay")
		})
	})
	t.Run("String", func(t *testing.T) {
		assert.NotPanics(t, func() {
			assert.Equal(t, retry.Must(retry.NewSchedule()).String(), (&retry.Schedule{}).String())
		})
	})
}

package retry

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
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
		opts []ScheduleOption
		want string
	}{
		{"zero tries", []ScheduleOption{Tries(0)}, "retry: Tries(0): tries cannot be 0"},
		{"negative delay", []ScheduleOption{Delay(-time.Second)}, "retry: Delay(-1s): delay cannot be negative"},
		{"NaN backoff", []ScheduleOption{Backoff(math.NaN())}, "retry: Backoff(NaN): backoff must be a finite number >= 0"},
		{"+Inf backoff", []ScheduleOption{Backoff(math.Inf(1))}, "retry: Backoff(+Inf): backoff must be a finite number >= 0"},
		{"-Inf backoff", []ScheduleOption{Backoff(math.Inf(-1))}, "retry: Backoff(-Inf): backoff must be a finite number >= 0"},
		{"negative backoff", []ScheduleOption{Backoff(-0.5)}, "retry: Backoff(-0.5): backoff must be a finite number >= 0"},
		{"inverted jitter range", []ScheduleOption{JitterRange(2*time.Second, time.Second)}, "retry: JitterRange(2s, 1s): lo is greater than hi"},
		{"nil update", []ScheduleOption{UpdateDelay(nil)}, "retry: UpdateDelay(nil): update function cannot be nil"},
		{"negative min", []ScheduleOption{MinDelay(-time.Millisecond)}, "retry: MinDelay(-1ms): min delay cannot be negative"},
		{"negative max", []ScheduleOption{MaxDelay(-time.Millisecond)}, "retry: MaxDelay(-1ms): max delay cannot be negative"},
		{"min above max", []ScheduleOption{MinDelay(5 * time.Second), MaxDelay(time.Second)}, "retry: MinDelay(5s): min delay is greater than MaxDelay(1s)"},
		{"min above zero max", []ScheduleOption{MaxDelay(0), MinDelay(time.Nanosecond)}, "retry: MinDelay(1ns): min delay is greater than MaxDelay(0s)"},
		{"nil logger", []ScheduleOption{Logger(nil)}, "retry: Logger(nil): logger cannot be nil"},
		{"typed nil logger", []ScheduleOption{Logger((*logrus.Logger)(nil))}, "retry: Logger((*logrus.Logger)(nil)): logger cannot be nil"},
		{"entry without logger", []ScheduleOption{Logger(&logrus.Entry{})}, "retry: Logger((*logrus.Entry)(nil)): logger cannot be nil"},
		{"nil sleep", []ScheduleOption{WithSleep(nil)}, "retry: WithSleep(nil): sleep function cannot be nil"},
		{"nil option", []ScheduleOption{nil}, "retry: <nil>: option cannot be nil"},
		{"jitter with range", []ScheduleOption{Jitter(time.Second), JitterRange(0, time.Second)}, "retry: Jitter(1s): cannot be combined with JitterRange(0s, 1s)"},
		{"update with backoff", []ScheduleOption{Backoff(2), UpdateDelay(double)}, "retry: UpdateDelay(f): cannot be combined with Backoff(2)"},
		{"update with jitter", []ScheduleOption{UpdateDelay(double), Jitter(time.Second)}, "retry: UpdateDelay(f): cannot be combined with Jitter(1s)"},
		{"update with range", []ScheduleOption{UpdateDelay(double), JitterRange(0, time.Second)}, "retry: UpdateDelay(f): cannot be combined with JitterRange(0s, 1s)"},
		{"invalid then valid", []ScheduleOption{Tries(0), Tries(3)}, "retry: Tries(0): tries cannot be 0"},
		{"two at once", []ScheduleOption{Tries(0), Delay(-time.Second)}, "retry: Tries(0): tries cannot be 0\nretry: Delay(-1s): delay cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, ErrInvalidOption)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestNewScheduleAcceptsEdgeValues(t *testing.T) {
	for _, opts := range [][]ScheduleOption{
		{Tries(-5)},
		{Backoff(0)},
		{Jitter(-time.Second)},
		{JitterRange(time.Second, time.Second)},
		{MinDelay(time.Second), MaxDelay(time.Second)},
		{MaxDelay(0)},
		{Logger(logrus.New().WithField("app", "x"))},
		{Backoff(3), Backoff(2)}, // the last one wins
	} {
		_, err := NewSchedule(opts...)
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
		s := Must(NewSchedule(Tries(n), Delay(time.Second), WithSleep(rec.Sleep)))
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
	s := Must(NewSchedule(WithSleep(rec.Sleep)))
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
		opts []ScheduleOption
		want []time.Duration
	}{
		{"constant delay", []ScheduleOption{Tries(4), Delay(s)}, []time.Duration{s, s, s}},
		{"no delay", []ScheduleOption{Tries(3)}, []time.Duration{0, 0}},
		{"Backoff(2)", []ScheduleOption{Tries(5), Delay(s), Backoff(2)}, []time.Duration{s, 2 * s, 4 * s, 8 * s}},
		{"Backoff(0.5)", []ScheduleOption{Tries(5), Delay(8 * s), Backoff(0.5)}, []time.Duration{8 * s, 4 * s, 2 * s, s}},
		{"Backoff(0)", []ScheduleOption{Tries(3), Delay(s), Backoff(0)}, []time.Duration{s, 0}},
		{"Jitter", []ScheduleOption{Tries(4), Delay(s), Jitter(500 * ms)}, []time.Duration{s, 1500 * ms, 2 * s}},
		{"Backoff then negative Jitter", []ScheduleOption{Tries(4), Delay(s), Backoff(2), Jitter(-500 * ms)}, []time.Duration{s, 1500 * ms, 2500 * ms}},
		{"Jitter below zero", []ScheduleOption{Tries(3), Delay(s), Jitter(-2 * s)}, []time.Duration{s, 0}},
		{"UpdateDelay", []ScheduleOption{Tries(4), Delay(s), UpdateDelay(func(d time.Duration) time.Duration { return d*3 + ms })}, []time.Duration{s, 3*s + ms, 9*s + 4*ms}},
		{"UpdateDelay negative", []ScheduleOption{Tries(3), Delay(s), UpdateDelay(func(d time.Duration) time.Duration { return d - 5*s })}, []time.Duration{s, 0}},
		{"MinDelay raises the first", []ScheduleOption{Tries(3), Delay(s), MinDelay(2 * s)}, []time.Duration{2 * s, 2 * s}},
		{"MinDelay raises later", []ScheduleOption{Tries(5), Delay(8 * s), Backoff(0.25), MinDelay(s)}, []time.Duration{8 * s, 2 * s, s, s}},
		{"MaxDelay caps", []ScheduleOption{Tries(6), Delay(s), Backoff(2), MaxDelay(5 * s)}, []time.Duration{s, 2 * s, 4 * s, 5 * s, 5 * s}},
		{"MaxDelay caps the first", []ScheduleOption{Tries(3), Delay(10 * s), MaxDelay(6 * s), Backoff(0.5)}, []time.Duration{6 * s, 3 * s}},
		{"update after cap", []ScheduleOption{Tries(3), Delay(5 * s), MaxDelay(6 * s), UpdateDelay(func(d time.Duration) time.Duration { return d + 3*s })}, []time.Duration{5 * s, 6 * s}},
		{"MaxDelay(0)", []ScheduleOption{Tries(3), Delay(s), MaxDelay(0)}, []time.Duration{0, 0}},
		{"Tries(1) never waits", []ScheduleOption{Tries(1), Delay(s)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &waits.Recorder{}
			s := Must(NewSchedule(append(tt.opts, WithSleep(rec.Sleep))...))
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
	s := Must(NewSchedule(Tries(4), Delay(10*time.Second), MaxDelay(6*time.Second), MinDelay(2*time.Second), UpdateDelay(update), WithSleep(rec.Sleep)))
	collect(s.Attempts())
	assert.Equal(t, []time.Duration{6 * time.Second, 3 * time.Second}, got)
	assert.Equal(t, []time.Duration{6 * time.Second, 3 * time.Second, 2 * time.Second}, rec.Waits())
}

func TestJitterRangeStaysInsideTheRange(t *testing.T) {
	const lo, hi = 100 * time.Millisecond, 200 * time.Millisecond
	rec := &waits.Recorder{}
	s := Must(NewSchedule(Tries(1001), Delay(time.Second), JitterRange(lo, hi), WithSleep(rec.Sleep)))
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
	s := Must(NewSchedule(Tries(200), Delay(time.Second), JitterRange(math.MinInt64, math.MaxInt64), WithSleep(rec.Sleep)))
	collect(s.Attempts())
	for _, w := range rec.Waits() {
		require.GreaterOrEqual(t, w, time.Duration(0))
	}
}

func TestWaitsSaturateInsteadOfOverflowing(t *testing.T) {
	tests := []struct {
		name string
		opts []ScheduleOption
	}{
		{"Backoff(10)", []ScheduleOption{Backoff(10)}},
		{"Backoff(10) with Jitter", []ScheduleOption{Backoff(10), Jitter(time.Hour)}},
		{"Jitter alone", []ScheduleOption{Jitter(math.MaxInt64 / 3)}},
		{"JitterRange alone", []ScheduleOption{JitterRange(math.MaxInt64/4, math.MaxInt64/3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &waits.Recorder{}
			s := Must(NewSchedule(append(tt.opts, Tries(200), Delay(time.Second), WithSleep(rec.Sleep))...))
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
	s := Must(NewSchedule(Tries(10), WithSleep(func(context.Context, time.Duration) error {
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
	s := Must(NewSchedule(Tries(2), WithSleep(func(ctx context.Context, _ time.Duration) error {
		got = append(got, ctx)
		return nil
	})))
	collect(s.Attempts())
	assert.Equal(t, []context.Context{context.Background()}, got)
}

func TestBreakStopsTheLoopAtOnce(t *testing.T) {
	rec := &waits.Recorder{}
	s := Must(NewSchedule(Tries(5), Delay(time.Second), WithSleep(rec.Sleep)))
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
		s := Must(NewSchedule(Tries(3), Delay(time.Hour)))
		start := time.Now()
		go func() {
			time.Sleep(10 * time.Millisecond)
			cancel()
		}()
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
		s := Must(NewSchedule(Delay(time.Hour)))
		start := time.Now()
		got := collect(s.AttemptsContext(ctx))
		assert.Equal(t, []int{0, 1}, got)
		assert.Equal(t, 90*time.Minute, time.Since(start))
		assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	})
}

func TestAttemptsContextWaitsTheWholeDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := Must(NewSchedule(Tries(3), Delay(time.Minute), Backoff(2)))
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
	s := Must(NewSchedule(Tries(3), WithSleep(rec.Sleep)))
	assert.Empty(t, collect(s.AttemptsContext(ctx)))
	assert.Empty(t, rec.Waits())
}

func TestAttemptsContextStopsWhenASleepIgnoresCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &waits.Recorder{}
	s := Must(NewSchedule(Tries(5), WithSleep(rec.Sleep)))
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
	s := Must(NewSchedule(Tries(tries), Delay(time.Millisecond), Backoff(2), Logger(logger), WithSleep(rec.Sleep)))

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
		perLoop[e.Data[loopField]]++
	}
	assert.Len(t, perLoop, loops, "each loop has its own id")
	for id, n := range perLoop {
		assert.Equal(t, 2*(tries-1), n, "entries of loop %v", id)
	}
}

func TestLoopLogsWithOneIdentifierPerLoop(t *testing.T) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	s := Must(NewSchedule(Tries(3), Delay(2*time.Second), Logger(logger), WithSleep((&waits.Recorder{}).Sleep)))

	ids := make([]string, 2)
	for n := range ids {
		hook.Reset()
		collect(s.Attempts())
		entries := hook.AllEntries()
		var msgs []string
		for _, e := range entries {
			assert.Equal(t, logrus.InfoLevel, e.Level)
			msgs = append(msgs, e.Message)
		}
		assert.Equal(t, []string{"2 tries remaining", "sleeping 2s", "1 tries remaining", "sleeping 2s"}, msgs)
		id, ok := entries[0].Data[loopField].(string)
		require.True(t, ok, "loop field should be a string")
		_, err := uuid.Parse(id)
		require.NoError(t, err, "loop field %q should be a UUID", id)
		for _, e := range entries {
			assert.Equal(t, id, e.Data[loopField])
		}
		ids[n] = id
	}
	assert.NotEqual(t, ids[0], ids[1], "a second loop draws another id")
}

func TestUnlimitedLoopLogsTryNumbers(t *testing.T) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	s := Must(NewSchedule(Logger(logger.WithField("app", "demo")), WithSleep((&waits.Recorder{}).Sleep)))
	for i := range s.Attempts() {
		if i == 2 {
			break
		}
	}
	var msgs []string
	for _, e := range hook.AllEntries() {
		msgs = append(msgs, e.Message)
		assert.Equal(t, "demo", e.Data["app"], "the entry's own fields are kept")
	}
	assert.Equal(t, []string{"try #2", "sleeping 0s", "try #3", "sleeping 0s"}, msgs)
}

func TestDefaultLoggerIsWarnOnStderr(t *testing.T) {
	assert.Equal(t, logrus.WarnLevel, DefaultLogger.GetLevel())
	assert.False(t, DefaultLogger.IsLevelEnabled(logrus.InfoLevel))
}

// A loop whose logger has Info disabled allocates nothing: no entry, no
// formatting, no identifier. The loop state itself lives on the stack.
func TestDisabledLoggingAllocatesNothing(t *testing.T) {
	quiet := logrus.New()
	quiet.SetLevel(logrus.WarnLevel)
	noSleep := func(context.Context, time.Duration) error { return nil }
	for name, opt := range map[string]ScheduleOption{
		"DefaultLogger":  WithSleep(noSleep),
		"*logrus.Logger": Logger(quiet),
		"*logrus.Entry":  Logger(quiet.WithField("app", "x")),
	} {
		s := Must(NewSchedule(Tries(5), Delay(time.Second), Backoff(2), opt, WithSleep(noSleep)))
		allocs := testing.AllocsPerRun(100, func() {
			l := s.start(context.Background())
			for l.next() {
			}
		})
		assert.Zero(t, allocs, "%s: allocations per 5-try loop", name)
	}
}

func TestScheduleString(t *testing.T) {
	double := func(d time.Duration) time.Duration { return 2 * d }
	tests := []struct {
		opts []ScheduleOption
		want string
	}{
		{nil, "Schedule(tries=unlimited, 0s <= 0s <= inf)"},
		{[]ScheduleOption{Tries(3), Delay(time.Second), MaxDelay(5 * time.Second), Backoff(2)}, "Schedule(tries=3, 0s <= 1s <= 5s, backoff=2)"},
		{[]ScheduleOption{Tries(4), MinDelay(time.Millisecond), Jitter(time.Second)}, "Schedule(tries=4, 1ms <= 0s <= inf, jitter=1s)"},
		{[]ScheduleOption{JitterRange(-time.Second, time.Second)}, "Schedule(tries=unlimited, 0s <= 0s <= inf, jitter=[-1s, 1s])"},
		{[]ScheduleOption{Tries(1), UpdateDelay(double), MaxDelay(0)}, "Schedule(tries=1, 0s <= 0s <= 0s, update=func)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Must(NewSchedule(tt.opts...)).String())
	}
	assert.Equal(t, "Schedule(tries=unlimited, 0s <= 0s <= inf)", DefaultSchedule.String())
}

func TestMustPanicsWithTheError(t *testing.T) {
	err := errors.New("boom")
	assert.PanicsWithValue(t, err, func() { Must(0, err) })
	assert.PanicsWithError(t, "retry: Tries(0): tries cannot be 0", func() { Must(NewSchedule(Tries(0))) })
	assert.Equal(t, 3, Must(3, nil))
	assert.True(t, slices.Equal([]int{1}, Must([]int{1}, nil)))
}

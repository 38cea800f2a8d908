package retry_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errOptBoom = errors.New("boom")

func optFail(context.Context) error { return errOptBoom }

// optDraws runs loops calls of a function that always fails, with tries
// tries each, and returns each call's waits.
func optDraws(t *testing.T, loops, tries int, opts ...retry.Option) [][]time.Duration {
	t.Helper()
	var rec waits.Recorder
	r, err := retry.New(append([]retry.Option{retry.Tries(tries), retry.WithSleep(rec.Sleep), retry.Logger(quietLogger())}, opts...)...)
	require.NoError(t, err)
	draws := make([][]time.Duration, loops)
	for i := range draws {
		rec.Reset()
		require.ErrorIs(t, retry.Do(context.Background(), r, optFail), errOptBoom)
		draws[i] = rec.Waits()
		require.Len(t, draws[i], tries-1)
	}
	return draws
}

// optScale returns d × f.
func optScale(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

func TestJitterDrawsFromTheProgression(t *testing.T) {
	// Delay(100ms), Backoff(2), MaxDelay(1s): the waits without jitter.
	progression := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1000 * time.Millisecond, 1000 * time.Millisecond}
	clamp := func(d time.Duration) time.Duration { return min(d, time.Second) }
	tests := []struct {
		name   string
		opts   []retry.Option
		w      []time.Duration // the progression, when not the one above
		bounds func(w time.Duration) (lo, hi time.Duration)
	}{
		{"FullJitter", []retry.Option{retry.FullJitter()}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return 0, w }},
		{"EqualJitter", []retry.Option{retry.EqualJitter()}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return w / 2, w }},
		{"JitterFactor(0.5)", []retry.Option{retry.JitterFactor(0.5)}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return optScale(w, 0.5), clamp(optScale(w, 1.5)) }},
		{"JitterFactor(0.1)", []retry.Option{retry.JitterFactor(0.1)}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return optScale(w, 0.9), clamp(optScale(w, 1.1)) }},
		{"JitterFactor(1)", []retry.Option{retry.JitterFactor(1)}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return 0, clamp(2 * w) }},
		{"FullJitter with UpdateDelay", []retry.Option{retry.FullJitter(), retry.UpdateDelay(func(d time.Duration) time.Duration { return d + 100*time.Millisecond })},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 600 * time.Millisecond},
			func(w time.Duration) (time.Duration, time.Duration) { return 0, w }},
		{"EqualJitter, the same mode twice", []retry.Option{retry.EqualJitter(), retry.EqualJitter()}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return w / 2, w }},
		{"JitterFactor twice: the last wins", []retry.Option{retry.JitterFactor(0.9), retry.JitterFactor(0.1)}, nil,
			func(w time.Duration) (time.Duration, time.Duration) { return optScale(w, 0.9), clamp(optScale(w, 1.1)) }},
	}
	const loops = 334 // 2004 waits
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := progression
			opts := []retry.Option{retry.Delay(100 * time.Millisecond), retry.Backoff(2), retry.MaxDelay(time.Second)}
			if tt.w != nil {
				w = tt.w
				opts = []retry.Option{retry.Delay(100 * time.Millisecond), retry.MaxDelay(time.Second)}
			}
			draws := optDraws(t, loops, len(w)+1, append(opts, tt.opts...)...)
			for n := range w {
				lo, hi := tt.bounds(w[n])
				least, most := time.Duration(math.MaxInt64), time.Duration(0)
				for i, d := range draws {
					require.True(t, d[n] >= lo && d[n] <= hi, "loop %d, wait #%d: %v not in [%v, %v]", i, n+1, d[n], lo, hi)
					least, most = min(least, d[n]), max(most, d[n])
				}
				// Over many loops the draws reach both ends: the
				// progression goes on untouched by the draws.
				tolerance := (hi - lo) / 10
				assert.GreaterOrEqual(t, most, hi-tolerance, "wait #%d: the highest of %d draws is far below %v", n+1, loops, hi)
				assert.LessOrEqual(t, least, lo+tolerance, "wait #%d: the lowest of %d draws is far above %v", n+1, loops, lo)
			}
		})
	}
}

func TestJitterDrawsAreClamped(t *testing.T) {
	tests := []struct {
		name string
		opts []retry.Option
		w    []time.Duration // the waits without jitter
		lo   time.Duration   // MinDelay, reached by some draws
		hi   time.Duration   // MaxDelay, reached by some draws
		atLo []int           // the waits some draws of which are clamped to lo
		atHi []int           // … to hi
	}{
		{"FullJitter raised to MinDelay",
			[]retry.Option{retry.FullJitter(), retry.MinDelay(30 * time.Millisecond), retry.MaxDelay(time.Second)},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, 30 * time.Millisecond, time.Second, []int{0, 1, 2}, nil},
		{"EqualJitter raised to MinDelay",
			[]retry.Option{retry.EqualJitter(), retry.MinDelay(80 * time.Millisecond), retry.MaxDelay(time.Second)},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, 80 * time.Millisecond, time.Second, []int{0}, nil},
		{"JitterFactor cut to MaxDelay",
			[]retry.Option{retry.JitterFactor(0.5), retry.MaxDelay(300 * time.Millisecond)},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}, 0, 300 * time.Millisecond, nil, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draws := optDraws(t, 300, len(tt.w)+1, append([]retry.Option{retry.Delay(100 * time.Millisecond), retry.Backoff(2)}, tt.opts...)...)
			hits := map[string]map[int]bool{"lo": {}, "hi": {}}
			for i, d := range draws {
				for n, got := range d {
					require.True(t, got >= tt.lo && got <= tt.hi, "loop %d, wait #%d: %v not in [%v, %v]", i, n+1, got, tt.lo, tt.hi)
					if got == tt.lo {
						hits["lo"][n] = true
					}
					if got == tt.hi {
						hits["hi"][n] = true
					}
				}
			}
			for _, n := range tt.atLo {
				assert.True(t, hits["lo"][n], "wait #%d: no draw was clamped to %v", n+1, tt.lo)
			}
			for _, n := range tt.atHi {
				assert.True(t, hits["hi"][n], "wait #%d: no draw was clamped to %v", n+1, tt.hi)
			}
		})
	}
}

func TestDecorrelatedJitter(t *testing.T) {
	tests := []struct {
		name               string
		opts               []retry.Option
		delay, minD, maxD  time.Duration
		firstLo, firstHigh time.Duration // the first wait is drawn from here
	}{
		{"Delay and MaxDelay", []retry.Option{retry.Delay(100 * time.Millisecond), retry.MaxDelay(2 * time.Second)},
			100 * time.Millisecond, 0, 2 * time.Second, 100 * time.Millisecond, 300 * time.Millisecond},
		{"MinDelay above Delay", []retry.Option{retry.Delay(100 * time.Millisecond), retry.MinDelay(150 * time.Millisecond), retry.MaxDelay(2 * time.Second)},
			100 * time.Millisecond, 150 * time.Millisecond, 2 * time.Second, 150 * time.Millisecond, 300 * time.Millisecond},
		{"the same mode twice", []retry.Option{retry.DecorrelatedJitter(), retry.Delay(100 * time.Millisecond), retry.MaxDelay(2 * time.Second)},
			100 * time.Millisecond, 0, 2 * time.Second, 100 * time.Millisecond, 300 * time.Millisecond},
	}
	clamp := func(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draws := optDraws(t, 250, 9, append([]retry.Option{retry.DecorrelatedJitter()}, tt.opts...)...)
			firstLeast, firstMost := time.Duration(math.MaxInt64), time.Duration(0)
			capped, floored := false, false
			for i, d := range draws {
				prev := tt.delay // the first wait is drawn from [Delay, 3 × Delay]
				for n, got := range d {
					lo, hi := clamp(tt.delay, tt.minD, tt.maxD), clamp(3*prev, tt.minD, tt.maxD)
					require.True(t, got >= lo && got <= hi, "loop %d, wait #%d: %v not in [%v, %v] (previous %v)", i, n+1, got, lo, hi, prev)
					capped = capped || got == tt.maxD
					floored = floored || got == tt.minD
					prev = got
				}
				firstLeast, firstMost = min(firstLeast, d[0]), max(firstMost, d[0])
			}
			span := (tt.firstHigh - tt.firstLo) / 10
			assert.GreaterOrEqual(t, firstMost, tt.firstHigh-span, "the first waits do not reach 3 × Delay")
			assert.LessOrEqual(t, firstLeast, tt.firstLo+span, "the first waits do not reach Delay")
			assert.True(t, capped, "no wait was capped at MaxDelay %v", tt.maxD)
			if tt.minD > tt.delay {
				assert.True(t, floored, "no wait was raised to MinDelay %v", tt.minD)
			}
		})
	}
}

func TestJittersDoNotCombine(t *testing.T) {
	tests := []struct {
		a, b         retry.ScheduleOption
		nameA, nameB string
	}{
		{retry.FullJitter(), retry.EqualJitter(), "FullJitter", "EqualJitter"},
		{retry.EqualJitter(), retry.FullJitter(), "EqualJitter", "FullJitter"},
		{retry.FullJitter(), retry.JitterFactor(0.5), "FullJitter", "JitterFactor(0.5)"},
		{retry.JitterFactor(0.25), retry.DecorrelatedJitter(), "JitterFactor(0.25)", "DecorrelatedJitter"},
		{retry.DecorrelatedJitter(), retry.EqualJitter(), "DecorrelatedJitter", "EqualJitter"},
		{retry.FullJitter(), retry.Jitter(10 * time.Millisecond), "FullJitter", "Jitter(10ms)"},
		{retry.Jitter(10 * time.Millisecond), retry.EqualJitter(), "Jitter(10ms)", "EqualJitter"},
		{retry.JitterRange(time.Millisecond, 2*time.Millisecond), retry.JitterFactor(0.5), "JitterRange(1ms, 2ms)", "JitterFactor(0.5)"},
		{retry.DecorrelatedJitter(), retry.JitterRange(0, 10*time.Millisecond), "DecorrelatedJitter", "JitterRange(0s, 10ms)"},
	}
	for _, tt := range tests {
		t.Run(tt.nameA+"+"+tt.nameB, func(t *testing.T) {
			s, err := retry.NewSchedule(retry.Delay(time.Millisecond), tt.a, tt.b)
			assert.Nil(t, s)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.nameA)
			assert.Contains(t, err.Error(), tt.nameB)

			r, err := retry.New(retry.Delay(time.Millisecond), tt.a, tt.b)
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.nameA)
			assert.Contains(t, err.Error(), tt.nameB)
		})
	}
}

func TestSameJitterModeTwice(t *testing.T) {
	for _, opts := range [][]retry.ScheduleOption{
		{retry.FullJitter(), retry.FullJitter()},
		{retry.EqualJitter(), retry.EqualJitter()},
		{retry.DecorrelatedJitter(), retry.DecorrelatedJitter()},
		{retry.JitterFactor(0.5), retry.JitterFactor(0.2)},
	} {
		s, err := retry.NewSchedule(append([]retry.ScheduleOption{retry.Delay(time.Millisecond)}, opts...)...)
		require.NoError(t, err)
		assert.NotNil(t, s)
	}
}

func TestJitterFactorRejectsInvalidValues(t *testing.T) {
	tests := []struct {
		f    float64
		name string
	}{
		{0, "JitterFactor(0)"},
		{-0.5, "JitterFactor(-0.5)"},
		{1.5, "JitterFactor(1.5)"},
		{math.NaN(), "JitterFactor(NaN)"},
		{math.Inf(1), "JitterFactor(+Inf)"},
		{math.Inf(-1), "JitterFactor(-Inf)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := retry.NewSchedule(retry.JitterFactor(tt.f))
			assert.Nil(t, s)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.name)

			r, err := retry.New(retry.JitterFactor(tt.f))
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.name)
		})
	}
	for _, f := range []float64{1, 0.5, 1e-9} {
		_, err := retry.NewSchedule(retry.JitterFactor(f))
		assert.NoError(t, err, "JitterFactor(%g)", f)
	}
}

type optJittered struct {
	Full  func() error `retry:"tries=4,delay=100ms,backoff=2,jitter=full"`
	Equal func() error `retry:"tries=4,delay=100ms,backoff=2,jitter=equal"`
	Decor func() error `retry:"tries=4,delay=100ms,max=1s,jitter=decorrelated"`
	Fixed func() error `retry:"tries=4,delay=100ms,jitter=10ms"`
}

func TestJitterTag(t *testing.T) {
	var rec waits.Recorder
	fail := func() error { return errOptBoom }
	c := optJittered{Full: fail, Equal: fail, Decor: fail, Fixed: fail}
	require.NoError(t, retry.DecorateFields(&c, retry.WithSleep(rec.Sleep), retry.Logger(quietLogger())))

	tests := []struct {
		name   string
		f      func() error
		bounds func(n int, prev time.Duration) (lo, hi time.Duration)
	}{
		{"full", c.Full, func(n int, _ time.Duration) (time.Duration, time.Duration) {
			return 0, 100 * time.Millisecond << n
		}},
		{"equal", c.Equal, func(n int, _ time.Duration) (time.Duration, time.Duration) {
			return 50 * time.Millisecond << n, 100 * time.Millisecond << n
		}},
		{"decorrelated", c.Decor, func(n int, prev time.Duration) (time.Duration, time.Duration) {
			if n == 0 {
				prev = 100 * time.Millisecond
			}
			return 100 * time.Millisecond, min(3*prev, time.Second)
		}},
		{"10ms", c.Fixed, func(n int, _ time.Duration) (time.Duration, time.Duration) {
			w := 100*time.Millisecond + time.Duration(n)*10*time.Millisecond // Jitter adds to the stored delay
			return w, w
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			distinct := map[time.Duration]bool{}
			for i := range 200 {
				rec.Reset()
				require.ErrorIs(t, tt.f(), errOptBoom)
				got := rec.Waits()
				require.Len(t, got, 3)
				var prev time.Duration
				for n, d := range got {
					lo, hi := tt.bounds(n, prev)
					require.True(t, d >= lo && d <= hi, "loop %d, wait #%d: %v not in [%v, %v]", i, n+1, d, lo, hi)
					distinct[d] = true
					prev = d
				}
			}
			if tt.name != "10ms" {
				assert.Greater(t, len(distinct), 100, "the waits are not drawn")
			}
		})
	}
}

type optBadJitterTag struct {
	Fine func() error
	Bad  func() error `retry:"jitter=sometimes"`
}

func TestJitterTagRejectsAnUnknownMode(t *testing.T) {
	fine := func() error { return nil }
	c := optBadJitterTag{Fine: fine, Bad: fine}

	err := retry.DecorateFields(&c)

	require.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.Contains(t, err.Error(), "optBadJitterTag.Bad")
	assert.Contains(t, err.Error(), "sometimes")
	assert.Equal(t, funcPointer(fine), funcPointer(c.Fine), "Fine was changed")
	assert.Equal(t, funcPointer(fine), funcPointer(c.Bad), "Bad was changed")
}

func funcPointer(f func() error) uintptr { return reflect.ValueOf(f).Pointer() }

// Slog

// slogEntry is one record a slogHandler was asked to handle.
type slogEntry struct {
	Level slog.Level
	Msg   string
	Loop  string // the "loop" attribute
}

// slogStore keeps the records of a slogHandler and the handlers it made.
type slogStore struct {
	min     slog.Level // the least level enabled
	mu      sync.Mutex
	entries []slogEntry
	attrs   []map[string]string
}

func (s *slogStore) all() []slogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.entries)
}

// slogHandler records what it handles, with the attributes given by With.
type slogHandler struct {
	store *slogStore
	attrs []slog.Attr
}

func newSlog(min slog.Level) (*slog.Logger, *slogStore) {
	s := &slogStore{min: min}
	return slog.New(&slogHandler{store: s}), s
}

func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.store.min }

func (h *slogHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]string{}
	for _, a := range h.attrs {
		attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	h.store.entries = append(h.store.entries, slogEntry{Level: r.Level, Msg: r.Message, Loop: attrs["loop"]})
	h.store.attrs = append(h.store.attrs, attrs)
	return nil
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &slogHandler{store: h.store, attrs: append(slices.Clip(h.attrs), attrs...)}
}

func (h *slogHandler) WithGroup(string) slog.Handler { return h }

// slogScript fails with its errs in turn, then succeeds.
type slogScript struct {
	errs  []error
	calls int
}

func (s *slogScript) call(context.Context) error {
	s.calls++
	if s.calls <= len(s.errs) {
		return s.errs[s.calls-1]
	}
	return nil
}

var slogLevels = map[logrus.Level]slog.Level{
	logrus.DebugLevel: slog.LevelDebug,
	logrus.InfoLevel:  slog.LevelInfo,
	logrus.WarnLevel:  slog.LevelWarn,
	logrus.ErrorLevel: slog.LevelError,
}

func TestSlogWritesWhatLogrusWrites(t *testing.T) {
	fn := evPkg + "(*slogScript).call"
	boom := errors.New("boom")
	tests := []struct {
		name  string
		opts  []retry.Option
		errs  []error
		first []slogEntry // the first entries expected, without Loop
	}{
		{"success at try 2", []retry.Option{retry.Tries(3)}, []error{boom}, []slogEntry{
			{slog.LevelWarn, fn + ": try #1 failed with *errors.errorString: boom", ""},
			{slog.LevelInfo, "2 tries remaining", ""},
			{slog.LevelInfo, "sleeping 1s", ""},
		}},
		{"tries run out", []retry.Option{retry.Tries(2)}, []error{boom, boom}, []slogEntry{
			{slog.LevelWarn, fn + ": try #1 failed with *errors.errorString: boom", ""},
			{slog.LevelInfo, "1 try remaining", ""},
			{slog.LevelInfo, "sleeping 1s", ""},
			{slog.LevelWarn, fn + ": try #2 failed with *errors.errorString: boom", ""},
		}},
		{"unlimited tries", nil, []error{boom, boom}, []slogEntry{
			{slog.LevelWarn, fn + ": try #1 failed with *errors.errorString: boom", ""},
			{slog.LevelInfo, "try #2", ""},
			{slog.LevelInfo, "sleeping 1s", ""},
		}},
		{"Permanent: not a caught failure", []retry.Option{retry.Tries(3)}, []error{retry.Permanent(boom)}, nil},
		{"budget", []retry.Option{retry.Tries(3), retry.WithBudget(retry.Must(retry.NewBudget(2, 1)))}, []error{boom, boom}, []slogEntry{
			{slog.LevelWarn, fn + ": try #1 failed with *errors.errorString: boom", ""},
		}},
		{"result retried", []retry.Option{retry.Tries(3), retry.IfResult(func() bool { return true })}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]retry.Option{retry.Delay(time.Second), retry.WithSleep(new(waits.Recorder).Sleep)}, tt.opts...)

			logger, hook := evDebugLogger()
			r, err := retry.New(append(opts, retry.Logger(logger))...)
			require.NoError(t, err)
			errLogrus := retry.Do(context.Background(), r, (&slogScript{errs: tt.errs}).call)
			var want []slogEntry
			for _, e := range hook.AllEntries() {
				want = append(want, slogEntry{Level: slogLevels[e.Level], Msg: e.Message})
			}

			sl, store := newSlog(slog.LevelDebug)
			r, err = retry.New(append(opts, retry.Slog(sl))...)
			require.NoError(t, err)
			errSlog := retry.Do(context.Background(), r, (&slogScript{errs: tt.errs}).call)
			var got []slogEntry
			for _, e := range store.all() {
				got = append(got, slogEntry{Level: e.Level, Msg: e.Msg})
			}

			assert.Equal(t, errLogrus, errSlog)
			assert.Equal(t, want, got, "slog's entries are not logrus's")
			if len(tt.first) > 0 {
				require.GreaterOrEqual(t, len(got), len(tt.first))
				assert.Equal(t, tt.first, got[:len(tt.first)])
			}
		})
	}
}

func TestSlogSuccessAtDebug(t *testing.T) {
	sl, store := newSlog(slog.LevelDebug)
	r, err := retry.New(retry.Tries(3), retry.Slog(sl))
	require.NoError(t, err)
	require.NoError(t, retry.Do(context.Background(), r, (&slogScript{}).call))
	entries := store.all()
	require.Len(t, entries, 1)
	assert.Equal(t, slog.LevelDebug, entries[0].Level)
	assert.Contains(t, entries[0].Msg, evPkg+"(*slogScript).call")
}

func TestSlogLoopAttribute(t *testing.T) {
	sl, store := newSlog(slog.LevelDebug)
	var retried []retry.Attempt
	r, err := retry.New(retry.Tries(3), retry.WithSleep(new(waits.Recorder).Sleep), retry.Slog(sl),
		retry.OnRetry(func(a retry.Attempt) { retried = append(retried, a) }))
	require.NoError(t, err)

	var loops []string
	for i := range 2 {
		before := len(store.all())
		require.NoError(t, retry.Do(context.Background(), r, (&slogScript{errs: []error{errOptBoom}}).call))
		entries := store.all()[before:]
		require.Len(t, entries, 4, "call %d", i) // failure, remaining, sleeping, success
		for _, e := range entries {
			assert.Equal(t, entries[0].Loop, e.Loop, "call %d: %q", i, e.Msg)
		}
		require.Len(t, retried, i+1)
		assert.Equal(t, retried[i].Loop.String(), entries[0].Loop, "the loop attribute is not Attempt.Loop")
		loops = append(loops, entries[0].Loop)
	}
	assert.NotEmpty(t, loops[0])
	assert.NotEqual(t, loops[0], loops[1], "two calls share a loop identifier")
}

func TestSlogDisabledLevelsAreNeverHandled(t *testing.T) {
	sl, store := newSlog(slog.LevelWarn)
	r, err := retry.New(retry.Tries(3), retry.Delay(time.Second), retry.WithSleep(new(waits.Recorder).Sleep), retry.Slog(sl))
	require.NoError(t, err)

	require.NoError(t, retry.Do(context.Background(), r, (&slogScript{errs: []error{errOptBoom}}).call))
	require.ErrorIs(t, retry.Do(context.Background(), r, (&slogScript{errs: []error{errOptBoom, errOptBoom, errOptBoom}}).call), errOptBoom)

	entries := store.all()
	require.NotEmpty(t, entries)
	for _, e := range entries {
		assert.Equal(t, slog.LevelWarn, e.Level, "handled: %q", e.Msg)
	}
}

func TestSlogDisabledLevelsCostNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	noSleep := retry.WithSleep(func(context.Context, time.Duration) error { return nil })
	tests := []struct {
		name string
		min  slog.Level
		errs []error
	}{
		{"success, Debug disabled", slog.LevelWarn, nil},
		{"a retry, every level disabled", slog.LevelError + 1, []error{errOptBoom}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sl, store := newSlog(tt.min)
			r, err := retry.New(retry.Tries(3), retry.Delay(time.Second), noSleep, retry.Slog(sl))
			require.NoError(t, err)
			s := &slogScript{}
			op := s.call
			ctx := context.Background()
			allocs := testing.AllocsPerRun(100, func() {
				s.calls, s.errs = 0, tt.errs
				if err := retry.Do(ctx, r, op); err != nil {
					panic(err)
				}
			})
			assert.Zero(t, allocs)
			assert.Empty(t, store.all())
		})
	}
}

func TestSlogRejectsNilAndLogger(t *testing.T) {
	sl, _ := newSlog(slog.LevelDebug)
	tests := []struct {
		name  string
		opts  []retry.ScheduleOption
		names []string
	}{
		{"nil", []retry.ScheduleOption{retry.Slog(nil)}, []string{"Slog(nil)"}},
		{"Logger then Slog", []retry.ScheduleOption{retry.Logger(logrus.New()), retry.Slog(sl)}, []string{"Logger(", "Slog("}},
		{"Slog then Logger", []retry.ScheduleOption{retry.Slog(sl), retry.Logger(logrus.New())}, []string{"Logger(", "Slog("}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := retry.NewSchedule(tt.opts...)
			assert.Nil(t, s)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			for _, n := range tt.names {
				assert.Contains(t, err.Error(), n)
			}
			opts := make([]retry.Option, len(tt.opts))
			for i, o := range tt.opts {
				opts[i] = o
			}
			r, err := retry.New(opts...)
			assert.Nil(t, r)
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			for _, n := range tt.names {
				assert.Contains(t, err.Error(), n)
			}
		})
	}
}

func TestSlogScheduleRange(t *testing.T) {
	// A range over a Schedule writes the same entries through slog as
	// through logrus, with one loop attribute.
	opts := []retry.ScheduleOption{retry.Tries(3), retry.Delay(time.Second), retry.WithSleep(new(waits.Recorder).Sleep)}
	logger, hook := evDebugLogger()
	for range retry.Must(retry.NewSchedule(append(opts, retry.Logger(logger))...)).Attempts() {
		// every try fails
	}
	var want []slogEntry
	for _, e := range hook.AllEntries() {
		want = append(want, slogEntry{Level: slogLevels[e.Level], Msg: e.Message})
	}

	sl, store := newSlog(slog.LevelDebug)
	for range retry.Must(retry.NewSchedule(append(opts, retry.Slog(sl))...)).Attempts() {
		// every try fails
	}
	entries := store.all()
	var got []slogEntry
	for _, e := range entries {
		got = append(got, slogEntry{Level: e.Level, Msg: e.Msg})
		assert.Equal(t, entries[0].Loop, e.Loop)
	}

	assert.Equal(t, []slogEntry{
		{slog.LevelInfo, "2 tries remaining", ""}, {slog.LevelInfo, "sleeping 1s", ""},
		{slog.LevelInfo, "1 try remaining", ""}, {slog.LevelInfo, "sleeping 1s", ""},
	}, got)
	assert.Equal(t, want, got)
	assert.NotEmpty(t, entries[0].Loop)
}

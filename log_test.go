package retry_test

import (
	"context"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopLogsWithOneIdentifierPerLoop(t *testing.T) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.Delay(2*time.Second), retry.Logger(logger), retry.WithSleep((&waits.Recorder{}).Sleep)))

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
		// The third entry, one try left, is TestLogGrammarForOneTry's.
		require.Len(t, msgs, 4)
		assert.Equal(t, []string{"2 tries remaining", "sleeping 2s"}, msgs[:2])
		assert.Equal(t, "sleeping 2s", msgs[3])
		id, ok := entries[0].Data["loop"].(string)
		require.True(t, ok, "loop field should be a string")
		_, err := uuid.Parse(id)
		require.NoError(t, err, "loop field %q should be a UUID", id)
		for _, e := range entries {
			assert.Equal(t, id, e.Data["loop"])
		}
		ids[n] = id
	}
	assert.NotEqual(t, ids[0], ids[1], "a second loop draws another id")
}

func TestUnlimitedLoopLogsTryNumbers(t *testing.T) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	s := retry.Must(retry.NewSchedule(retry.Logger(logger.WithField("app", "demo")), retry.WithSleep((&waits.Recorder{}).Sleep)))
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
	assert.Equal(t, logrus.WarnLevel, retry.DefaultLogger.GetLevel())
	assert.False(t, retry.DefaultLogger.IsLevelEnabled(logrus.InfoLevel))
}

// A loop whose logger has Info disabled allocates nothing: no entry, no
// formatting, no identifier. (The Recorder's own appends grow its slice
// geometrically: far fewer than one allocation per run, which AllocsPerRun
// rounds down to zero.)
func TestDisabledLoggingAllocatesNothing(t *testing.T) {
	quiet := logrus.New()
	quiet.SetLevel(logrus.WarnLevel)
	for name, logger := range map[string][]retry.ScheduleOption{
		"DefaultLogger":  nil,
		"*logrus.Logger": {retry.Logger(quiet)},
		"*logrus.Entry":  {retry.Logger(quiet.WithField("app", "x"))},
	} {
		rec := &waits.Recorder{}
		s := retry.Must(retry.NewSchedule(append(logger, retry.Tries(5), retry.Delay(time.Second), retry.Backoff(2), retry.WithSleep(rec.Sleep))...))
		allocs := testing.AllocsPerRun(100, func() {
			for range s.Attempts() {
			}
		})
		assert.Zero(t, allocs, "%s: allocations per 5-try loop", name)
		assert.Len(t, rec.Waits(), 4*101, "%s: every loop waited", name)
	}
}

// A disabled log level adds no allocation on the reflect.MakeFunc path: a
// decorated call allocates exactly what the least reflect retry loop does.
// (The fast paths allocate nothing at all: TestFastPathsAllocateNothing.)
func TestDisabledLoggingAddsNoAllocations(t *testing.T) {
	for name, logger := range map[string]retry.ScheduleOption{
		"*logrus.Logger": retry.Logger(quietLogger()),
		"*logrus.Entry":  retry.Logger(quietLogger().WithField("app", "x")),
	} {
		for _, failures := range []int{0, 3, 4} {
			op := &benchOp{failures: failures}
			ctx := context.Background()
			floor := reflectLoop(op.call, 5)
			decorated := retry.Decorate(op.call, retry.Tries(5), logger).(func(context.Context, int) (int, error))
			want := testing.AllocsPerRun(200, func() { op.calls = 0; _, _ = floor(ctx, 1) })
			got := testing.AllocsPerRun(200, func() { op.calls = 0; _, _ = decorated(ctx, 1) })
			assert.Equal(t, want, got, "%s, %d failures", name, failures)
			assert.Equal(t, min(failures+1, 5), op.calls)
		}
	}
}

// reflectLoop is the least a reflect.MakeFunc retry can do: call fn until
// its error result is nil, at most tries times.
func reflectLoop[F any](fn F, tries int) F {
	v := reflect.ValueOf(fn)
	last := v.Type().NumOut() - 1
	return reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		var out []reflect.Value
		for range tries {
			if out = v.Call(args); out[last].IsNil() {
				break
			}
		}
		return out
	}).Interface().(F)
}

// Decorated functions of the fast-path types, Do and DoValue allocate
// nothing per call, even when they retry, when logging is disabled.
func TestFastPathsAllocateNothing(t *testing.T) {
	quiet := logrus.New()
	quiet.SetLevel(logrus.ErrorLevel)
	rec := &waits.Recorder{} // see TestDisabledLoggingAllocatesNothing
	r := retry.Must(retry.New(retry.Tries(5), retry.Logger(quiet), retry.WithSleep(rec.Sleep)))
	ctx := context.Background()
	n := 0
	failTwice := func() error {
		n++
		if n%3 != 0 {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	plain := retry.Wrap(r, failTwice)
	withCtx := retry.Wrap(r, func(context.Context) error { return failTwice() })
	synced := r.Sync(func(context.Context) error { return failTwice() }).(func(context.Context) error)
	for name, f := range map[string]func(){
		"func() error":                func() { _ = plain() },
		"func(context.Context) error": func() { _ = withCtx(ctx) },
		"Sync(func(ctx) error)":       func() { _ = synced(ctx) },
		"Do with a capturing closure": func() { _ = retry.Do(ctx, r, func(context.Context) error { return failTwice() }) },
		"DoValue with a closure":      func() { _, _ = retry.DoValue(ctx, r, func(context.Context) (int, error) { return n, failTwice() }) },
	} {
		before := n
		allocs := testing.AllocsPerRun(100, f)
		assert.Zero(t, allocs, name)
		assert.Equal(t, before+3*101, n, "%s: three calls per run", name)
	}
}

// myLogger is a logrus.FieldLogger of the caller's own.
type myLogger struct{ *logrus.Entry }

// A typed nil of a caller's own FieldLogger type is refused, as a nil
// *logrus.Logger is: it would crash the first loop that logs.
func TestTypedNilCustomLoggerIsRefused(t *testing.T) {
	var l *myLogger
	s, err := retry.NewSchedule(retry.Logger(l))
	assert.Nil(t, s)
	assert.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.ErrorContains(t, err, "Logger(")
	r, err := retry.New(retry.Logger(l))
	assert.Nil(t, r)
	assert.ErrorIs(t, err, retry.ErrInvalidOption)

	ok := &myLogger{logrus.NewEntry(logrus.New())}
	_, err = retry.NewSchedule(retry.Logger(ok))
	assert.NoError(t, err, "a non-nil one is fine")
}

// One try is "1 try", not "1 tries": in the Schedule's Info entry when one
// try is left, and in the give-up entry of a call that made one try.
func TestLogGrammarForOneTry(t *testing.T) {
	t.Run("1 try remaining", func(t *testing.T) {
		logger, hook := test.NewNullLogger()
		logger.SetLevel(logrus.InfoLevel)
		s := retry.Must(retry.NewSchedule(retry.Tries(2), retry.Logger(logger), noWait()))
		collect(s.Attempts())
		assert.Equal(t, []string{"1 try remaining", "sleeping 0s"}, messages(hook))
	})
	t.Run("giving up after 1 try", func(t *testing.T) {
		logger, hook := test.NewNullLogger()
		f := retry.Decorate(func() error { return errors.New("busy") }, retry.Tries(1), retry.Logger(logger)).(func() error)
		require.Error(t, f())
		last := hook.LastEntry()
		require.NotNil(t, last)
		assert.Equal(t, logrus.WarnLevel, last.Level)
		assert.Regexp(t, `\bafter 1 try\b`, last.Message)
		assert.NotContains(t, last.Message, "1 tries")
	})
}

// adapter is a FieldLogger of a kind programs write: it embeds a
// *logrus.Logger, so it has its GetLevel method.
type adapter struct{ *logrus.Logger }

// A logger that exposes GetLevel is asked its level before an entry is
// built: a successful call with Debug disabled allocates nothing.
func TestLoggerWithGetLevelIsLevelChecked(t *testing.T) {
	l := logrus.New()
	l.SetLevel(logrus.InfoLevel)
	hook := test.NewLocal(l)
	r := retry.Must(retry.New(retry.Tries(3), retry.Logger(adapter{l})))
	ctx := context.Background()
	op := func(context.Context) error { return nil }
	allocs := testing.AllocsPerRun(100, func() { _ = retry.Do(ctx, r, op) })
	assert.Zero(t, allocs)
	assert.Empty(t, hook.AllEntries(), "no Debug entry reaches the logger")
}

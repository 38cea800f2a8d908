package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hintCarrier is what the error RetryAfter returns implements.
type hintCarrier interface{ RetryAfter() time.Duration }

type hintCodeError struct{ code int }

func (e *hintCodeError) Error() string { return fmt.Sprintf("code %d", e.code) }

func TestRetryAfterNilIsNil(t *testing.T) {
	assert.NoError(t, retry.RetryAfter(time.Second, nil))
	assert.NoError(t, retry.RetryAfter(-time.Second, nil))
}

func TestRetryAfterKeepsTheError(t *testing.T) {
	base := &hintCodeError{503}
	err := retry.RetryAfter(2*time.Second, base)

	require.Error(t, err)
	assert.Equal(t, "code 503", err.Error())
	assert.Same(t, base, errors.Unwrap(err))
	assert.ErrorIs(t, err, base)

	var ce *hintCodeError
	require.ErrorAs(t, err, &ce)
	assert.Same(t, base, ce)

	wrapped := fmt.Errorf("fetch: %w", err)
	assert.Equal(t, "fetch: code 503", wrapped.Error())
	assert.ErrorIs(t, wrapped, base)
	require.ErrorAs(t, wrapped, &ce)
	assert.Same(t, base, ce)
}

func TestRetryAfterHint(t *testing.T) {
	base := errors.New("busy")
	tests := []struct {
		name string
		d    time.Duration
		want time.Duration
	}{
		{"positive", 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"zero", 0, 0},
		{"negative is zero", -time.Second, 0},
		{"longest", math.MaxInt64, math.MaxInt64},
		{"most negative is zero", math.MinInt64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := retry.RetryAfter(tt.d, base)
			h, ok := err.(hintCarrier)
			require.True(t, ok, "%T has no RetryAfter method", err)
			assert.Equal(t, tt.want, h.RetryAfter())

			// errors.As finds it through further wrapping.
			var found hintCarrier
			require.ErrorAs(t, fmt.Errorf("call: %w", err), &found)
			assert.Equal(t, tt.want, found.RetryAfter())
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	// Saturday, 1 March 2025, noon.
	now := time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		now   time.Time // now when zero
		want  time.Duration
		ok    bool
	}{
		// delay-seconds
		{"zero seconds", "0", time.Time{}, 0, true},
		{"seconds", "120", time.Time{}, 2 * time.Minute, true},
		{"leading zeros", "007", time.Time{}, 7 * time.Second, true},
		{"spaces around", "  120 ", time.Time{}, 2 * time.Minute, true},
		{"tabs around", "\t5\t", time.Time{}, 5 * time.Second, true},
		{"longest exact", "9223372036", time.Time{}, 9223372036 * time.Second, true},
		{"one past longest saturates", "9223372037", time.Time{}, math.MaxInt64, true},
		{"huge saturates", "99999999999999999999999999999999", time.Time{}, math.MaxInt64, true},

		// IMF-fixdate
		{"IMF-fixdate", "Sat, 01 Mar 2025 12:00:30 GMT", time.Time{}, 30 * time.Second, true},
		{"IMF-fixdate next day", "Sun, 02 Mar 2025 12:00:00 GMT", time.Time{}, 24 * time.Hour, true},
		{"IMF-fixdate now", "Sat, 01 Mar 2025 12:00:00 GMT", time.Time{}, 0, true},
		{"IMF-fixdate past", "Sun, 06 Nov 1994 08:49:37 GMT", time.Time{}, 0, true},
		{"IMF-fixdate one second past", "Sat, 01 Mar 2025 11:59:59 GMT", time.Time{}, 0, true},
		{"IMF-fixdate spaces around", " Sat, 01 Mar 2025 12:00:30 GMT\t", time.Time{}, 30 * time.Second, true},
		{"IMF-fixdate, now in another zone", "Sat, 01 Mar 2025 12:00:30 GMT", now.In(time.FixedZone("CET", 3600)), 30 * time.Second, true},

		// RFC 850
		{"RFC 850", "Saturday, 01-Mar-25 12:01:00 GMT", time.Time{}, time.Minute, true},
		{"RFC 850 past", "Sunday, 06-Nov-94 08:49:37 GMT", time.Time{}, 0, true},
		{"RFC 850 year 50 years ahead", "Tuesday, 01-Jan-75 00:00:00 GMT",
			time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC), 18262 * 24 * time.Hour, true},
		{"RFC 850 year over 50 years ahead is past", "Tuesday, 01-Jan-75 00:00:01 GMT",
			time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC), 0, true},
		{"RFC 850 year 70 read as 2070", "Wednesday, 01-Jan-70 00:00:00 GMT",
			time.Date(2069, time.December, 31, 23, 59, 0, 0, time.UTC), time.Minute, true},
		{"RFC 850 year 00 read as 2100", "Friday, 01-Jan-00 00:00:00 GMT",
			time.Date(2099, time.December, 31, 23, 0, 0, 0, time.UTC), time.Hour, true},

		// asctime
		{"asctime", "Sat Mar  1 12:00:10 2025", time.Time{}, 10 * time.Second, true},
		{"asctime two-digit day", "Mon Mar 10 12:00:00 2025", time.Time{}, 9 * 24 * time.Hour, true},
		{"asctime past", "Sun Nov  6 08:49:37 1994", time.Time{}, 0, true},

		// refused
		{"empty", "", time.Time{}, 0, false},
		{"only spaces", "   ", time.Time{}, 0, false},
		{"negative", "-1", time.Time{}, 0, false},
		{"minus zero", "-0", time.Time{}, 0, false},
		{"plus sign", "+3", time.Time{}, 0, false},
		{"fraction", "1.5", time.Time{}, 0, false},
		{"exponent", "1e3", time.Time{}, 0, false},
		{"hexadecimal", "0x10", time.Time{}, 0, false},
		{"unit", "12s", time.Time{}, 0, false},
		{"inner space", "1 2", time.Time{}, 0, false},
		{"huge then garbage", "99999999999999999999999x", time.Time{}, 0, false},
		{"non-ASCII digits", "\uff11\uff12", time.Time{}, 0, false},
		{"garbage", "soon", time.Time{}, 0, false},
		{"IMF-fixdate not GMT", "Sat, 01 Mar 2025 12:00:30 PST", time.Time{}, 0, false},
		{"IMF-fixdate no zone", "Sat, 01 Mar 2025 12:00:30", time.Time{}, 0, false},
		{"RFC 850 not GMT", "Saturday, 01-Mar-25 12:01:00 PST", time.Time{}, 0, false},
		{"RFC 850 four-digit year", "Saturday, 01-Mar-2025 12:01:00 GMT", time.Time{}, 0, false},
		{"RFC 850 29 February 2100", "Monday, 29-Feb-00 00:00:00 GMT",
			time.Date(2099, time.June, 1, 0, 0, 0, 0, time.UTC), 0, false},
		{"RFC 3339", "2025-03-01T12:00:30Z", time.Time{}, 0, false},
		{"no such day", "Sun, 30 Feb 2025 12:00:00 GMT", time.Time{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.now
			if at.IsZero() {
				at = now
			}
			got, ok := retry.ParseRetryAfter(tt.value, at)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// hintSlowDown is a caller's own error type that gives a hint.
type hintSlowDown struct{ d time.Duration }

func (e hintSlowDown) Error() string             { return "slow down" }
func (e hintSlowDown) RetryAfter() time.Duration { return e.d }

// hintForms run a script of errors through several forms, and return the
// error the caller gets.
var hintForms = []struct {
	name string
	call func(r *retry.Retrier, s *evScript) error
}{
	{"Do", func(r *retry.Retrier, s *evScript) error { return retry.Do(context.Background(), r, s.ping) }},
	{"DoValue", func(r *retry.Retrier, s *evScript) error {
		_, err := retry.DoValue(context.Background(), r, s.value)
		return err
	}},
	{"Decorate", func(r *retry.Retrier, s *evScript) error {
		_, err := r.Decorate(s.fetch).(func(context.Context, int) (int, error))(context.Background(), 1)
		return err
	}},
	{"Sync", func(r *retry.Retrier, s *evScript) error {
		_, err := r.Sync(s.fetch).(func(context.Context, int) (int, error))(context.Background(), 1)
		return err
	}},
	{"Async Outcome", func(r *retry.Retrier, s *evScript) error {
		return (<-r.Async(s.fetch).(func(context.Context, int) <-chan retry.Outcome)(context.Background(), 1)).Err
	}},
	{"channel", func(r *retry.Retrier, s *evScript) error {
		return <-r.Decorate(s.watch).(func(context.Context) <-chan error)(context.Background())
	}},
}

func TestRetryAfterReplacesOneWait(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		opts []retry.Option
		errs []error // the errors of tries 1 to 3; try 4 fails with boom
		want []time.Duration
	}{
		{"no hint", nil,
			[]error{boom, boom, boom}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"hint on the second failure", nil,
			[]error{boom, retry.RetryAfter(7*time.Second, boom), boom}, []time.Duration{time.Second, 7 * time.Second, 4 * time.Second}},
		{"hint on the first failure", nil,
			[]error{retry.RetryAfter(7*time.Second, boom), boom, boom}, []time.Duration{7 * time.Second, 2 * time.Second, 4 * time.Second}},
		{"shorter hint", nil,
			[]error{boom, retry.RetryAfter(10*time.Millisecond, boom), boom}, []time.Duration{time.Second, 10 * time.Millisecond, 4 * time.Second}},
		{"zero hint", nil,
			[]error{boom, retry.RetryAfter(0, boom), boom}, []time.Duration{time.Second, 0, 4 * time.Second}},
		{"hint raised to MinDelay", []retry.Option{retry.MinDelay(500 * time.Millisecond)},
			[]error{boom, retry.RetryAfter(100*time.Millisecond, boom), boom}, []time.Duration{time.Second, 500 * time.Millisecond, 4 * time.Second}},
		{"hint cut to MaxDelay", []retry.Option{retry.MaxDelay(3 * time.Second)},
			[]error{boom, retry.RetryAfter(time.Hour, boom), boom}, []time.Duration{time.Second, 3 * time.Second, 3 * time.Second}},
		{"hints on every failure", nil,
			[]error{retry.RetryAfter(5*time.Second, boom), retry.RetryAfter(6*time.Second, boom), retry.RetryAfter(3*time.Second, boom)},
			[]time.Duration{5 * time.Second, 6 * time.Second, 3 * time.Second}},
		{"hint wrapped further", nil,
			[]error{boom, fmt.Errorf("get: %w", retry.RetryAfter(7*time.Second, boom)), boom}, []time.Duration{time.Second, 7 * time.Second, 4 * time.Second}},
		{"hint in a joined error", nil,
			[]error{boom, errors.Join(boom, retry.RetryAfter(7*time.Second, boom)), boom}, []time.Duration{time.Second, 7 * time.Second, 4 * time.Second}},
		{"caller's own hint type", nil,
			[]error{boom, hintSlowDown{7 * time.Second}, boom}, []time.Duration{time.Second, 7 * time.Second, 4 * time.Second}},
		{"caller's own hint type wrapped", nil,
			[]error{boom, fmt.Errorf("get: %w", hintSlowDown{7 * time.Second}), boom}, []time.Duration{time.Second, 7 * time.Second, 4 * time.Second}},
	}
	for _, tt := range tests {
		for _, form := range hintForms {
			t.Run(tt.name+"/"+form.name, func(t *testing.T) {
				var rec waits.Recorder
				opts := append([]retry.Option{retry.Tries(4), retry.Delay(time.Second), retry.Backoff(2), retry.WithSleep(rec.Sleep)}, tt.opts...)
				r, err := retry.New(opts...)
				require.NoError(t, err)
				s := evPlay(append(tt.errs, boom)...)

				sameErr(t, boom, form.call(r, s))
				assert.Equal(t, 4, s.callCount())
				assert.Equal(t, tt.want, rec.Waits())
			})
		}
	}
}

func TestRetryAfterIsNotJittered(t *testing.T) {
	// Delay(1s), Backoff(2): the un-jittered waits are 1s, 2s, 4s. The
	// second failure asks for 1.5s: that wait is exact whatever the jitter,
	// and the third is drawn from 4s, as if there had been no hint (from
	// the hint it would be drawn from 3s).
	tests := []struct {
		name   string
		jitter retry.ScheduleOption
		lo, hi time.Duration // the bounds of the third wait
		above  time.Duration // some third wait must be above it
	}{
		{"FullJitter", retry.FullJitter(), 0, 4 * time.Second, 3 * time.Second},
		{"EqualJitter", retry.EqualJitter(), 2 * time.Second, 4 * time.Second, 3 * time.Second},
		{"JitterFactor(0.5)", retry.JitterFactor(0.5), 2 * time.Second, 6 * time.Second, 4500 * time.Millisecond},
	}
	const hint = 1500 * time.Millisecond
	boom := errors.New("boom")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec waits.Recorder
			r, err := retry.New(retry.Tries(4), retry.Delay(time.Second), retry.Backoff(2), tt.jitter,
				retry.WithSleep(rec.Sleep), retry.Logger(quietLogger()))
			require.NoError(t, err)
			var highest time.Duration
			for i := range 300 {
				rec.Reset()
				s := evPlay(boom, retry.RetryAfter(hint, boom), boom, boom)
				require.Error(t, retry.Do(context.Background(), r, s.ping))
				got := rec.Waits()
				require.Len(t, got, 3)
				require.Equal(t, hint, got[1], "loop %d: the hinted wait was changed", i)
				require.True(t, got[2] >= tt.lo && got[2] <= tt.hi, "loop %d: third wait %v not in [%v, %v]", i, got[2], tt.lo, tt.hi)
				highest = max(highest, got[2])
			}
			assert.Greater(t, highest, tt.above, "the wait after the hint does not continue the schedule")
		})
	}
}

func TestDelayFrom(t *testing.T) {
	boom := errors.New("boom")
	code := &hintCodeError{503}
	byCode := func(err error) (time.Duration, bool) {
		if ce, ok := errors.AsType[*hintCodeError](err); ok {
			return time.Duration(ce.code) * time.Millisecond, true
		}
		return 0, false
	}
	always := func(d time.Duration) func(error) (time.Duration, bool) {
		return func(error) (time.Duration, bool) { return d, true }
	}
	tests := []struct {
		name string
		f    func(error) (time.Duration, bool)
		opts []retry.Option
		fail error // the failure of try 1; try 2 succeeds
		want time.Duration
	}{
		{"reads any error", byCode, nil, code, 503 * time.Millisecond},
		{"reads through wrapping", byCode, nil, fmt.Errorf("get: %w", code), 503 * time.Millisecond},
		{"no hint: the schedule's wait", byCode, nil, boom, time.Second},
		{"takes precedence over RetryAfter", always(3 * time.Second), nil, retry.RetryAfter(7*time.Second, boom), 3 * time.Second},
		{"takes precedence over a caller's hint type", always(3 * time.Second), nil, hintSlowDown{7 * time.Second}, 3 * time.Second},
		{"RetryAfter when it reports false", byCode, nil, retry.RetryAfter(7*time.Second, boom), 7 * time.Second},
		{"clamped to MaxDelay", always(time.Hour), []retry.Option{retry.MaxDelay(5 * time.Second)}, boom, 5 * time.Second},
		{"clamped to MinDelay", always(time.Millisecond), []retry.Option{retry.MinDelay(200 * time.Millisecond)}, boom, 200 * time.Millisecond},
		{"not jittered", always(1500 * time.Millisecond), []retry.Option{retry.FullJitter()}, boom, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec waits.Recorder
			var seen []error
			f := func(err error) (time.Duration, bool) {
				seen = append(seen, err)
				return tt.f(err)
			}
			opts := append([]retry.Option{retry.Tries(3), retry.Delay(time.Second), retry.WithSleep(rec.Sleep), retry.DelayFrom(f)}, tt.opts...)
			r, err := retry.New(opts...)
			require.NoError(t, err)

			require.NoError(t, retry.Do(context.Background(), r, evPlay(tt.fail, nil).ping))

			assert.Equal(t, []time.Duration{tt.want}, rec.Waits())
			require.Len(t, seen, 1, "DelayFrom is asked once per failure")
			sameErr(t, tt.fail, seen[0], "DelayFrom gets the failure as fn returned it")
		})
	}
}

func TestHintNeverMakesARejectedFailureRetryable(t *testing.T) {
	errOther := errors.New("other")
	boom := errors.New("boom")
	tests := []struct {
		name string
		opts []retry.Option
		fail error
	}{
		{"RetryAfter rejected by On", []retry.Option{retry.On(errOther)}, retry.RetryAfter(time.Second, boom)},
		{"caller's hint rejected by If", []retry.Option{retry.If(func(error) bool { return false })}, hintSlowDown{time.Second}},
		{"DelayFrom rejected by On", []retry.Option{retry.On(errOther), retry.DelayFrom(func(error) (time.Duration, bool) { return time.Second, true })}, boom},
		{"Permanent RetryAfter", nil, retry.Permanent(retry.RetryAfter(time.Second, boom))},
		{"RetryAfter of a Permanent", nil, retry.RetryAfter(time.Second, retry.Permanent(boom))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec waits.Recorder
			var gaveUp []retry.Attempt
			opts := append([]retry.Option{retry.Tries(5), retry.WithSleep(rec.Sleep),
				retry.OnGiveUp(func(a retry.Attempt) { gaveUp = append(gaveUp, a) })}, tt.opts...)
			r, err := retry.New(opts...)
			require.NoError(t, err)
			s := evPlay(tt.fail, nil)

			got := retry.Do(context.Background(), r, s.ping)

			require.Error(t, got)
			assert.Equal(t, 1, s.callCount())
			assert.Empty(t, rec.Waits())
			require.Len(t, gaveUp, 1)
			assert.Equal(t, retry.StopNotRetryable, gaveUp[0].Reason)
		})
	}
}

func TestRetryAfterTriesRunOut(t *testing.T) {
	// The caller gets the very error fn returned last: the RetryAfter
	// wrapper as fn returned it, which still matches what it wraps.
	base := errors.New("busy")
	for _, form := range hintForms {
		t.Run(form.name, func(t *testing.T) {
			var rec waits.Recorder
			r, err := retry.New(retry.Tries(3), retry.WithSleep(rec.Sleep))
			require.NoError(t, err)
			errs := []error{retry.RetryAfter(time.Second, base), retry.RetryAfter(2*time.Second, base), retry.RetryAfter(3*time.Second, base)}
			s := evPlay(errs...)

			got := form.call(r, s)

			sameErr(t, errs[2], got)
			assert.ErrorIs(t, got, base)
			h, ok := got.(hintCarrier)
			require.True(t, ok, "%T has no RetryAfter method", got)
			assert.Equal(t, 3*time.Second, h.RetryAfter())
			assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, rec.Waits())
		})
	}
}

func TestRetryAfterShownInHookAndLog(t *testing.T) {
	boom := errors.New("boom")
	logger, hook := evDebugLogger()
	var log evLog
	r, err := retry.New(retry.Tries(4), retry.Delay(time.Second), retry.Backoff(2), retry.MaxDelay(30*time.Second),
		retry.WithSleep(new(waits.Recorder).Sleep), retry.Logger(logger), retry.OnRetry(log.hook("retry")))
	require.NoError(t, err)
	s := evPlay(boom, retry.RetryAfter(time.Minute, boom), boom, boom)

	require.Error(t, retry.Do(context.Background(), r, s.ping))

	want := []time.Duration{time.Second, 30 * time.Second, 4 * time.Second}
	var got []time.Duration
	for _, a := range log.of("retry") {
		got = append(got, a.Wait)
	}
	assert.Equal(t, want, got, "OnRetry's Attempt.Wait")
	var sleeping []string
	for _, e := range hook.AllEntries() {
		if strings.HasPrefix(e.Message, "sleeping ") {
			assert.Equal(t, logrus.InfoLevel, e.Level)
			sleeping = append(sleeping, e.Message)
		}
	}
	assert.Equal(t, []string{"sleeping 1s", "sleeping 30s", "sleeping 4s"}, sleeping)
}

func TestDelayFromNil(t *testing.T) {
	r, err := retry.New(retry.DelayFrom(nil))
	assert.Nil(t, r)
	require.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.Contains(t, err.Error(), "DelayFrom(nil)")
}

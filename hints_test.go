package retry_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kaioretry/retry"
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

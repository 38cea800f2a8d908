package retry

import (
	"math"
	"strings"
	"time"
)

// RetryAfter returns an error that wraps err and asks the retry loop to wait
// d before the next try, in place of the wait the schedule would compute.
// The hint replaces that one wait only; it is clamped into [MinDelay] and
// [MaxDelay] and not jittered, and later waits continue the schedule. It
// never makes retryable a failure that the filters reject.
//
// The returned error's message is err's; errors.Is and errors.As see
// through it to err, and a caller whose tries run out gets err, the very
// value fn returned. Its method RetryAfter() time.Duration reports d. A
// negative d is taken as 0. RetryAfter(d, nil) is nil.
//
// The loop finds a hint anywhere in a failure's tree (fmt.Errorf with %w,
// errors.Join), and takes the first in the order of errors.As. An error
// type of the caller's own with a method RetryAfter() time.Duration gives a
// hint as well.
func RetryAfter(d time.Duration, err error) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err: err, d: max(d, 0)}
}

type retryAfterError struct {
	err error
	d   time.Duration
}

func (e *retryAfterError) Error() string             { return e.err.Error() }
func (e *retryAfterError) Unwrap() error             { return e.err }
func (e *retryAfterError) RetryAfter() time.Duration { return e.d }

// retryAfterHint is what an error implements to give a hint.
type retryAfterHint interface{ RetryAfter() time.Duration }

// hintOf returns the first hint in err's tree, in the order in which
// errors.As visits it: the error itself, then what Unwrap() error returns,
// or each of the errors Unwrap() []error returns, depth first. A negative
// hint is taken as 0. It is run on every failure, so it uses plain type
// assertions and allocates nothing.
func hintOf(err error) (time.Duration, bool) {
	for err != nil {
		if h, ok := err.(retryAfterHint); ok {
			return max(h.RetryAfter(), 0), true
		}
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if d, ok := hintOf(inner); ok {
					return d, true
				}
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

// The three forms of an HTTP-date that RFC 9110, section 5.6.7, requires a
// recipient to read. Each names GMT, or implies it for asctime.
const (
	imfFixdate  = "Mon, 02 Jan 2006 15:04:05 GMT"  // Sun, 06 Nov 1994 08:49:37 GMT
	rfc850Date  = "Monday, 02-Jan-06 15:04:05 GMT" // Sunday, 06-Nov-94 08:49:37 GMT
	asctimeDate = "Mon Jan _2 15:04:05 2006"       // Sun Nov  6 08:49:37 1994
)

// ParseRetryAfter reads the value of an HTTP Retry-After header field
// (RFC 9110, section 10.2.3) and returns how long to wait from now.
//
// The value is either delay-seconds, a non-negative decimal integer such as
// "120", or an HTTP-date in one of the three forms RFC 9110 requires a
// recipient to read: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the
// obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT"), whose two-digit
// year is taken as RFC 9110 says (never more than 50 years after now), and
// ANSI C's asctime form ("Sun Nov  6 08:49:37 1994"). Spaces and tabs
// around the value are ignored.
//
// A date gives the time from now until it, and (0, true) when it is past.
// A number of seconds too large for a [time.Duration] gives the longest
// one. Anything else (the empty string, a negative or fractional number, a
// sign, another date format) gives (0, false).
//
// With [RetryAfter], it turns a server's answer into the next wait:
//
//	if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
//		return retry.RetryAfter(d, err)
//	}
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.Trim(value, " \t")
	if value == "" {
		return 0, false
	}
	if d, ok := parseDelaySeconds(value); ok {
		return d, true
	}
	t, ok := parseHTTPDate(value, now)
	if !ok {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// parseDelaySeconds reads 1*DIGIT as seconds, saturating at the longest
// Duration.
func parseDelaySeconds(s string) (time.Duration, bool) {
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	var n int64
	saturated := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if !saturated {
			n = n*10 + int64(c-'0')
			saturated = n > maxSeconds
		}
	}
	if saturated {
		return math.MaxInt64, true
	}
	return time.Duration(n) * time.Second, true
}

// parseHTTPDate reads an HTTP-date in any of its three forms.
func parseHTTPDate(s string, now time.Time) (time.Time, bool) {
	if t, err := time.Parse(imfFixdate, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(rfc850Date, s); err == nil {
		return fixTwoDigitYear(t, now)
	}
	if t, err := time.Parse(asctimeDate, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// fixTwoDigitYear applies RFC 9110's rule to a date parsed from the RFC 850
// form, whose year time.Parse placed in 1969–2068: the year is the latest
// one with the same last two digits that is not more than 50 years after
// now. A date that does not exist in that year (29 February of a century
// that is not a leap year) is refused.
func fixTwoDigitYear(t, now time.Time) (time.Time, bool) {
	limit := now.AddDate(50, 0, 0)
	year := now.UTC().Year()/100*100 + t.Year()%100
	at := func(year int) time.Time {
		return time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	}
	if at(year).After(limit) {
		year -= 100
	} else if !at(year + 100).After(limit) {
		year += 100
	}
	fixed := at(year)
	if fixed.Day() != t.Day() {
		return time.Time{}, false
	}
	return fixed, true
}

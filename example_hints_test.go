package retry_test

import (
	"fmt"
	"time"

	"github.com/kaioretry/retry"
)

// A Retry-After header holds either a number of seconds or an HTTP-date;
// both give the time to wait from now. A date already past means "now".
// Pass the result to RetryAfter with the failure so that the loop waits
// that long before the next try.
func ExampleParseRetryAfter() {
	now := time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)
	for _, value := range []string{
		"120",
		"Sat, 01 Mar 2025 12:00:30 GMT",
		"Saturday, 01-Mar-25 12:05:00 GMT",
		"Sat Mar  1 13:00:00 2025",
		"Fri, 28 Feb 2025 12:00:00 GMT",
		"1.5",
		"soon",
	} {
		d, ok := retry.ParseRetryAfter(value, now)
		fmt.Printf("%-34q %v %v\n", value, d, ok)
	}
	// Output:
	// "120"                              2m0s true
	// "Sat, 01 Mar 2025 12:00:30 GMT"    30s true
	// "Saturday, 01-Mar-25 12:05:00 GMT" 5m0s true
	// "Sat Mar  1 13:00:00 2025"         1h0m0s true
	// "Fri, 28 Feb 2025 12:00:00 GMT"    0s true
	// "1.5"                              0s false
	// "soon"                             0s false
}

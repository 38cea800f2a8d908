// Command flakyhttp is kaioretry's main job, end to end: an HTTP call to a
// flaky server, tried again until it answers, waiting as long as the server
// asks.
//
// It starts a server on the loopback interface whose first requests fail:
// the first with 429 Too Many Requests and "Retry-After: 1" (delay-seconds),
// the second with 503 Service Unavailable and a Retry-After HTTP-date about
// 2s ahead, any later one with a plain 503. The client fetches the page
// through a function decorated with Tries(5), Delay(50ms), Backoff(2),
// MaxDelay(10s). Each failed try reads the header with
// retry.ParseRetryAfter and returns retry.RetryAfter(d, err): that wait
// replaces the schedule's for that one try (clamped into MaxDelay), and
// later waits go on with the schedule. An OnRetry hook prints each wait and
// where it came from; -v also prints the retry loop's own log. When the
// tries run out it says so and exits with status 1.
//
// Another way to the same waits: keep the parsed delay in a field of
// StatusError and give the Retrier retry.DelayFrom(func(err error)
// (time.Duration, bool) { … errors.As(err, &status) … }), or give
// StatusError a method RetryAfter() time.Duration: the loop reads a hint
// from any error in a failure's tree that has one.
//
//	go run ./examples/flakyhttp                      # 429, 503, then the page (about 3 s)
//	go run ./examples/flakyhttp -failures 9 -tries 3 # gives up, exit status 1
//	go run ./examples/flakyhttp -failures 4 -v       # two waits from headers, two from the schedule
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/kaioretry/retry"
	"github.com/sirupsen/logrus"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// StatusError is an HTTP answer other than 200 OK.
type StatusError struct {
	Code       int
	RetryAfter string // the answer's Retry-After header, "" when it had none
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// run is the whole program; extra options are added last (tests record the
// waits with retry.WithSleep instead of sleeping). It returns the exit code.
func run(args []string, stdout, stderr io.Writer, extra ...retry.Option) int {
	flags := flag.NewFlagSet("flakyhttp", flag.ContinueOnError)
	flags.SetOutput(stderr)
	failures := flags.Int("failures", 2, "how many requests the server fails before it answers")
	tries := flags.Int("tries", 5, "the most tries of the call")
	seconds := flags.Int("retry-after", 1, "the seconds that the 429 answer's Retry-After asks for")
	ahead := flags.Duration("retry-at", 2*time.Second, "how far ahead the 503 answer's Retry-After date is (to the nearest second)")
	verbose := flags.Bool("v", false, "print the retry loop's log to stderr too")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *seconds < 0 || *ahead < 0 {
		fmt.Fprintln(stderr, "flakyhttp: -retry-after and -retry-at cannot be negative")
		return 2
	}

	srv, url, err := startFlakyServer(*failures, *seconds, *ahead)
	if err != nil {
		fmt.Fprintln(stderr, "flakyhttp:", err)
		return 1
	}
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()

	logger := logrus.New()
	logger.SetOutput(io.Discard)
	if *verbose {
		logger.SetOutput(stderr)
		logger.SetLevel(logrus.InfoLevel)
		logger.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true})
	}

	var gaveUp retry.Attempt
	opts := []retry.Option{
		retry.Tries(*tries),
		retry.Delay(50 * time.Millisecond),
		retry.Backoff(2),
		retry.MaxDelay(10 * time.Second), // whatever a server asks, never wait longer
		retry.Logger(logger),
		retry.OnRetry(func(a retry.Attempt) {
			fmt.Fprintf(stdout, "try #%d failed: %v; waiting %v (%s)\n",
				a.Number, a.Err, a.Wait.Round(time.Millisecond), waitSource(a.Err))
		}),
		retry.OnGiveUp(func(a retry.Attempt) { gaveUp = a }),
	}
	r, err := retry.New(append(opts, extra...)...)
	if err != nil {
		fmt.Fprintln(stderr, "flakyhttp:", err)
		return 2
	}
	fetch := r.Decorate(fetcher{client}.Get).(func(context.Context, string) (string, error))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := fetch(ctx, url)
	if err != nil {
		if status, ok := errors.AsType[*StatusError](err); ok {
			fmt.Fprintf(stderr, "flakyhttp: giving up after %d tries (reason: %v): the server still answers %v\n",
				gaveUp.Number, gaveUp.Reason, status)
		} else {
			fmt.Fprintf(stderr, "flakyhttp: giving up: %v\n", err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "body: %s\n", body)
	return 0
}

// waitSource says where the wait after err comes from: the server's
// Retry-After, when err carries a hint, or the schedule.
func waitSource(err error) string {
	if _, ok := errors.AsType[hinted](err); ok {
		if status, ok := errors.AsType[*StatusError](err); ok {
			return "Retry-After: " + status.RetryAfter
		}
		return "hint"
	}
	return "schedule"
}

// hinted is an error that asks for a wait, as retry.RetryAfter's do.
type hinted interface {
	error
	RetryAfter() time.Duration
}

// fetcher gets pages over HTTP, one try per call.
type fetcher struct{ client *http.Client }

// Get returns the body of the page at url. A 429 or 5xx answer is worth
// another try, after the wait its Retry-After header asks for, if any; any
// other answer but 200 OK is Permanent: it will not get better.
func (f fetcher) Get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", retry.Permanent(err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return "", err
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		status := &StatusError{Code: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
		if d, ok := retry.ParseRetryAfter(status.RetryAfter, time.Now()); ok {
			return "", retry.RetryAfter(d, status)
		}
		return "", status
	case resp.StatusCode != http.StatusOK:
		return "", retry.Permanent(&StatusError{Code: resp.StatusCode})
	}
	return string(body), nil
}

// startFlakyServer serves, on a loopback port, a page whose first
// `failures` requests fail: the first with 429 and Retry-After: seconds,
// the second with 503 and a Retry-After date `ahead` from now, the
// others with 503 and no Retry-After.
func startFlakyServer(failures, seconds int, ahead time.Duration) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	var requests atomic.Int64
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			n := requests.Add(1)
			switch {
			case n > int64(failures):
				fmt.Fprintf(w, "hello after %d requests", n)
			case n == 1:
				w.Header().Set("Retry-After", strconv.Itoa(seconds))
				http.Error(w, "slow down", http.StatusTooManyRequests)
			case n == 2:
				// An HTTP-date has whole seconds: the nearest one.
				at := time.Now().Add(ahead).Round(time.Second)
				w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
				http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			default:
				http.Error(w, "try again later", http.StatusServiceUnavailable)
			}
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String() + "/", nil
}

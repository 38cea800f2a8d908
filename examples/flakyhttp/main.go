// Command flakyhttp is kaioretry's main job, end to end: an HTTP call to a
// flaky server, tried again until it answers.
//
// It starts a server on the loopback interface that fails its first
// requests with 503 Service Unavailable, then fetches its page through a
// function decorated with Tries(5), Delay(50ms), Backoff(2), and prints the
// retry loop's log (its loop id, the tries remaining, the waits) and the
// body it got. When the tries run out it says so and exits with status 1.
//
//	go run ./examples/flakyhttp                      # fails twice, then succeeds
//	go run ./examples/flakyhttp -failures 9 -tries 3 # gives up
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
	"sync/atomic"
	"time"

	"github.com/kaioretry/retry"
	"github.com/sirupsen/logrus"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// StatusError is an HTTP answer other than 200 OK.
type StatusError struct{ Code int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// run is the whole program; extra options are added last (tests record the
// waits with retry.WithSleep instead of sleeping). It returns the exit code.
func run(args []string, stdout, stderr io.Writer, extra ...retry.Option) int {
	flags := flag.NewFlagSet("flakyhttp", flag.ContinueOnError)
	flags.SetOutput(stderr)
	failures := flags.Int("failures", 2, "how many requests the server fails with 503 before it answers")
	tries := flags.Int("tries", 5, "the most tries of the call")
	if err := flags.Parse(args); err != nil {
		return 2
	}

	srv, url, err := startFlakyServer(*failures)
	if err != nil {
		fmt.Fprintln(stderr, "flakyhttp:", err)
		return 1
	}
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()

	logger := logrus.New()
	logger.SetOutput(stdout)
	logger.SetLevel(logrus.InfoLevel)
	logger.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true})

	opts := []retry.Option{
		retry.Tries(*tries),
		retry.Delay(50 * time.Millisecond),
		retry.Backoff(2),
		retry.Logger(logger),
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
		var status *StatusError
		if errors.As(err, &status) {
			fmt.Fprintf(stderr, "flakyhttp: giving up after %d tries: the server still answers %v\n", *tries, status)
		} else {
			fmt.Fprintf(stderr, "flakyhttp: giving up: %v\n", err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "body: %s\n", body)
	return 0
}

// fetcher gets pages over HTTP, one try per call.
type fetcher struct{ client *http.Client }

// Get returns the body of the page at url. A 5xx answer is worth another
// try; any other answer but 200 OK is Permanent: it will not get better.
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
	case resp.StatusCode >= 500:
		return "", &StatusError{Code: resp.StatusCode}
	case resp.StatusCode != http.StatusOK:
		return "", retry.Permanent(&StatusError{Code: resp.StatusCode})
	}
	return string(body), nil
}

// startFlakyServer serves, on a loopback port, a page whose first
// `failures` requests get 503.
func startFlakyServer(failures int) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	var requests atomic.Int64
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			n := requests.Add(1)
			if n <= int64(failures) {
				http.Error(w, "try again later", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, "hello after %d requests", n)
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String() + "/", nil
}

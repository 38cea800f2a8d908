// Command storm shows what a retry budget is for: a fleet of clients that
// all retry a failing server multiplies its load just when it can least
// take it, and a shared retry.Budget keeps that in check.
//
// A server on the loopback interface answers 503 Service Unavailable for a
// fixed outage window at its start, then 200 OK. Many clients call it
// concurrently, each starting a call every -interval, whether or not its
// last one has returned (work keeps arriving while the server is down),
// until -duration is over. Every call goes through retry.Do with Tries(10),
// Delay(5ms), Backoff(2), MaxDelay(50ms), FullJitter(); the clients share
// one pool of connections, at most one per client.
//
// It runs twice: without a budget, then with one retry.NewBudget(10, 0.1)
// shared by every client through retry.WithBudget (gRPC's retry
// throttling: once the fleet's failures have drained half the tokens, a
// failure is not retried, and each success earns back a tenth of one). For
// each run it prints the requests the server received while it was down
// (in all and per second), the calls that succeeded, the retries and the
// calls given up by reason (from the OnRetry and OnGiveUp hooks), and the
// time from the end of the outage to the first successful call, then how
// much the budget cut the load on the failing server. What the budget
// costs shows too: calls that began during the outage and that retries
// would have carried past it fail instead.
//
// The figures vary from run to run and from machine to machine: the
// clients and the server share the same CPUs, and a run without a budget
// can keep them busy.
//
//	go run ./examples/storm
//	go run ./examples/storm -clients 500 -outage 1s -duration 2s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/kaioretry/retry"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is one storm's shape.
type config struct {
	clients  int
	outage   time.Duration // the server fails for this long from its start
	duration time.Duration // the clients call for this long from the server's start
	interval time.Duration // how often each client makes a call
}

// run is the whole program; extra options are added last to both runs'
// Retriers. It returns the exit code: 1 when a run never recovered.
func run(args []string, stdout, stderr io.Writer, extra ...retry.Option) int {
	flags := flag.NewFlagSet("storm", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var cfg config
	flags.IntVar(&cfg.clients, "clients", 200, "how many clients call the server concurrently")
	flags.DurationVar(&cfg.outage, "outage", 500*time.Millisecond, "how long the server fails, from its start")
	flags.DurationVar(&cfg.duration, "duration", 1500*time.Millisecond, "how long the clients call, from the server's start")
	flags.DurationVar(&cfg.interval, "interval", 500*time.Millisecond, "how often each client makes a call")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	switch {
	case cfg.clients < 1 || cfg.clients > 10000:
		fmt.Fprintln(stderr, "storm: -clients must be in [1, 10000]")
		return 2
	case cfg.outage <= 0 || cfg.duration <= cfg.outage || cfg.duration > time.Minute:
		fmt.Fprintln(stderr, "storm: need 0 < -outage < -duration <= 1m")
		return 2
	case cfg.interval < time.Millisecond:
		fmt.Fprintln(stderr, "storm: -interval must be at least 1ms")
		return 2
	}

	plain, budgeted, err := compare(cfg, extra...)
	if err != nil {
		fmt.Fprintln(stderr, "storm:", err)
		return 1
	}
	if err := printReports(stdout, cfg, plain, budgeted); err != nil {
		fmt.Fprintln(stderr, "storm:", err)
		return 1
	}
	if !plain.recovered || !budgeted.recovered {
		fmt.Fprintln(stderr, "storm: a run had no successful call after the outage")
		return 1
	}
	return 0
}

// retryOptions are the clients' retry options, budget aside.
func retryOptions() []retry.Option {
	return []retry.Option{
		retry.Tries(10),
		retry.Delay(5 * time.Millisecond),
		retry.Backoff(2),
		retry.MaxDelay(50 * time.Millisecond),
		retry.FullJitter(),
		retry.Slog(slog.New(slog.DiscardHandler)), // thousands of failures: the report says enough
	}
}

// compare runs the storm without a budget, then with a fresh
// NewBudget(10, 0.1), and reports both.
func compare(cfg config, extra ...retry.Option) (plain, budgeted report, err error) {
	if plain, err = storm(cfg, nil, extra...); err != nil {
		return plain, budgeted, err
	}
	b, err := retry.NewBudget(10, 0.1)
	if err != nil {
		return plain, budgeted, err
	}
	budgeted, err = storm(cfg, b, extra...)
	return plain, budgeted, err
}

// report is what one storm did.
type report struct {
	budget       *retry.Budget // nil: no budget
	downRequests int64         // requests the server answered while it was down
	calls, ok    int64         // calls made, and those that succeeded
	retries      int64
	gaveUp       [retry.StopBudget + 1]int64 // calls given up, by reason
	recovered    bool                        // a call succeeded after the outage
	recovery     time.Duration               // from the end of the outage to the first success
}

// storm starts a server that is down for cfg.outage, lets cfg.clients
// clients call it until cfg.duration is over, with retries that share b
// when it is not nil, and reports what happened. Everything it started has
// stopped when it returns.
func storm(cfg config, b *retry.Budget, extra ...retry.Option) (report, error) {
	rep := report{budget: b}
	var downRequests atomic.Int64
	var start time.Time // the server's start, when the outage begins; set before it serves
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if time.Since(start) < cfg.outage {
				downRequests.Add(1)
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "up")
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rep, err
	}
	url := "http://" + ln.Addr().String() + "/"
	// A pool of at most one connection per client, kept between calls:
	// without a cap, each burst of retries would open connections of its
	// own, and thousands of sockets left in TIME_WAIT would slow the
	// machine, not the server.
	transport := &http.Transport{MaxConnsPerHost: cfg.clients, MaxIdleConns: cfg.clients, MaxIdleConnsPerHost: cfg.clients}
	c := &client{http: &http.Client{Transport: transport, Timeout: 5 * time.Second}, url: url}

	var retries atomic.Int64
	var gaveUp [len(rep.gaveUp)]atomic.Int64
	opts := append(retryOptions(),
		retry.OnRetry(func(retry.Attempt) { retries.Add(1) }),
		retry.OnGiveUp(func(a retry.Attempt) { gaveUp[a.Reason].Add(1) }),
	)
	if b != nil {
		opts = append(opts, retry.WithBudget(b))
	}
	r, err := retry.New(append(opts, extra...)...)
	if err != nil {
		ln.Close()
		return rep, err
	}

	start = time.Now()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(cfg.duration))
	defer cancel()

	var calls, ok atomic.Int64
	firstOK := atomic.Int64{} // nanoseconds from start to the first success
	firstOK.Store(math.MaxInt64)
	call := func() {
		err := retry.Do(ctx, r, c.get)
		if ctx.Err() != nil {
			return // cut short by the end of the run: not counted
		}
		calls.Add(1)
		if err == nil {
			ok.Add(1)
			storeMin(&firstOK, int64(time.Since(start)))
		}
	}
	var wg sync.WaitGroup // the clients and their calls
	for range cfg.clients {
		wg.Go(func() {
			// Start at a random point of the first interval, so that the
			// clients do not call in lockstep; then call every interval,
			// whether or not the last call has returned.
			if !pause(ctx, rand.N(cfg.interval)) {
				return
			}
			tick := time.NewTicker(cfg.interval)
			defer tick.Stop()
			for {
				wg.Go(call)
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		})
	}
	wg.Wait()
	err = srv.Close()
	<-served
	transport.CloseIdleConnections()

	rep.downRequests = downRequests.Load()
	rep.calls, rep.ok, rep.retries = calls.Load(), ok.Load(), retries.Load()
	for i := range gaveUp {
		rep.gaveUp[i] = gaveUp[i].Load()
	}
	if first := firstOK.Load(); first != math.MaxInt64 {
		rep.recovered, rep.recovery = true, time.Duration(first)-cfg.outage
	}
	return rep, err
}

// storeMin stores v in x when it is less than x's value.
func storeMin(x *atomic.Int64, v int64) {
	for {
		old := x.Load()
		if v >= old || x.CompareAndSwap(old, v) {
			return
		}
	}
}

// pause waits d, and reports false when ctx ended first.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// errUnavailable is a 503 answer.
var errUnavailable = errors.New("503 Service Unavailable")

// client calls the server, one try per call of get.
type client struct {
	http *http.Client
	url  string
}

func (c *client) get(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return retry.Permanent(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusServiceUnavailable:
		return errUnavailable
	}
	return retry.Permanent(fmt.Errorf("HTTP %d", resp.StatusCode))
}

// printReports writes both runs as a table, then the ratio of their loads
// on the server while it was down.
func printReports(w io.Writer, cfg config, plain, budgeted report) error {
	fmt.Fprintf(w, "%d clients, each making a call every %v for %v; the server answers 503 for its first %v.\n\n",
		cfg.clients, cfg.interval, cfg.duration, cfg.outage)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\trequests while down\tper second\tcalls\tok\tretries\tgave up: tries\tbudget\ttime to recover\t")
	for _, rep := range []report{plain, budgeted} {
		name := "no budget"
		if rep.budget != nil {
			name = "NewBudget(10, 0.1)"
		}
		recovery := "never"
		if rep.recovered {
			recovery = rep.recovery.Round(100 * time.Microsecond).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%d\t%d\t%d\t%s\t\n", name,
			rep.downRequests, float64(rep.downRequests)/cfg.outage.Seconds(),
			rep.calls, rep.ok, rep.retries, rep.gaveUp[retry.StopTries], rep.gaveUp[retry.StopBudget], recovery)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if budgeted.downRequests == 0 {
		_, err := fmt.Fprintln(w, "the budget run sent no request while the server was down")
		return err
	}
	_, err := fmt.Fprintf(w, "the budget cut the load on the failing server %.1f×\n",
		float64(plain.downRequests)/float64(budgeted.downRequests))
	return err
}

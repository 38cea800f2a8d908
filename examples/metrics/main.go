// Command metrics counts what retry loops do, per function and per reason
// for giving up, with nothing but the standard library: the Retrier's
// OnRetry and OnGiveUp hooks feed the counters, keyed by Attempt.Func (the
// function's name) and Attempt.Reason (why a loop stopped).
//
// Three made-up services are decorated by one Retrier (On(ErrUnavailable),
// Tries(3), Delay(1ms), Backoff(2), AttemptTimeout(10ms)) and called in
// turn:
//
//   - inventory.Lookup is unavailable now and then: retried, and given up
//     when three tries in a row fail (reason "tries");
//   - orders.Place is unavailable now and then too, and sometimes refuses
//     an order with a Permanent error, never retried ("not retryable");
//   - payments.Charge sometimes hangs: AttemptTimeout ends that try, which
//     is retried whatever the filters say.
//
// Their failures come from math/rand/v2 generators with a fixed seed, and
// the calls are made one after the other, so a run always prints the same
// table (a program that calls concurrently can use the same counters: they
// are guarded by a mutex). At the end it prints, per function: calls,
// successes, retries, and give-ups by reason.
//
//	go run ./examples/metrics
//	go run ./examples/metrics -calls 200 -seed 7
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kaioretry/retry"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program; extra options are added last (tests record the
// waits with retry.WithSleep instead of sleeping). It returns the exit code.
func run(args []string, stdout, stderr io.Writer, extra ...retry.Option) int {
	flags := flag.NewFlagSet("metrics", flag.ContinueOnError)
	flags.SetOutput(stderr)
	calls := flags.Int("calls", 50, "how many calls of each function")
	seed := flags.Uint64("seed", 1, "the seed of the services' failures")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *calls < 0 {
		fmt.Fprintln(stderr, "metrics: -calls cannot be negative")
		return 2
	}

	m := NewMetrics()
	opts := append([]retry.Option{
		retry.On(ErrUnavailable),
		retry.Tries(3),
		retry.Delay(time.Millisecond),
		retry.Backoff(2),
		retry.AttemptTimeout(10 * time.Millisecond),
		retry.Slog(slog.New(slog.DiscardHandler)), // the table says it all
	}, m.Hooks()...)
	r, err := retry.New(append(opts, extra...)...)
	if err != nil {
		fmt.Fprintln(stderr, "metrics:", err)
		return 2
	}

	inv := &inventory{rng: rand.New(rand.NewPCG(*seed, 1))}
	ord := &orders{rng: rand.New(rand.NewPCG(*seed, 2))}
	pay := &payments{rng: rand.New(rand.NewPCG(*seed, 3))}
	lookup, lookedUp := retry.Wrap(r, inv.Lookup), m.Track(inv.Lookup)
	place, placed := retry.Wrap(r, ord.Place), m.Track(ord.Place)
	charge, charged := retry.Wrap(r, pay.Charge), m.Track(pay.Charge)

	ctx := context.Background()
	for i := range *calls {
		sku := fmt.Sprintf("sku-%03d", i)
		_, err := lookup(ctx, sku)
		lookedUp(err)
		_, err = place(ctx, sku, 1+i%3)
		placed(err)
		charged(charge(ctx, 100*(1+i%7)))
	}
	if err := m.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, "metrics:", err)
		return 1
	}
	return 0
}

// Metrics counts, per function, the calls made and what their retry loops
// did. It is safe for concurrent use.
type Metrics struct {
	mu    sync.Mutex
	funcs map[string]*counts
}

// counts are one function's counters.
type counts struct {
	calls, ok, retries int
	gaveUp             [retry.StopBudget + 1]int // by retry.StopReason
}

// The reasons a loop gives up, in the table's order.
var reasons = []retry.StopReason{retry.StopTries, retry.StopElapsed, retry.StopNotRetryable, retry.StopContext, retry.StopBudget}

// NewMetrics returns empty counters.
func NewMetrics() *Metrics { return &Metrics{funcs: map[string]*counts{}} }

// Hooks returns the options that feed m: give them to retry.New.
func (m *Metrics) Hooks() []retry.Option {
	return []retry.Option{
		retry.OnRetry(func(a retry.Attempt) {
			m.add(a.Func, func(c *counts) { c.retries++ })
		}),
		retry.OnGiveUp(func(a retry.Attempt) {
			m.add(a.Func, func(c *counts) { c.gaveUp[a.Reason]++ })
		}),
	}
}

// Track returns a function to call after each call of fn's decorated
// version, with the error it returned: it counts the call, and its success,
// under the name the retry loop gives fn in Attempt.Func.
//
// The hooks alone cannot count calls: a call that succeeds at its first try
// fires none.
func (m *Metrics) Track(fn any) func(err error) {
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm") // the compiler's mark of a method value
	return func(err error) {
		m.add(name, func(c *counts) {
			c.calls++
			if err == nil {
				c.ok++
			}
		})
	}
}

func (m *Metrics) add(fn string, f func(*counts)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.funcs[fn]
	if c == nil {
		c = &counts{}
		m.funcs[fn] = c
	}
	f(c)
}

// WriteTable writes the counters as a table, a row per function in the
// order of their names, then the totals.
func (m *Metrics) WriteTable(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"function", "calls", "ok", "retries"}
	for i, r := range reasons {
		if i == 0 {
			header = append(header, "gave up: "+r.String())
		} else {
			header = append(header, r.String())
		}
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	var total counts
	names := make([]string, 0, len(m.funcs))
	for name := range m.funcs {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(shortName(a), shortName(b)) })
	for _, name := range names {
		c := m.funcs[name]
		writeRow(tw, shortName(name), c)
		total.calls += c.calls
		total.ok += c.ok
		total.retries += c.retries
		for i, n := range c.gaveUp {
			total.gaveUp[i] += n
		}
	}
	writeRow(tw, "total", &total)
	return tw.Flush()
}

func writeRow(w io.Writer, name string, c *counts) {
	fmt.Fprintf(w, "%s\t%d\t%d\t%d", name, c.calls, c.ok, c.retries)
	for _, r := range reasons {
		fmt.Fprintf(w, "\t%d", c.gaveUp[r])
	}
	fmt.Fprintln(w)
}

// shortName drops the import path and the package from a function's name
// as the runtime gives it, and the receiver's pointer mark:
// "main.(*inventory).Lookup" is "inventory.Lookup".
func shortName(full string) string {
	name := full[strings.LastIndex(full, "/")+1:]
	if i := strings.Index(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return strings.NewReplacer("(*", "", ")", "").Replace(name)
}

// The services' failures.
var (
	ErrUnavailable = errors.New("service unavailable")
	ErrOutOfStock  = errors.New("out of stock")
)

// inventory knows the stock. One try in three finds it unavailable.
type inventory struct{ rng *rand.Rand }

func (s *inventory) Lookup(_ context.Context, sku string) (int, error) {
	if s.rng.IntN(3) == 0 {
		return 0, fmt.Errorf("inventory: lookup %s: %w", sku, ErrUnavailable)
	}
	return len(sku) * 7, nil
}

// orders takes orders. One try in five finds it unavailable; one in ten is
// refused for good.
type orders struct{ rng *rand.Rand }

func (s *orders) Place(_ context.Context, sku string, n int) (string, error) {
	switch x := s.rng.IntN(10); {
	case x < 2:
		return "", fmt.Errorf("orders: place %d × %s: %w", n, sku, ErrUnavailable)
	case x < 3:
		return "", retry.Permanent(fmt.Errorf("orders: place %d × %s: %w", n, sku, ErrOutOfStock))
	}
	return "order-" + sku, nil
}

// payments charges cards. One try in four hangs until its context ends.
type payments struct{ rng *rand.Rand }

func (s *payments) Charge(ctx context.Context, cents int) error {
	if s.rng.IntN(4) == 0 {
		<-ctx.Done()
		return fmt.Errorf("payments: charge %d: %w", cents, ctx.Err())
	}
	return nil
}

// Command scale measures what a retry loop holds while it waits, and how fast
// many waiting loops stop: N goroutines each make one retried call that fails
// once, then waits a long delay (an hour) on a context that they all share.
//
// Once every loop has made its first try and is waiting, scale collects the
// garbage and reports the heap and stack bytes that each waiting loop holds
// (the deltas of runtime/metrics' heap objects and stacks, divided by N).
// Then it cancels the context and times how long it takes until every
// goroutine has returned. The implementations run one after another in the
// same process, with a collection between them, in rounds that each start
// with the next implementation; the table gives the medians of the rounds
// and the ratios of each implementation to cenkalti/backoff v4 and to a
// hand-written timer loop, measured in the same run. A cancel ratio is the
// median of the ratios within each round, with the least and the greatest.
//
//	go run ./cmd/scale                          # 10000, then 100000 loops
//	go run ./cmd/scale -n 1000 -rounds 1        # a tiny run, as CI makes
//
// Stacks are read once the collector has stopped shrinking them (it halves a
// stack that is less than a quarter used), as a loop that waits an hour sees
// many collections. New goroutines start with the stack size that the
// runtime adapts to the goroutines it has seen; the program prints that size
// for each implementation, so that a difference there is not read as the
// implementation's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/benchmarks/internal/peers"
	"github.com/kaioretry/retry/benchmarks/internal/rounds"
)

func main() {
	sizes := flag.String("n", "10000,100000", "comma-separated numbers of waiting loops")
	delay := flag.Duration("delay", time.Hour, "the wait after the first failure")
	rounds := flag.Int("rounds", 5, "measurements of each implementation; the table gives their medians")
	flag.Parse()
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "scale: -rounds must be at least 1")
		os.Exit(2)
	}
	var ns []int
	for f := range strings.SplitSeq(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "scale: -n: %q is not a positive number\n", f)
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	if err := run(os.Stdout, ns, *delay, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

const tries = 3

var errFailed = errors.New("operation failed")

// op is the operation every loop retries: it counts its calls and fails.
type op struct{ calls atomic.Int64 }

func (o *op) call(context.Context, int) (int, error) {
	o.calls.Add(1)
	return 0, errFailed
}

// An impl builds, for one operation and delay, the call that each goroutine
// makes: what can be shared (a Retrier, a decorated function) is built once.
type impl struct {
	name  string
	build func(o *op, delay time.Duration) func(ctx context.Context) error
}

var impls = []impl{
	{"kaioretry-Do", loop(peers.KaioretryDo)},
	{"kaioretry-Decorate", func(o *op, delay time.Duration) func(context.Context) error {
		f := retry.Decorate(o.call, retry.Tries(tries), retry.Delay(delay), retry.Logger(peers.Quiet())).(func(context.Context, int) (int, error))
		return func(ctx context.Context) error {
			_, err := f(ctx, 1)
			return err
		}
	}},
	{peers.BackoffV4, loop(peers.BackoffV4Retry)},
	{peers.HandLoop, loop(peers.Hand)},
}

// loop builds an impl from one of the peers' loops.
func loop(newLoop func(tries int, delay time.Duration) peers.Loop) func(o *op, delay time.Duration) func(context.Context) error {
	return func(o *op, delay time.Duration) func(context.Context) error {
		l := newLoop(tries, delay)
		try := func(ctx context.Context) error {
			_, err := o.call(ctx, 1)
			return err
		}
		return func(ctx context.Context) error { return l(ctx, try) }
	}
}

// result is what one implementation measured.
type result struct {
	heap, stack float64       // bytes per waiting loop
	cancel      time.Duration // from the cancel until every loop has returned
	newStack    uint64        // the stack size of a new goroutine
}

// cancel is a result's cancel time.
func cancel(r result) float64 { return float64(r.cancel) }

func run(w io.Writer, ns []int, delay time.Duration, nRounds int) error {
	fmt.Fprintf(w, "# cmd/scale: %s, GOMAXPROCS %d, delay %v, %d tries, medians of rounds: %d\n",
		runtime.Version(), runtime.GOMAXPROCS(0), delay, tries, nRounds)
	for _, n := range ns {
		// Goroutines that have exited leave their descriptors to the next
		// ones: create n of them first, so that no implementation pays
		// for descriptors that the ones after it reuse.
		warmUp(n)
		all := map[string][]result{}
		for round := range nRounds {
			for i := range impls {
				im := impls[(i+round)%len(impls)]
				r, err := measure(n, im, delay)
				if err != nil {
					return fmt.Errorf("%s, %d loops: %w", im.name, n, err)
				}
				all[im.name] = append(all[im.name], r)
			}
		}
		res := map[string]summary{}
		for name, rs := range all {
			res[name] = summary{
				result: result{
					heap:     rounds.Median(rs, func(r result) float64 { return r.heap }),
					stack:    rounds.Median(rs, func(r result) float64 { return r.stack }),
					cancel:   time.Duration(rounds.Median(rs, cancel)),
					newStack: uint64(rounds.Median(rs, func(r result) float64 { return float64(r.newStack) })),
				},
				vsBackoff: rounds.Ratios(rs, all[peers.BackoffV4], cancel),
				vsHand:    rounds.Ratios(rs, all[peers.HandLoop], cancel),
			}
		}
		report(w, n, res)
	}
	return nil
}

// warmUp starts n goroutines that block, then ends them all.
func warmUp(n int) {
	release := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	for range n {
		done.Go(func() {
			started.Done()
			<-release
		})
	}
	started.Wait()
	close(release)
	done.Wait()
}

// measure starts n goroutines that each make one call of im, waits until
// they all wait, measures, cancels them and times their return.
func measure(n int, im impl, delay time.Duration) (result, error) {
	o := &op{}
	call := im.build(o, delay)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := settled()

	var wg sync.WaitGroup
	var wrong atomic.Int64 // calls that did not end with ctx's error
	for range n {
		wg.Go(func() {
			if err := call(ctx); !errors.Is(err, context.Canceled) {
				wrong.Add(1)
			}
		})
	}
	deadline := time.Now().Add(2 * time.Minute)
	for o.calls.Load() < int64(n) || read().waiting < before.waiting+uint64(n) {
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			return result{}, fmt.Errorf("after 2 minutes, %d of %d loops have tried and %d goroutines wait",
				o.calls.Load(), n, int64(read().waiting)-int64(before.waiting))
		}
		time.Sleep(time.Millisecond)
	}
	after := settled()

	start := time.Now()
	cancel()
	wg.Wait()
	elapsed := time.Since(start)

	if c := o.calls.Load(); c != int64(n) {
		return result{}, fmt.Errorf("%d tries, want one per loop (%d)", c, n)
	}
	if k := wrong.Load(); k > 0 {
		return result{}, fmt.Errorf("%d loops did not return the context's error", k)
	}
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return result{
		heap:     per(after.heap, before.heap),
		stack:    per(after.stack, before.stack),
		cancel:   elapsed,
		newStack: before.newStack,
	}, nil
}

// sample is what the runtime says about memory and goroutines.
type sample struct{ heap, stack, waiting, newStack uint64 }

var names = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/sched/goroutines/waiting:goroutines",
	"/gc/stack/starting-size:bytes",
}

func read() sample {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	return sample{s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64(), s[3].Value.Uint64()}
}

// settled collects the garbage until the stacks stop shrinking, and reads.
func settled() sample {
	runtime.GC()
	s := read()
	for range 10 {
		runtime.GC()
		next := read()
		if next.stack >= s.stack {
			return next
		}
		s = next
	}
	return s
}

// A summary is what one implementation measured over the rounds: the
// medians of its results, and its cancel times as ratios to a baseline's.
type summary struct {
	result
	vsBackoff, vsHand rounds.Spread
}

func report(w io.Writer, n int, res map[string]summary) {
	bo, hand := res[peers.BackoffV4], res[peers.HandLoop]
	total := func(r summary) float64 { return r.heap + r.stack }
	fmt.Fprintf(w, "\n%d waiting loops\n\n", n)
	fmt.Fprintln(w, "| implementation | heap B/loop | stack B/loop | heap+stack | × backoff v4 | × hand loop | cancel → all returned | × backoff v4 | × hand loop | (least–most) | new stack |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, im := range impls {
		r := res[im.name]
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %.2f | %.2f | %v | %.2f | %.2f | %.2f–%.2f | %d |\n",
			im.name, r.heap, r.stack, total(r), total(r)/total(bo), total(r)/total(hand),
			r.cancel.Round(10*time.Microsecond), r.vsBackoff.Median, r.vsHand.Median, r.vsHand.Least, r.vsHand.Most, r.newStack)
	}
}

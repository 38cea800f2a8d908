// Command wakeup measures how late retry loops wake up when many of them wait
// at once: L concurrent loops (1000 by default) each make one call that fails
// W times (20), then succeeds, with a delay of 10ms between tries, on a
// context that can be cancelled but never is. For every wait, the lateness
// is when the next try started, minus when the previous try ended, minus the
// delay: what the loop adds to the wait it was asked for.
//
// The loops start spread evenly over one delay, so that their wake-ups are
// spread too. Each implementation (kaioretry Do, cenkalti/backoff v4 with a
// constant backoff, a hand-written loop with one time.NewTimer per wait) runs
// in turn, in rounds that each start with the next implementation, so that
// the noise of a shared machine falls on all of them alike. The table gives
// the medians of the rounds' p50 and p99, the largest lateness seen, and the
// ratios of each p99 to cenkalti/backoff v4's and to the hand loop's: the
// medians of the ratios within each round, with their least and greatest
// for backoff v4.
//
//	go run ./cmd/wakeup                               # 1000 loops × 20 waits, 9 rounds
//	go run ./cmd/wakeup -loops 50 -waits 3 -rounds 1  # a tiny run, as CI makes
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/kaioretry/retry/benchmarks/internal/peers"
	"github.com/kaioretry/retry/benchmarks/internal/rounds"
)

func main() {
	var c config
	flag.IntVar(&c.loops, "loops", 1000, "concurrent loops")
	flag.IntVar(&c.waits, "waits", 20, "waits of each loop: it fails that many times, then succeeds")
	flag.IntVar(&c.rounds, "rounds", 9, "rounds; each runs every implementation once")
	flag.DurationVar(&c.delay, "delay", 10*time.Millisecond, "the delay between two tries")
	flag.Parse()
	if c.loops < 1 || c.waits < 1 || c.rounds < 1 || c.delay <= 0 {
		fmt.Fprintln(os.Stderr, "wakeup: -loops, -waits, -rounds and -delay must be positive")
		os.Exit(2)
	}
	if err := run(os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "wakeup:", err)
		os.Exit(1)
	}
}

type config struct {
	loops, waits, rounds int
	delay                time.Duration
}

var errFailed = errors.New("operation failed")

// tries is one loop's operation: it fails its first `fail` calls, and
// records when each call started and ended.
type tries struct {
	fail         int
	starts, ends []time.Time
}

func (t *tries) call(context.Context) error {
	t.starts = append(t.starts, time.Now())
	var err error
	if len(t.starts) <= t.fail {
		err = errFailed
	}
	t.ends = append(t.ends, time.Now())
	return err
}

// An impl builds, for a configuration, the loop that retries op: what can be
// shared (a Retrier) is built once.
type impl struct {
	name  string
	build func(c config) func(ctx context.Context, op func(context.Context) error) error
}

var impls = []impl{
	{"kaioretry-Do", loop(peers.KaioretryDo)},
	{peers.BackoffV4, loop(peers.BackoffV4Retry)},
	{peers.HandLoop, loop(peers.Hand)},
}

// loop builds an impl from one of the peers' loops: a call fails c.waits
// times, so it makes c.waits+1 tries.
func loop(newLoop func(tries int, delay time.Duration) peers.Loop) func(c config) func(context.Context, func(context.Context) error) error {
	return func(c config) func(context.Context, func(context.Context) error) error {
		return newLoop(c.waits+1, c.delay)
	}
}

// stats is what one round of one implementation measured.
type stats struct{ p50, p99, max time.Duration }

// A summary is what one implementation measured over the rounds: the
// medians of its p50 and p99, its largest lateness, and its p99s as ratios
// to a baseline's.
type summary struct {
	stats
	vsBackoff, vsHand rounds.Spread
}

// p99 is a round's p99 lateness.
func p99(s stats) float64 { return float64(s.p99) }

func run(w io.Writer, c config) error {
	all := map[string][]stats{}
	for round := range c.rounds {
		for i := range impls {
			im := impls[(i+round)%len(impls)]
			runtime.GC()
			late, err := once(im, c)
			if err != nil {
				return fmt.Errorf("%s: %w", im.name, err)
			}
			slices.Sort(late)
			all[im.name] = append(all[im.name], stats{pct(late, 0.50), pct(late, 0.99), late[len(late)-1]})
		}
	}
	res := map[string]summary{}
	for name, ss := range all {
		res[name] = summary{
			stats: stats{
				p50: time.Duration(rounds.Median(ss, func(s stats) float64 { return float64(s.p50) })),
				p99: time.Duration(rounds.Median(ss, p99)),
				max: slices.MaxFunc(ss, func(a, b stats) int { return cmp.Compare(a.max, b.max) }).max,
			},
			vsBackoff: rounds.Ratios(ss, all[peers.BackoffV4], p99),
			vsHand:    rounds.Ratios(ss, all[peers.HandLoop], p99),
		}
	}
	report(w, c, res)
	return nil
}

// once runs c.loops loops of im at once, and returns the lateness of every
// wait.
func once(im impl, c config) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loop := im.build(c)
	ts := make([]tries, c.loops)
	errs := make([]error, c.loops)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range ts {
		ts[i] = tries{fail: c.waits, starts: make([]time.Time, 0, c.waits+1), ends: make([]time.Time, 0, c.waits+1)}
		at := begin.Add(c.delay * time.Duration(i) / time.Duration(c.loops))
		wg.Go(func() {
			time.Sleep(time.Until(at))
			errs[i] = loop(ctx, ts[i].call)
		})
	}
	wg.Wait()
	late := make([]time.Duration, 0, c.loops*c.waits)
	for i, t := range ts {
		if errs[i] != nil || len(t.starts) != c.waits+1 {
			return nil, fmt.Errorf("loop %d made %d tries and returned %v; want %d tries and nil", i, len(t.starts), errs[i], c.waits+1)
		}
		for j := range c.waits {
			late = append(late, t.starts[j+1].Sub(t.ends[j])-c.delay)
		}
	}
	return late, nil
}

// pct returns the p-th quantile of sorted, by the nearest rank.
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(float64(len(sorted))*p)) - 1
	return sorted[max(i, 0)]
}

func report(w io.Writer, c config, res map[string]summary) {
	fmt.Fprintf(w, "# cmd/wakeup: %s, GOMAXPROCS %d, %d loops × %d waits of %v, medians of rounds: %d\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), c.loops, c.waits, c.delay, c.rounds)
	fmt.Fprintln(w, "| implementation | p50 late | p99 late | max late | p99 × backoff v4 | (least–most) | p99 × hand loop |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|")
	for _, im := range impls {
		s := res[im.name]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f | %.2f–%.2f | %.2f |\n", im.name, µs(s.p50), µs(s.p99), µs(s.max),
			s.vsBackoff.Median, s.vsBackoff.Least, s.vsBackoff.Most, s.vsHand.Median)
	}
}

func µs(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

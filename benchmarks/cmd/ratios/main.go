// Command ratios reads `go test -bench` output (several rounds of the
// benchmarks of this module) and prints, per scenario, each
// implementation's median ns/op and allocs/op with its ratios to the
// baselines measured in the same run, then the performance targets of
// kaioretry, each marked met or missed.
//
//	go test -run '^$' -bench . -count 8 | go run ./cmd/ratios
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	res, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	if len(res) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: no benchmark lines on standard input")
		os.Exit(1)
	}
	report(os.Stdout, res)
}

// sample is what one benchmark line says.
type sample struct{ ns, allocs float64 }

// results maps scenario, then implementation, to every sample of it.
type results map[string]map[string][]sample

// parse reads lines such as
// "BenchmarkFirstTry/kaioretry-Do-2  500000  12.5 ns/op  0 B/op  0 allocs/op".
func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		scenario, name, ok := strings.Cut(strings.TrimPrefix(f[0], "Benchmark"), "/")
		if !ok {
			continue
		}
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		var s sample
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			switch f[i+1] {
			case "ns/op":
				s.ns = v
			case "allocs/op":
				s.allocs = v
			}
		}
		if res[scenario] == nil {
			res[scenario] = map[string][]sample{}
		}
		res[scenario][name] = append(res[scenario][name], s)
	}
	return res, sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// med returns the median ns/op and allocs/op of one implementation.
func (r results) med(scenario, name string) (ns, allocs float64, ok bool) {
	ss, ok := r[scenario][name]
	if !ok {
		return 0, 0, false
	}
	var n, a []float64
	for _, s := range ss {
		n, a = append(n, s.ns), append(a, s.allocs)
	}
	return median(n), median(a), true
}

var scenarios = []string{"FirstTry", "ThreeFailures", "Exhausted", "FourWaits"}

func isPeer(name string) bool {
	switch name {
	case "direct", "handloop", "makefunc-passthrough", "makefunc-retryloop":
		return false
	}
	return !strings.HasPrefix(name, "kaioretry")
}

func report(w io.Writer, r results) {
	for _, sc := range scenarios {
		impls := r[sc]
		if impls == nil {
			continue
		}
		names := make([]string, 0, len(impls))
		for n := range impls {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int {
			na, _, _ := r.med(sc, a)
			nb, _, _ := r.med(sc, b)
			return int(na*1000) - int(nb*1000)
		})
		hand, _, _ := r.med(sc, "handloop")
		direct, _, hasDirect := r.med(sc, "direct")
		fmt.Fprintf(w, "\n%s (medians of %d rounds)\n\n", sc, len(impls["handloop"]))
		fmt.Fprintln(w, "| implementation | ns/op | allocs/op | × hand-written loop | × direct call |")
		fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
		for _, n := range names {
			ns, allocs, _ := r.med(sc, n)
			xd := "—"
			if hasDirect {
				xd = fmt.Sprintf("%.2f", ns/direct)
			}
			fmt.Fprintf(w, "| %s | %s | %g | %.2f | %s |\n", n, formatNs(ns), allocs, ns/hand, xd)
		}
	}
	fmt.Fprintln(w, "\nTargets")
	fmt.Fprintln(w)
	for _, t := range targets(r) {
		mark := "met"
		if !t.met {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "- [%s] %s: %s\n", mark, t.what, t.figure)
	}
}

func formatNs(ns float64) string {
	if ns >= 1000 {
		return fmt.Sprintf("%.2f µs", ns/1000)
	}
	return fmt.Sprintf("%.1f ns", ns)
}

type target struct {
	what, figure string
	met          bool
}

// targets checks the performance targets of kaioretry against r.
func targets(r results) []target {
	var out []target
	ft, ftAllocs, ok1 := r.med("FirstTry", "kaioretry-Decorate")
	pt, ptAllocs, ok2 := r.med("FirstTry", "makefunc-passthrough")
	if ok1 && ok2 {
		out = append(out, target{
			"Decorate, first try: <= 1.15x the MakeFunc pass-through, no more allocs",
			fmt.Sprintf("%.2fx (%s vs %s), %g vs %g allocs", ft/pt, formatNs(ft), formatNs(pt), ftAllocs, ptAllocs),
			ft <= 1.15*pt && ftAllocs <= ptAllocs,
		})
	}
	if tf, _, ok := r.med("ThreeFailures", "kaioretry-Decorate"); ok && ok1 {
		out = append(out, target{
			"Decorate, three failures: below 3x its own first try",
			fmt.Sprintf("%.2fx (%s vs %s)", tf/ft, formatNs(tf), formatNs(ft)),
			tf < 3*ft,
		})
		out = append(out, fasterThanPeers(r, "ThreeFailures", "kaioretry-Decorate"))
	}
	direct, _, _ := r.med("FirstTry", "direct")
	hand3, _, _ := r.med("ThreeFailures", "handloop")
	for _, n := range []string{"kaioretry-Do", "kaioretry-DoValue", "kaioretry-Wrap-fastpath"} {
		first, a1, ok1 := r.med("FirstTry", n)
		three, a3, ok3 := r.med("ThreeFailures", n)
		if !ok1 || !ok3 {
			continue
		}
		out = append(out,
			target{n + ": 0 allocs/op on both scenarios", fmt.Sprintf("%g and %g", a1, a3), a1 == 0 && a3 == 0},
			target{n + ", first try: <= 3x the direct call", fmt.Sprintf("%.2fx (%s vs %s)", first/direct, formatNs(first), formatNs(direct)), first <= 3*direct},
			target{n + ", three failures: <= 3x the hand-written loop", fmt.Sprintf("%.2fx (%s vs %s)", three/hand3, formatNs(three), formatNs(hand3)), three <= 3*hand3},
			fasterThanPeers(r, "FirstTry", n),
			fasterThanPeers(r, "ThreeFailures", n),
		)
	}
	return out
}

func fasterThanPeers(r results, scenario, name string) target {
	ns, _, _ := r.med(scenario, name)
	best, bestName := 0.0, ""
	for peer := range r[scenario] {
		if !isPeer(peer) {
			continue
		}
		if p, _, _ := r.med(scenario, peer); bestName == "" || p < best {
			best, bestName = p, peer
		}
	}
	return target{
		fmt.Sprintf("%s, %s: faster than every peer", name, scenario),
		fmt.Sprintf("%s vs the fastest peer, %s, at %s", formatNs(ns), bestName, formatNs(best)),
		bestName != "" && ns < best,
	}
}

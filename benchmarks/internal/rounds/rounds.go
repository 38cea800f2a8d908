// Package rounds summarises what the programs under cmd/ measure in rounds,
// each of which runs every implementation once: the median of a figure
// over the rounds, and ratios to a baseline taken within each round.
package rounds

import "slices"

// Median returns the median of f over xs, which must not be empty.
func Median[T any](xs []T, f func(T) float64) float64 {
	vs := make([]float64, len(xs))
	for i, x := range xs {
		vs[i] = f(x)
	}
	slices.Sort(vs)
	return median(vs)
}

// A Spread is the median, the least and the greatest of ratios.
type Spread struct{ Median, Least, Most float64 }

// Ratios divides f of each round's xs by f of the baseline's in the same
// round: the load of a shared machine drifts from round to round, and a
// ratio within a round, whose implementations run one after another,
// cancels the drift that a ratio of two medians keeps. xs and baseline
// hold one result per round, in the order of the rounds.
func Ratios[T any](xs, baseline []T, f func(T) float64) Spread {
	rs := make([]float64, len(xs))
	for i := range xs {
		rs[i] = f(xs[i]) / f(baseline[i])
	}
	slices.Sort(rs)
	return Spread{median(rs), rs[0], rs[len(rs)-1]}
}

// median returns the median of sorted.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return sorted[n/2]
}

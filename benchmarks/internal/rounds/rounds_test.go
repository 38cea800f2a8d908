package rounds_test

import (
	"testing"

	"github.com/kaioretry/retry/benchmarks/internal/rounds"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func id(x float64) float64 { return x }

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		assert.Equal(t, tc.want, rounds.Median(tc.xs, id), "%v", tc.xs)
	}
}

// A ratio is taken within a round: a round that is slow for both sides
// gives the same ratio as a fast one.
func TestRatiosPairRounds(t *testing.T) {
	xs := []float64{12, 30, 11}
	base := []float64{10, 20, 10}
	assert.Equal(t, rounds.Spread{Median: 1.2, Least: 1.1, Most: 1.5}, rounds.Ratios(xs, base, id))
}

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const input = `goos: linux
BenchmarkFirstTry/direct-2          	 1000	         2.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkFirstTry/direct-2          	 1000	         4.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkFirstTry/direct-2          	 1000	         3.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkFirstTry/handloop-2        	 1000	         5.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkFirstTry/makefunc-passthrough-2 1000	       500 ns/op	     144 B/op	       6 allocs/op
BenchmarkFirstTry/kaioretry-Decorate-2   1000	       520 ns/op	     144 B/op	       6 allocs/op
BenchmarkFirstTry/kaioretry-Do-2    	 1000	         8.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkFirstTry/peer-2            	 1000	       100 ns/op	      48 B/op	       2 allocs/op
BenchmarkThreeFailures/handloop-2   	 1000	        10 ns/op	       0 B/op	       0 allocs/op
BenchmarkThreeFailures/kaioretry-Decorate-2 1000	      1200 ns/op	     360 B/op	      15 allocs/op
BenchmarkThreeFailures/kaioretry-Do-2	 1000	        25 ns/op	       0 B/op	       0 allocs/op
BenchmarkThreeFailures/peer-2       	 1000	      1000 ns/op	     400 B/op	       9 allocs/op
BenchmarkThreeFailures/makefunc-retryloop-2 1000	       900 ns/op	     368 B/op	      15 allocs/op
PASS
`

func TestParseAndMedians(t *testing.T) {
	r, err := parse(strings.NewReader(input))
	require.NoError(t, err)
	ns, allocs, ok := r.med("FirstTry", "direct")
	require.True(t, ok)
	assert.Equal(t, 3.0, ns, "median of 2, 4, 3")
	assert.Zero(t, allocs)
	ns, allocs, _ = r.med("FirstTry", "kaioretry-Decorate")
	assert.Equal(t, 520.0, ns)
	assert.Equal(t, 6.0, allocs)
	assert.Equal(t, 2.5, median([]float64{3, 1, 2, 4}))
}

func TestTargets(t *testing.T) {
	r, err := parse(strings.NewReader(input))
	require.NoError(t, err)
	got := map[string]bool{}
	for _, tg := range targets(r) {
		got[tg.what] = tg.met
	}
	assert.True(t, got["Decorate, first try: <= 1.15x the MakeFunc pass-through, no more allocs"])
	assert.True(t, got["Decorate, three failures: below 3x its own first try"])
	assert.False(t, got["kaioretry-Decorate, ThreeFailures: faster than every peer"], "1200 ns vs the peer's 1000")
	assert.False(t, isPeer("makefunc-retryloop"), "a baseline, not a peer")
	assert.True(t, got["kaioretry-Do, first try: <= 3x the direct call"], "8 <= 3*3")
	assert.True(t, got["kaioretry-Do, three failures: <= 3x the hand-written loop"])
	assert.True(t, got["kaioretry-Do: 0 allocs/op on both scenarios"])

	var out bytes.Buffer
	report(&out, r)
	assert.Contains(t, out.String(), "| kaioretry-Do | 8.0 ns | 0 | 1.60 | 2.67 |")
	assert.Contains(t, out.String(), "- [MISSED] kaioretry-Decorate, ThreeFailures: faster than every peer: 1.20 µs vs the fastest peer, peer, at 1.00 µs")
}

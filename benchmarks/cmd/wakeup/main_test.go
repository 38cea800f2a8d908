package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestTinyRun is the run CI makes: every implementation makes every try of
// every loop, and gets a row.
func TestTinyRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, config{loops: 50, waits: 3, rounds: 1, delay: 10 * time.Millisecond}))
	assert.Contains(t, out.String(), "50 loops × 3 waits of 10ms")
	for _, im := range impls {
		assert.Contains(t, out.String(), "| "+im.name+" | ")
	}
}

func TestPct(t *testing.T) {
	xs := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	assert.Equal(t, time.Duration(5), pct(xs, 0.50))
	assert.Equal(t, time.Duration(10), pct(xs, 0.99))
	assert.Equal(t, time.Duration(1), pct(xs[:1], 0.99))
}

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

// TestTinyRun is the run CI makes: it checks that every implementation
// waits, returns the context's error when cancelled, and gets a row.
func TestTinyRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, []int{200}, time.Hour, 1))
	assert.Contains(t, out.String(), "200 waiting loops")
	for _, im := range impls {
		assert.Contains(t, out.String(), "| "+im.name+" | ")
	}
}

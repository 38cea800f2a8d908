package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	retry.DefaultLogger.SetOutput(&bytes.Buffer{})
	goleak.VerifyTestMain(m)
}

func TestStructFields(t *testing.T) {
	var stdout, stderr bytes.Buffer
	rec := &waits.Recorder{}
	require.Equal(t, 0, run(&stdout, &stderr, retry.WithSleep(rec.Sleep)))
	assert.Empty(t, stderr.String())
	assert.Equal(t, "current: 21.5°C, err=<nil> (3 calls)\n"+
		"forecast: [20 21 22], err=<nil> (2 calls)\n"+
		"report: err=station unavailable (1 call, not retried)\n", stdout.String())
	assert.Equal(t, []time.Duration{
		20 * time.Millisecond, 40 * time.Millisecond, // Current: its tag
		10 * time.Millisecond, // Forecast: the defaults
	}, rec.Waits())
}

func TestNewWeatherReportsABadOption(t *testing.T) {
	_, err := NewWeather(&station{}, retry.Tries(0))
	require.ErrorIs(t, err, retry.ErrInvalidOption)
}

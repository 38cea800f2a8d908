// Command structfields swaps a client's func fields, at init, for versions
// that retry them: retry.DecorateFields reads each field's `retry` tag for a
// schedule of its own, and leaves fields tagged "-" alone.
//
//	go run ./examples/structfields
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kaioretry/retry"
)

// Weather is a client whose calls are plain func fields, so that they can
// be replaced: by retrying versions at init, by fakes in tests.
type Weather struct {
	// Current retries up to 4 times, waiting 20ms, 40ms, 80ms.
	Current func(ctx context.Context, city string) (float64, error) `retry:"tries=4,delay=20ms,backoff=2,max=100ms"`
	// Forecast uses the schedule given to DecorateFields.
	Forecast func(ctx context.Context, city string, days int) ([]float64, error)
	// Report must not run twice: it is left alone.
	Report func(city string, temp float64) error `retry:"-"`
}

// ErrUnavailable is what the flaky station answers while it warms up.
var ErrUnavailable = errors.New("station unavailable")

// station is a weather backend that fails its first calls.
type station struct {
	currentCalls, forecastCalls, reportCalls int
}

func (s *station) current(_ context.Context, city string) (float64, error) {
	s.currentCalls++
	if s.currentCalls < 3 {
		return 0, ErrUnavailable
	}
	return 21.5, nil
}

func (s *station) forecast(_ context.Context, city string, days int) ([]float64, error) {
	s.forecastCalls++
	if s.forecastCalls < 2 {
		return nil, ErrUnavailable
	}
	out := make([]float64, days)
	for i := range out {
		out[i] = 20 + float64(i)
	}
	return out, nil
}

func (s *station) report(city string, temp float64) error {
	s.reportCalls++
	return ErrUnavailable
}

// NewWeather returns a client of st whose calls retry, by their tags, on
// top of a default of 3 tries 10ms apart.
func NewWeather(st *station, opts ...retry.Option) (*Weather, error) {
	w := &Weather{Current: st.current, Forecast: st.forecast, Report: st.report}
	defaults := []retry.Option{retry.Tries(3), retry.Delay(10 * time.Millisecond), retry.On(ErrUnavailable)}
	if err := retry.DecorateFields(w, append(defaults, opts...)...); err != nil {
		return nil, err
	}
	return w, nil
}

func main() {
	os.Exit(run(os.Stdout, os.Stderr))
}

// run is the whole program; extra options are added last (tests record the
// waits instead of sleeping). It returns the exit code.
func run(stdout, stderr io.Writer, extra ...retry.Option) int {
	st := &station{}
	w, err := NewWeather(st, extra...)
	if err != nil {
		fmt.Fprintln(stderr, "structfields:", err)
		return 1
	}
	ctx := context.Background()

	temp, err := w.Current(ctx, "Lyon")
	fmt.Fprintf(stdout, "current: %.1f°C, err=%v (%d calls)\n", temp, err, st.currentCalls)

	days, err := w.Forecast(ctx, "Lyon", 3)
	fmt.Fprintf(stdout, "forecast: %v, err=%v (%d calls)\n", days, err, st.forecastCalls)

	err = w.Report("Lyon", temp)
	fmt.Fprintf(stdout, "report: err=%v (%d call, not retried)\n", err, st.reportCalls)
	return 0
}

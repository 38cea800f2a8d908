package main

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// small is a storm that a test can afford: it runs in real time, 2 × 500ms.
// Its clients call seldom, so that the run with a budget sends about 24
// requests while the server is down (20 calls and 4 retries), far below
// what the run without one sends even on a slow machine, under -race: its
// calls try up to 10 times each.
var small = config{clients: 10, outage: 200 * time.Millisecond, duration: 500 * time.Millisecond, interval: 100 * time.Millisecond}

func TestTheBudgetCutsTheLoadAndBothRunsRecover(t *testing.T) {
	plain, budgeted, err := compare(small)
	require.NoError(t, err)
	t.Logf("no budget: %+v", plain)
	t.Logf("budget:    %+v", budgeted)

	assert.Less(t, budgeted.downRequests, plain.downRequests, "requests while the server was down")
	assert.True(t, plain.recovered, "the run without a budget had a success after the outage")
	assert.True(t, budgeted.recovered, "the run with a budget had a success after the outage")
	assert.GreaterOrEqual(t, plain.recovery, time.Duration(0))
	assert.GreaterOrEqual(t, budgeted.recovery, time.Duration(0))

	assert.Nil(t, plain.budget)
	assert.Zero(t, plain.gaveUp[retry.StopBudget])
	assert.Positive(t, budgeted.gaveUp[retry.StopBudget], "the budget stopped retries")
	// NewBudget(10, 0.1): the failures take 10 → 9, 8, 7, 6, retried, then
	// 5, not above half: no success comes back during the outage to refill.
	assert.Equal(t, int64(4), budgeted.retries)
}

func TestRunPrintsBothRuns(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-clients", "10", "-outage", "200ms", "-duration", "500ms", "-interval", "100ms"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
	assert.Regexp(t, regexp.MustCompile(`^`+
		`10 clients, each making a call every 100ms for 500ms; the server answers 503 for its first 200ms\.\n\n`+
		` +requests while down  per second  calls +ok  retries  gave up: tries  budget  time to recover\n`+
		` +no budget +\d+ +\d+ +\d+ +\d+ +\d+ +\d+ +0 +[0-9.]+[µm]?s\n`+
		`  NewBudget\(10, 0\.1\) +\d+ +\d+ +\d+ +\d+ +4 +0 +\d+ +[0-9.]+[µm]?s\n`+
		`\n`+
		`the budget cut the load on the failing server \d+\.\d×\n$`), stdout.String())
}

func TestPrintReports(t *testing.T) {
	b, err := retry.NewBudget(10, 0.1)
	require.NoError(t, err)
	plain := report{downRequests: 1500, calls: 590, ok: 470, retries: 1400, recovered: true, recovery: 1234 * time.Microsecond}
	plain.gaveUp[retry.StopTries] = 120
	budgeted := report{budget: b, downRequests: 200, calls: 600, ok: 400, retries: 4, recovered: true, recovery: 60 * time.Microsecond}
	budgeted.gaveUp[retry.StopBudget] = 196

	var out bytes.Buffer
	require.NoError(t, printReports(&out, config{clients: 200, outage: 500 * time.Millisecond, duration: 1500 * time.Millisecond, interval: 250 * time.Millisecond}, plain, budgeted))
	assert.Equal(t, ""+
		"200 clients, each making a call every 250ms for 1.5s; the server answers 503 for its first 500ms.\n"+
		"\n"+
		"                      requests while down  per second  calls   ok  retries  gave up: tries  budget  time to recover\n"+
		"           no budget                 1500        3000    590  470     1400             120       0            1.2ms\n"+
		"  NewBudget(10, 0.1)                  200         400    600  400        4               0     196            100µs\n"+
		"\n"+
		"the budget cut the load on the failing server 7.5×\n", out.String())

	out.Reset()
	plain.recovered, budgeted.downRequests = false, 0
	require.NoError(t, printReports(&out, small, plain, budgeted))
	assert.Contains(t, out.String(), "           no budget                 1500        7500    590  470     1400             120       0            never\n")
	assert.Contains(t, out.String(), "\nthe budget run sent no request while the server was down\n")
}

func TestStormRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-clients", "0"}, "storm: -clients must be in [1, 10000]\n"},
		{[]string{"-outage", "2s", "-duration", "1s"}, "storm: need 0 < -outage < -duration <= 1m\n"},
		{[]string{"-duration", "2m"}, "storm: need 0 < -outage < -duration <= 1m\n"},
		{[]string{"-interval", "0s"}, "storm: -interval must be at least 1ms\n"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(tc.args, &stdout, &stderr), tc.args)
		assert.Equal(t, tc.want, stderr.String(), tc.args)
		assert.Empty(t, stdout.String(), tc.args)
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-clients", "many"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `invalid value "many" for flag -clients`)
}

func TestStormReportsABadOption(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 1, run([]string{"-clients", "1", "-outage", "1ms", "-duration", "2ms"}, &stdout, &stderr, retry.Tries(0)))
	assert.Equal(t, "storm: retry: Tries(0): tries cannot be 0\n", stderr.String())
	assert.Empty(t, stdout.String())
}

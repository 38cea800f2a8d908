package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// result is what one run of the program did.
type result struct {
	code           int
	stdout, stderr string
	waits          []time.Duration
}

// runInBubble runs the program with args in a synctest bubble, its waits
// recorded instead of slept. In the bubble the clock stands still at
// 2000-01-01 00:00:00 UTC (nothing sleeps, and the server's goroutines
// block on the network, which does not advance it): the server's
// Retry-After dates and the client's time.Now agree to the nanosecond, so
// the waits are exact.
func runInBubble(t *testing.T, args ...string) result {
	t.Helper()
	var res result
	synctest.Test(t, func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		rec := &waits.Recorder{}
		res.code = run(args, &stdout, &stderr, retry.WithSleep(rec.Sleep))
		res.stdout, res.stderr, res.waits = stdout.String(), stderr.String(), rec.Waits()
	})
	return res
}

func TestFlakyHTTPWaitsWhatTheServerAsks(t *testing.T) {
	res := runInBubble(t)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Empty(t, res.stderr)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, res.waits,
		"Retry-After: 1, then a date 2s ahead; not the schedule's 50ms and 100ms")
	assert.Equal(t, ""+
		"try #1 failed: HTTP 429 Too Many Requests; waiting 1s (Retry-After: 1)\n"+
		"try #2 failed: HTTP 503 Service Unavailable; waiting 2s (Retry-After: Sat, 01 Jan 2000 00:00:02 GMT)\n"+
		"body: hello after 3 requests\n", res.stdout)
}

func TestFlakyHTTPHeaderValuesFromFlags(t *testing.T) {
	res := runInBubble(t, "-retry-after", "7", "-retry-at", "3s")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Equal(t, []time.Duration{7 * time.Second, 3 * time.Second}, res.waits)
	assert.Equal(t, ""+
		"try #1 failed: HTTP 429 Too Many Requests; waiting 7s (Retry-After: 7)\n"+
		"try #2 failed: HTTP 503 Service Unavailable; waiting 3s (Retry-After: Sat, 01 Jan 2000 00:00:03 GMT)\n"+
		"body: hello after 3 requests\n", res.stdout)
}

func TestFlakyHTTPScheduleGoesOnAfterTheHints(t *testing.T) {
	res := runInBubble(t, "-failures", "4")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Equal(t, []time.Duration{
		time.Second, 2 * time.Second, // the hints replace 50ms and 100ms
		200 * time.Millisecond, 400 * time.Millisecond, // the schedule, as if they had not been there
	}, res.waits)
	assert.Equal(t, ""+
		"try #1 failed: HTTP 429 Too Many Requests; waiting 1s (Retry-After: 1)\n"+
		"try #2 failed: HTTP 503 Service Unavailable; waiting 2s (Retry-After: Sat, 01 Jan 2000 00:00:02 GMT)\n"+
		"try #3 failed: HTTP 503 Service Unavailable; waiting 200ms (schedule)\n"+
		"try #4 failed: HTTP 503 Service Unavailable; waiting 400ms (schedule)\n"+
		"body: hello after 5 requests\n", res.stdout)
}

func TestFlakyHTTPCapsAHintAtMaxDelay(t *testing.T) {
	res := runInBubble(t, "-retry-after", "3600", "-failures", "1")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Equal(t, []time.Duration{10 * time.Second}, res.waits)
	assert.Equal(t, ""+
		"try #1 failed: HTTP 429 Too Many Requests; waiting 10s (Retry-After: 3600)\n"+
		"body: hello after 2 requests\n", res.stdout)
}

func TestFlakyServerOutlastsTheTries(t *testing.T) {
	res := runInBubble(t, "-failures", "9", "-tries", "3")
	assert.Equal(t, 1, res.code)
	assert.Equal(t, "flakyhttp: giving up after 3 tries (reason: tries): the server still answers HTTP 503 Service Unavailable\n", res.stderr)
	assert.Equal(t, ""+
		"try #1 failed: HTTP 429 Too Many Requests; waiting 1s (Retry-After: 1)\n"+
		"try #2 failed: HTTP 503 Service Unavailable; waiting 2s (Retry-After: Sat, 01 Jan 2000 00:00:02 GMT)\n", res.stdout)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, res.waits)
}

var (
	logMsg = regexp.MustCompile(`msg="([^"]*)"`)
	loopID = regexp.MustCompile(`loop=([0-9a-f-]{36})`)
)

func TestFlakyHTTPVerbosePrintsTheLoopsLog(t *testing.T) {
	res := runInBubble(t, "-v")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	// Under go test, package main's functions carry the import path.
	log := strings.ReplaceAll(res.stderr, "github.com/kaioretry/retry/examples/flakyhttp.", "main.")
	var msgs []string
	for _, m := range logMsg.FindAllStringSubmatch(log, -1) {
		msgs = append(msgs, m[1])
	}
	assert.Equal(t, []string{
		"main.fetcher.Get: try #1 failed with *main.StatusError: HTTP 429 Too Many Requests",
		"4 tries remaining",
		"sleeping 1s",
		"main.fetcher.Get: try #2 failed with *main.StatusError: HTTP 503 Service Unavailable",
		"3 tries remaining",
		"sleeping 2s",
	}, msgs, "the log shows the waits as waited, the hints'")

	ids := loopID.FindAllStringSubmatch(log, -1)
	require.Len(t, ids, 6)
	for _, id := range ids {
		assert.Equal(t, ids[0][1], id[1], "one loop id for the call")
	}
	_, err := uuid.Parse(ids[0][1])
	assert.NoError(t, err)
}

func TestFlakyHTTPRejectsBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-tries", "many"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `invalid value "many" for flag -tries`)

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-tries", "0"}, &stdout, &stderr))
	assert.Equal(t, "flakyhttp: retry: Tries(0): tries cannot be 0\n", stderr.String())

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-retry-after", "-1"}, &stdout, &stderr))
	assert.Equal(t, "flakyhttp: -retry-after and -retry-at cannot be negative\n", stderr.String())
	assert.Empty(t, stdout.String())
}

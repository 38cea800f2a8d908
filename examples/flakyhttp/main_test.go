package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
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

var loopID = regexp.MustCompile(`loop=([0-9a-f-]{36})`)

// output returns what run wrote, with package main named as `go run` names
// it: under `go test` its functions carry the import path.
func output(b *bytes.Buffer) string {
	return strings.ReplaceAll(b.String(), "github.com/kaioretry/retry/examples/flakyhttp.", "main.")
}

func TestFlakyServerAnswersOnTheThirdTry(t *testing.T) {
	var stdout, stderr bytes.Buffer
	rec := &waits.Recorder{}
	code := run(nil, &stdout, &stderr, retry.WithSleep(rec.Sleep))
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
	assert.Equal(t, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, rec.Waits(), "Delay(50ms), Backoff(2)")

	out := output(&stdout)
	assert.True(t, strings.HasSuffix(out, "body: hello after 3 requests\n"), out)
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if m := regexp.MustCompile(`msg="([^"]*)"`).FindStringSubmatch(line); m != nil {
			msgs = append(msgs, m[1])
		}
	}
	assert.Equal(t, []string{
		"main.fetcher.Get: try #1 failed with *main.StatusError: HTTP 503 Service Unavailable",
		"4 tries remaining",
		"sleeping 50ms",
		"main.fetcher.Get: try #2 failed with *main.StatusError: HTTP 503 Service Unavailable",
		"3 tries remaining",
		"sleeping 100ms",
	}, msgs)

	ids := loopID.FindAllStringSubmatch(out, -1)
	require.Len(t, ids, 6)
	for _, id := range ids {
		assert.Equal(t, ids[0][1], id[1], "one loop id for the call")
	}
	_, err := uuid.Parse(ids[0][1])
	assert.NoError(t, err)
}

func TestFlakyServerOutlastsTheTries(t *testing.T) {
	var stdout, stderr bytes.Buffer
	rec := &waits.Recorder{}
	code := run([]string{"-failures", "9", "-tries", "3"}, &stdout, &stderr, retry.WithSleep(rec.Sleep))
	assert.Equal(t, 1, code)
	assert.Equal(t, "flakyhttp: giving up after 3 tries: the server still answers HTTP 503 Service Unavailable\n", stderr.String())
	assert.Contains(t, output(&stdout), `msg="main.fetcher.Get: giving up after 3 tries: HTTP 503 Service Unavailable"`)
	assert.NotContains(t, stdout.String(), "body:")
	assert.Len(t, rec.Waits(), 2)
}

func TestFlakyHTTPRejectsBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"-tries", "many"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `invalid value "many" for flag -tries`)

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"-tries", "0"}, &stdout, &stderr))
	assert.Equal(t, "flakyhttp: retry: Tries(0): tries cannot be 0\n", stderr.String())
}

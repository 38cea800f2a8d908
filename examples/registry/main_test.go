package main

import (
	"bytes"
	"context"
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

func TestRegistry(t *testing.T) {
	var stdout, stderr bytes.Buffer
	rec := &waits.Recorder{}
	require.Equal(t, 0, run(&stdout, &stderr, retry.WithSleep(rec.Sleep)))
	assert.Empty(t, stderr.String())
	assert.Equal(t, `registered add    func(int, int) int: runs once, no error result
registered lookup func(context.Context, string) (string, error): cancellable loop
registered join   func(string, ...string) (string, error): synchronous loop
registered watch  func(context.Context) <-chan main.Event: async loop
refused: register "answer": retry: not a function: int
add[2 3] = [5], err=<nil> (1 calls)
lookup[key] = [KEY], err=<nil> (3 calls)
join[- a b c] = [a-b-c], err=<nil> (1 calls)
watch[] = [{deployed <nil>}], err=<nil> (2 calls)
add[two 3]: error: call "add": argument 0: string does not convert to int
`, stdout.String())
	assert.Equal(t, []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}, rec.Waits(), "lookup waited twice, watch once")
}

func TestRegistryCallErrors(t *testing.T) {
	g := NewRegistry(retry.Must(retry.New(retry.Tries(2))))
	require.NoError(t, g.Register("inc", func(x int) (int, error) { return x + 1, nil }))
	ctx := context.Background()
	_, err := g.Call(ctx, "nope")
	assert.EqualError(t, err, `call "nope": no such handler`)
	_, err = g.Call(ctx, "inc")
	assert.EqualError(t, err, `call "inc": 0 arguments for func(int) (int, error)`)
	_, err = g.Call(ctx, "inc", 1, 2)
	assert.EqualError(t, err, `call "inc": too many arguments for func(int) (int, error)`)
	res, err := g.Call(ctx, "inc", int8(4))
	require.NoError(t, err)
	assert.Equal(t, []any{5}, res)
}

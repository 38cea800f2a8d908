package retry

import (
	"context"
	"os"
	"os/exec"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type myContext context.Context

func TestInspect(t *testing.T) {
	c := &counter{}
	tests := []struct {
		name string
		fn   any
		want Shape // Type is filled in from fn
		loop string
	}{
		{"no params, no results", func() {}, Shape{ErrorResult: -1}, "synchronous loop"},
		{"error", func() error { return nil }, Shape{ErrorResult: 0}, "synchronous loop"},
		{"ctx first", func(context.Context, int) (int, error) { return 0, nil }, Shape{Context: true, ErrorResult: 1}, "cancellable loop"},
		{"ctx not first", func(int, context.Context) error { return nil }, Shape{ErrorResult: 0}, "synchronous loop"},
		{"named context type", func(myContext) error { return nil }, Shape{ErrorResult: 0}, "synchronous loop"},
		{"variadic", func(string, ...any) (string, error) { return "", nil }, Shape{Variadic: true, ErrorResult: 1}, "synchronous loop"},
		//lint:ignore ST1008 the signature under test puts error first on purpose
		{"error not last", func() (error, int) { return nil, 0 }, Shape{ErrorResult: -1}, "synchronous loop"},
		{"concrete error type", func() *optionError { return nil }, Shape{ErrorResult: -1}, "synchronous loop"},
		{"receive channel", func() <-chan int { return nil }, Shape{ErrorResult: -1, Async: true}, "async loop"},
		{"bidirectional channel", func() chan error { return nil }, Shape{ErrorResult: -1, Async: true}, "async loop"},
		{"send-only channel", func() chan<- int { return nil }, Shape{ErrorResult: -1}, "synchronous loop"},
		{"channel and error", func() (<-chan int, error) { return nil, nil }, Shape{ErrorResult: 1}, "synchronous loop"},
		{"ctx and channel", func(context.Context) <-chan error { return nil }, Shape{Context: true, ErrorResult: -1, Async: true}, "async loop"},
		{"method value", c.Add, Shape{ErrorResult: 1}, "synchronous loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Inspect(tt.fn)
			require.NoError(t, err)
			tt.want.Type = reflect.TypeOf(tt.fn)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want.Async, IsAsync(tt.fn))
			assert.Equal(t, reflect.TypeOf(tt.fn).String()+": "+tt.loop, got.String())
		})
	}
}

func TestIsAsyncOnNonFunctions(t *testing.T) {
	for _, v := range []any{nil, 3, "func", (func() <-chan int)(nil), make(chan int)} {
		assert.False(t, IsAsync(v), "%#v", v)
	}
	assert.Equal(t, "<no function>", Shape{}.String())
}

// A panic in a channel function without RetryPanics cannot go up the
// caller's stack: it is raised again on the loop's goroutine, so it crashes
// the program instead of being swallowed. The test runs that in a child
// process and reads its stderr.
func TestAsyncChannelPanicIsRaisedOnTheLoopGoroutine(t *testing.T) {
	switch os.Getenv("RETRY_TEST_CRASH") {
	case "plain":
		d := Decorate(func() <-chan int { panic("boom from the channel function") }, Tries(3)).(func() <-chan int)
		<-d()
		return
	case "cancelled":
		// Under RetryPanics, a last try that panicked is raised again even
		// when the context ends the loop during the wait that follows.
		ctx, cancel := context.WithCancel(context.Background())
		d := Decorate(func(context.Context) <-chan error { cancel(); panic("boom before the cancel") }, RetryPanics(), Tries(3)).(func(context.Context) <-chan error)
		<-d(ctx)
		return
	}
	for _, mode := range []string{"plain", "cancelled"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAsyncChannelPanicIsRaisedOnTheLoopGoroutine$")
		cmd.Env = append(os.Environ(), "RETRY_TEST_CRASH="+mode)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s: the child should crash: %s", mode, out)
		assert.Contains(t, string(out), "panic: boom", mode)
		assert.Contains(t, string(out), "(*chanLoop).run", mode)
	}
}

package retry_test

import (
	"io"
	"os"
	"os/exec"
	"reflect"
	"testing"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The tests use the package as its callers do: through its public API only,
// so that a rewrite of the internals breaks no test that it does not break
// for callers too.

func TestMain(m *testing.M) {
	// Retriers log their failures at Warn, which DefaultLogger writes; tests
	// that look at entries give a Logger of their own.
	retry.DefaultLogger.SetOutput(io.Discard)
	goleak.VerifyTestMain(m)
}

// quietLogger writes nothing, and has every level the library logs at
// disabled: failures are not even formatted.
func quietLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.ErrorLevel)
	return l
}

// fast is a Retrier with a few tries whose waits are recorded, not waited,
// for tests that only count.
func fast(t *testing.T, opts ...retry.Option) *retry.Retrier {
	t.Helper()
	r, err := retry.New(append([]retry.Option{retry.Tries(5), retry.WithSleep((&waits.Recorder{}).Sleep)}, opts...)...)
	require.NoError(t, err)
	return r
}

// noWait is a WithSleep option that records its waits in a Recorder nobody
// reads: for tests that do not look at the waits.
func noWait() retry.ScheduleOption {
	return retry.WithSleep((&waits.Recorder{}).Sleep)
}

// callValues calls fn through reflection, as a caller of any signature would.
func callValues(fn any, args ...any) []any {
	v := reflect.ValueOf(fn)
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		if a == nil {
			in[i] = reflect.Zero(v.Type().In(i))
		} else {
			in[i] = reflect.ValueOf(a)
		}
	}
	var out []reflect.Value
	if v.Type().IsVariadic() && len(in) == v.Type().NumIn() && in[len(in)-1].Kind() == reflect.Slice {
		out = v.CallSlice(in)
	} else {
		out = v.Call(in)
	}
	res := make([]any, len(out))
	for i, o := range out {
		res[i] = o.Interface()
	}
	return res
}

// sent returns a channel that holds v and is closed.
func sent[T any](v T) <-chan T {
	ch := make(chan T, 1)
	ch <- v
	close(ch)
	return ch
}

// closedEmpty returns a channel closed with no value.
func closedEmpty[T any]() <-chan T {
	ch := make(chan T)
	close(ch)
	return ch
}

// drain reads ch until it is closed.
func drain[T any](ch <-chan T) []T {
	var got []T
	for v := range ch {
		got = append(got, v)
	}
	return got
}

// messages returns the messages of the entries a test hook holds, in order.
func messages(hook *test.Hook) []string {
	var msgs []string
	for _, e := range hook.AllEntries() {
		msgs = append(msgs, e.Message)
	}
	return msgs
}

// tempError is an error type of the tests' own, for OnType and for the
// error type that log entries name.
type tempError struct{ msg string }

func (e *tempError) Error() string { return e.msg }

// childEnv is set, to "<test name>/<mode>", in a child process that a test
// starts to watch what would crash or hang the test binary itself.
const childEnv = "RETRY_TEST_CHILD"

// childMode returns the mode this process runs test t in as a child, or ""
// in the parent.
func childMode(t *testing.T) string {
	v := os.Getenv(childEnv)
	if len(v) <= len(t.Name()) || v[:len(t.Name())+1] != t.Name()+"/" {
		return ""
	}
	return v[len(t.Name())+1:]
}

// runChild runs test t again in a child process, in the given mode, and
// returns its combined output and its error (nil when it exited 0).
func runChild(t *testing.T, mode string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name()+"/"+mode)
	return cmd.CombinedOutput()
}

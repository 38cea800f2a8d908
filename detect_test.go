package retry_test

import (
	"context"
	"net"
	"reflect"
	"testing"

	"github.com/kaioretry/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type myContext context.Context

// assertShape compares the fields of a Shape one by one, so that a field
// added later does not break the comparison of these.
func assertShape(t *testing.T, want, got retry.Shape) {
	t.Helper()
	assert.Equal(t, want.Type, got.Type, "Type")
	assert.Equal(t, want.Context, got.Context, "Context")
	assert.Equal(t, want.Variadic, got.Variadic, "Variadic")
	assert.Equal(t, want.ErrorResult, got.ErrorResult, "ErrorResult")
	assert.Equal(t, want.Async, got.Async, "Async")
}

func TestInspect(t *testing.T) {
	c := &counter{}
	tests := []struct {
		name string
		fn   any
		want retry.Shape // Type is filled in from fn
		loop string      // what String names; "" for a signature that cannot fail (TestShapeStringOfASignatureThatCannotFail)
	}{
		{"no params, no results", func() {}, retry.Shape{ErrorResult: -1}, ""},
		{"error", func() error { return nil }, retry.Shape{ErrorResult: 0}, "synchronous loop"},
		{"ctx first", func(context.Context, int) (int, error) { return 0, nil }, retry.Shape{Context: true, ErrorResult: 1}, "cancellable loop"},
		{"ctx not first", func(int, context.Context) error { return nil }, retry.Shape{ErrorResult: 0}, "synchronous loop"},
		{"named context type", func(myContext) error { return nil }, retry.Shape{ErrorResult: 0}, "synchronous loop"},
		{"variadic", func(string, ...any) (string, error) { return "", nil }, retry.Shape{Variadic: true, ErrorResult: 1}, "synchronous loop"},
		//lint:ignore ST1008 the signature under test puts error first on purpose
		{"error not last", func() (error, int) { return nil, 0 }, retry.Shape{ErrorResult: -1}, ""},
		{"concrete error type", func() *myErr { return nil }, retry.Shape{ErrorResult: -1}, ""},
		{"receive channel", func() <-chan int { return nil }, retry.Shape{ErrorResult: -1, Async: true}, "async loop"},
		{"bidirectional channel", func() chan error { return nil }, retry.Shape{ErrorResult: -1, Async: true}, "async loop"},
		{"send-only channel", func() chan<- int { return nil }, retry.Shape{ErrorResult: -1}, ""},
		{"channel and error", func() (<-chan int, error) { return nil, nil }, retry.Shape{ErrorResult: 1}, "synchronous loop"},
		{"ctx and channel", func(context.Context) <-chan error { return nil }, retry.Shape{Context: true, ErrorResult: -1, Async: true}, "async loop"},
		{"method value", c.Add, retry.Shape{ErrorResult: 1}, "synchronous loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := retry.Inspect(tt.fn)
			require.NoError(t, err)
			tt.want.Type = reflect.TypeOf(tt.fn)
			assertShape(t, tt.want, got)
			assert.Equal(t, tt.want.Async, retry.IsAsync(tt.fn))
			if tt.loop != "" {
				assert.Equal(t, reflect.TypeOf(tt.fn).String()+": "+tt.loop, got.String())
			}
		})
	}
}

func TestIsAsyncOnNonFunctions(t *testing.T) {
	for _, v := range []any{nil, 3, "func", (func() <-chan int)(nil), make(chan int)} {
		assert.False(t, retry.IsAsync(v), "%#v", v)
	}
	assert.Equal(t, "<no function>", retry.Shape{}.String())
}

// The error result is a last result of type error or of any interface type
// that implements error; a concrete error type is data.
func TestInspectErrorResultOfInterfaceTypes(t *testing.T) {
	tests := []struct {
		name string
		fn   any
		want int
	}{
		{"net.Error", func() net.Error { return nil }, 0},
		{"int, net.Error", func() (int, net.Error) { return 0, nil }, 1},
		{"ctx first, interface{ error; Temporary() bool }", func(context.Context) (string, interface {
			error
			Temporary() bool
		}) {
			return "", nil
		}, 1},
		{"*myErr is data", func() (int, *myErr) { return 0, nil }, -1},
		{"fmt.Stringer is not an error", func() (int, interface{ String() string }) { return 0, nil }, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := retry.Inspect(tt.fn)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.ErrorResult)
		})
	}
}

// A Shape whose function cannot fail (no error result) says that it runs
// once, instead of naming a loop.
func TestShapeStringOfASignatureThatCannotFail(t *testing.T) {
	s, err := retry.Inspect(func() int { return 0 })
	require.NoError(t, err)
	assert.Equal(t, "func() int: runs once, no error result", s.String())
	for _, fn := range []any{
		func() {},
		func() (error, int) { return nil, 0 }, //lint:ignore ST1008 error first on purpose
		func() *myErr { return nil },
		func() chan<- int { return nil },
	} {
		s, err := retry.Inspect(fn)
		require.NoError(t, err)
		assert.Contains(t, s.String(), ": runs once", "%v", s.Type)
	}
}

package retry

import (
	"context"
	"fmt"
	"reflect"
)

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// A Shape is what a function's signature tells the retry loops: it is read
// once, when a function is decorated, and kept.
type Shape struct {
	// Type is the function's type.
	Type reflect.Type

	// Context is true when the first parameter is exactly context.Context:
	// Decorate then picks a loop whose waits stop when that context is done.
	Context bool

	// Variadic is true when the last parameter is a ...T.
	Variadic bool

	// ErrorResult is the index of the error result, or -1 when there is
	// none: the last result, when its type is error or another interface
	// type that implements error (net.Error). A concrete type such as
	// *MyErr is ordinary data, since a typed nil would look like a failure.
	ErrorResult int

	// Async is true when the function's only result is a channel that can be
	// received from (<-chan T or chan T): KaioRetry's is_func_async. Decorate
	// then picks the async loop.
	Async bool
}

// Inspect reads fn's signature. It returns an error wrapping [ErrNotFunc] when
// fn is nil, a nil func value, or not a function; [Retrier.Decorate] panics
// with that same error.
func Inspect(fn any) (Shape, error) {
	if fn == nil {
		return Shape{}, &notFuncError{what: "<nil>"}
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return Shape{}, &notFuncError{what: v.Type().String()}
	}
	if v.IsNil() {
		return Shape{}, &notFuncError{what: "nil " + v.Type().String()}
	}
	return shapeOf(v.Type()), nil
}

// IsAsync reports whether fn is a function whose only result is a channel
// that can be received from, the Go analogue of KaioRetry's
// Retry.is_func_async. It is false for nil and for non-functions.
func IsAsync(fn any) bool {
	s, err := Inspect(fn)
	return err == nil && s.Async
}

func shapeOf(t reflect.Type) Shape {
	s := Shape{Type: t, Variadic: t.IsVariadic(), ErrorResult: -1}
	s.Context = t.NumIn() > 0 && t.In(0) == contextType
	if n := t.NumOut(); n > 0 && isErrorType(t.Out(n-1)) {
		s.ErrorResult = n - 1
	}
	if t.NumOut() == 1 {
		out := t.Out(0)
		s.Async = out.Kind() == reflect.Chan && out.ChanDir()&reflect.RecvDir != 0
	}
	return s
}

// isErrorType reports whether a result of type t is an error result: an
// interface type that implements error.
func isErrorType(t reflect.Type) bool {
	return t.Kind() == reflect.Interface && t.Implements(errorType)
}

// loop names the loop that Decorate picks for this shape, or says that the
// function runs once.
func (s Shape) loop() string {
	switch {
	case s.Async:
		return "async loop"
	case s.ErrorResult < 0:
		return "runs once, no error result"
	case s.Context:
		return "cancellable loop"
	default:
		return "synchronous loop"
	}
}

// String describes the signature and the loop that Decorate picks for it,
// as in "func(context.Context, int) (int, error): cancellable loop", or
// says that it runs once, as in "func() int: runs once, no error result"
// (unless RetryPanics or IfResult give it a way to fail).
func (s Shape) String() string {
	if s.Type == nil {
		return "<no function>"
	}
	return fmt.Sprintf("%v: %s", s.Type, s.loop())
}

// results returns the types that an IfResult predicate takes: the
// non-error results, or the element of the channel a channel function
// returns.
func (s Shape) results() []reflect.Type {
	t := s.Type
	if s.Async {
		return []reflect.Type{t.Out(0).Elem()}
	}
	n := t.NumOut()
	if s.ErrorResult >= 0 {
		n--
	}
	out := make([]reflect.Type, n)
	for i := range out {
		out[i] = t.Out(i)
	}
	return out
}

// notFuncError reports a value that cannot be decorated. It matches
// ErrNotFunc with errors.Is.
type notFuncError struct{ what string }

func (e *notFuncError) Error() string { return "retry: not a function: " + e.what }

// Is reports whether target is ErrNotFunc.
func (e *notFuncError) Is(target error) bool { return target == ErrNotFunc }

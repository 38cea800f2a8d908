package retry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// ErrInvalidOption is wrapped by every error that a bad option or a bad
// `retry:"..."` struct tag causes. The wrapping error's message names the
// option and the value, as in "retry: Tries(0): tries cannot be 0".
var ErrInvalidOption = errors.New("retry: invalid option")

// ErrNotFunc is wrapped by the error (or the panic value) that results from
// decorating something that is not a usable function: nil, a nil func value,
// or a value of another kind. The message names the type that was given.
var ErrNotFunc = errors.New("retry: not a function")

// optionError reports one invalid option, or two options that cannot be
// combined. It matches ErrInvalidOption with errors.Is.
type optionError struct {
	option string // the option as written, e.g. "Tries(0)"
	reason string
}

func (e *optionError) Error() string { return "retry: " + e.option + ": " + e.reason }

// Is reports whether target is ErrInvalidOption.
func (e *optionError) Is(target error) bool { return target == ErrInvalidOption }

// joinErrors returns nil for no error, the error itself for one, and
// errors.Join of them for several: a caller with a single problem gets that
// problem's own error.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func invalidOption(option, format string, args ...any) error {
	return &optionError{option: option, reason: fmt.Sprintf(format, args...)}
}

// ErrPanic is matched (errors.Is) by every [*PanicError].
var ErrPanic = errors.New("retry: panic")

// A PanicError carries a panic that was recovered where it could not go up
// the caller's stack: in the goroutine of [Retrier.Async] on a regular
// function, it is delivered in [Outcome].Err.
type PanicError struct {
	Value any    // the value given to panic
	Stack []byte // the stack of the panicking goroutine, as debug.Stack shows it
}

// Error describes the panic by its value, as in "retry: panic: boom".
func (e *PanicError) Error() string { return fmt.Sprintf("retry: panic: %v", e.Value) }

// Is reports whether target is ErrPanic.
func (e *PanicError) Is(target error) bool { return target == ErrPanic }

// Unwrap returns the panic value when it is an error, so that errors.Is and
// errors.As see through the panic to it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Permanent marks err as not to be retried, whatever the filters say: the
// loop ends at once and the caller gets err itself, with this wrapper
// removed. It stays permanent when wrapped further (fmt.Errorf with %w).
// errors.Is(Permanent(err), err) holds; Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	permanentUsed.Store(true)
	return &permanentError{err: err}
}

// permanentUsed is set by the first call of Permanent: until then no error
// can be permanent, and the loops skip the walk of each failure's tree.
var permanentUsed atomic.Bool

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// holdsPermanent reports whether err's tree holds a Permanent error. It
// walks the tree as errors.As does, but without As methods: only this
// package makes a *permanentError, so no other type can claim to be one.
// Until Permanent is first called (permanentUsed), no error can hold one,
// and the loop does not ask.
func holdsPermanent(err error) bool {
	for {
		switch e := err.(type) {
		case *permanentError:
			return true
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if holdsPermanent(inner) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
}

// stripPermanent removes a top-level Permanent wrapper.
func stripPermanent(err error) error {
	if p, ok := err.(*permanentError); ok {
		return p.err
	}
	return err
}

// A stoppedError is what a call gets when its loop was stopped before its
// tries ran out: by its context, or by an error of the sleep function. It
// matches the stop, the context's cause and the last failure. It is the
// first field of the stopped loop, filled as the loop goes: nothing is
// built when the loop stops, and its message is made when read.
type stoppedError struct {
	stop  error           // ctx.Err(), context.DeadlineExceeded, or the sleep's error
	ctx   context.Context // whose cause is read when asked
	last  error           // the last failure; may be nil
	tries int
}

// cause returns ctx's cause when it says more than the stop; nil otherwise.
func (e *stoppedError) cause() error {
	if c := context.Cause(e.ctx); c != e.stop {
		return c
	}
	return nil
}

func (e *stoppedError) Error() string {
	var b strings.Builder
	b.WriteString("retry: stopped after ")
	b.WriteString(strconv.Itoa(e.tries))
	if e.tries == 1 {
		b.WriteString(" try: ")
	} else {
		b.WriteString(" tries: ")
	}
	b.WriteString(e.stop.Error())
	if cause := e.cause(); cause != nil {
		b.WriteString(" (cause: " + cause.Error() + ")")
	}
	if e.last != nil {
		b.WriteString(" (last error: " + e.last.Error() + ")")
	}
	return b.String()
}

// Is reports whether target matches the stop, the last failure or ctx's
// cause. The cause is read last, only for a target that the others do not
// match: reading it locks ctx, and every loop that one cancellation stopped
// may ask errors.Is(err, context.Canceled) at once.
func (e *stoppedError) Is(target error) bool {
	if errors.Is(e.stop, target) || e.last != nil && errors.Is(e.last, target) {
		return true
	}
	cause := e.cause()
	return cause != nil && errors.Is(cause, target)
}

// As finds target in ctx's cause (the stop and the last failure are found
// through Unwrap).
func (e *stoppedError) As(target any) bool {
	cause := e.cause()
	return cause != nil && errors.As(cause, target)
}

// Unwrap returns the stop and the last failure, for errors.Is and
// errors.As.
func (e *stoppedError) Unwrap() []error {
	if e.last == nil {
		return []error{e.stop}
	}
	return []error{e.stop, e.last}
}

// errGoexit is what Async delivers when the function called
// runtime.Goexit: there is no panic value to report.
var errGoexit = errors.New("retry: the function called runtime.Goexit")

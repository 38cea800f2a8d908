package retry

import (
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/sirupsen/logrus"
)

// run drives one call's loop: it calls try until it succeeds, fails in a way
// that is not retried, or the loop ends. fn is the decorated function, named
// in log entries only when an entry is written.
//
// It returns the value and error of the final try. When the loop was stopped
// (l.err != nil) the value is zero and the error matches both the stop's
// cause and the last failure. When the final try panicked (RetryPanics), p
// holds the panic and the caller raises it again or delivers it. A panic
// without RetryPanics is not recovered: it goes up through run untouched.
func run[T any](l *loop, r *Retrier, fn any, try func() (T, error)) (v T, p *PanicError, err error) {
	var last error
	for l.next() {
		v, p, err = attempt(r.panics, try)
		switch {
		case p != nil:
			r.logFailure(l, fn, p)
			continue
		case err == nil:
			r.logSuccess(l, fn)
			return v, nil, nil
		case !r.retryable(err):
			return v, nil, err
		}
		last = err
		r.logFailure(l, fn, err)
	}
	if l.err != nil {
		var zero T
		return zero, p, stoppedError(l.err, last, l.tried)
	}
	if p != nil {
		r.logGiveUp(l, fn, p)
	} else {
		r.logGiveUp(l, fn, err)
	}
	return v, p, err
}

// attempt makes one try, recovering a panic when panics is set.
func attempt[T any](panics bool, try func() (T, error)) (v T, p *PanicError, err error) {
	if !panics {
		v, err = try()
		return v, nil, err
	}
	done := false
	defer func() {
		if !done {
			p = &PanicError{Value: recover(), Stack: debug.Stack()}
		}
	}()
	v, err = try()
	done = true
	return v, nil, err
}

func (r *Retrier) logFailure(l *loop, fn any, err error) {
	if l.s.log.enabled(logrus.WarnLevel) {
		l.s.log.with(&l.id).Warnf("%s: try #%d failed with %T: %v", funcName(fn), l.tried, err, err)
	}
}

func (r *Retrier) logGiveUp(l *loop, fn any, err error) {
	if l.s.log.enabled(logrus.WarnLevel) {
		l.s.log.with(&l.id).Warnf("%s: giving up after %d tries: %v", funcName(fn), l.tried, err)
	}
}

func (r *Retrier) logSuccess(l *loop, fn any) {
	if l.s.log.enabled(logrus.DebugLevel) {
		l.s.log.with(&l.id).Debugf("%s: succeeded at try #%d", funcName(fn), l.tried)
	}
}

// funcName is the name the runtime knows fn, a func value, by: "main.fetch",
// "main.main.func1" for a closure, "main.(*T).Get" for a method value (the
// compiler's "-fm" suffix removed).
func funcName(fn any) string {
	if f := runtime.FuncForPC(funcPC(fn)); f != nil {
		return strings.TrimSuffix(f.Name(), "-fm")
	}
	return "?"
}

// funcPC returns the entry PC of the func value held in fn, as
// reflect.Value.Pointer does. It reads the value instead of handing it to
// reflect, which would make fn escape: a closure given to Do would then be
// moved to the heap on every call, for the sake of a log entry that is
// seldom written. A func value is a pointer to a block whose first word is
// the code pointer, and an interface holds that pointer as its data word.
func funcPC(fn any) uintptr {
	type eface struct{ typ, data unsafe.Pointer }
	data := (*eface)(unsafe.Pointer(&fn)).data
	if data == nil {
		return 0
	}
	return *(*uintptr)(data)
}

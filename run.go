package retry

import (
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/sirupsen/logrus"
)

// run drives one call's loop: it calls try(ctx) until it succeeds, fails in
// a way that is not retried, or the loop ends. A caller whose function has
// results besides the error captures them in try: after run they are those
// of the final try. fn is the decorated function, named in log entries only
// when an entry is written.
//
// It returns the error of the final try. When the loop was stopped
// (l.err != nil) the error matches both the stop's cause and the last
// failure, and the caller returns zero values. When the final try panicked
// (RetryPanics), p holds the panic for the caller to deliver, or, when raise
// is set, run raises it again itself and removes a top-level Permanent
// wrapper from the error, as a typed caller needs. A panic without
// RetryPanics is not recovered: it goes up through run untouched.
//
// This is the hot path of every call: what it calls for logging is inlined
// down to a level check, and the entries are written out of line.
func run(l *loop, r *Retrier, fn any, ctx context.Context, try func(context.Context) error, raise bool) (p *PanicError, err error) {
	if !l.begin() {
		return nil, l.err // fn is not called when ctx is already done
	}
	// The first try, on its own: a call that succeeds at once never enters
	// the loop.
	if r.panics {
		p, err = recovering(ctx, try)
	} else {
		err = try(ctx)
	}
	if p == nil && err == nil {
		if l.logs(logrus.DebugLevel) {
			logSuccess(l, fn)
		}
		return nil, nil
	}
	p, err = retryFrom(l, r, fn, ctx, try, p, err)
	if raise {
		if p != nil {
			panic(p.Value)
		}
		err = stripPermanent(err)
	}
	return p, err
}

// retryFrom judges a try that did not succeed, then tries again until a try
// succeeds, fails in a way that is not retried, or the loop ends.
func retryFrom(l *loop, r *Retrier, fn any, ctx context.Context, try func(context.Context) error, p *PanicError, err error) (*PanicError, error) {
	var last error
	for {
		switch {
		case p != nil:
			if l.logs(logrus.WarnLevel) {
				logFailure(l, fn, p)
			}
		case err == nil:
			if l.logs(logrus.DebugLevel) {
				logSuccess(l, fn)
			}
			return nil, nil
		case !r.retryable(err):
			return nil, err
		default:
			last = err
			if l.logs(logrus.WarnLevel) {
				logFailure(l, fn, err)
			}
		}
		if !l.again() {
			break
		}
		if r.panics {
			p, err = recovering(ctx, try)
		} else {
			err = try(ctx)
		}
	}
	if l.err != nil {
		return p, stoppedError(l.err, last, l.tried)
	}
	if l.logs(logrus.WarnLevel) {
		if p != nil {
			logGiveUp(l, fn, p)
		} else {
			logGiveUp(l, fn, err)
		}
	}
	return p, err
}

// recovering makes one try, recovering a panic into p.
func recovering(ctx context.Context, try func(context.Context) error) (p *PanicError, err error) {
	done := false
	defer func() {
		if !done {
			p = &PanicError{Value: recover(), Stack: debug.Stack()}
		}
	}()
	err = try(ctx)
	done = true
	return nil, err
}

// The entries a Retrier writes. Callers check the level first, with
// l.logs, which is inlined: a disabled entry costs one load and a compare.

func logFailure(l *loop, fn any, err error) {
	l.s.log.with(&l.id).Warnf("%s: try #%d failed with %T: %v", funcName(fn), l.tried, err, err)
}

func logGiveUp(l *loop, fn any, err error) {
	l.s.log.with(&l.id).Warnf("%s: giving up after %d tries: %v", funcName(fn), l.tried, err)
}

func logSuccess(l *loop, fn any) {
	l.s.log.with(&l.id).Debugf("%s: succeeded at try #%d", funcName(fn), l.tried)
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

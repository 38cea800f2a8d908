package retry

import (
	"context"
	"fmt"
)

// loopKind is what the caller asked for: the loop that the signature calls
// for (Decorate), the blocking one (Sync), or one on its own goroutine
// (Async).
type loopKind int

const (
	pickLoop loopKind = iota
	syncLoop
	asyncLoop
)

// Decorate returns a function of exactly fn's type that retries fn, with the
// loop that fn's signature calls for (see [Shape]):
//
//   - fn's only result is a receive channel: the async loop, as [Retrier.Async];
//   - fn's first parameter is a context.Context: a loop whose waits end when
//     that context is done, and which then returns zero values and an error
//     matching the context's error, its cause and the last failure;
//   - anything else, variadic functions and method values included: the
//     synchronous loop, as [Retrier.Sync].
//
// A function that cannot fail (no error result, and neither [RetryPanics]
// nor [IfResult]) is returned as it is: it runs once. Decorate panics with
// an error wrapping [ErrNotFunc] when fn is nil, a nil func, or not a
// function, and with one wrapping [ErrInvalidOption] when an option does
// not fit fn ([AttemptTimeout] without a context parameter, an [IfResult]
// predicate that cannot take fn's results): like regexp.MustCompile, it is
// meant for init time.
func (r *Retrier) Decorate(fn any) any {
	return r.decorate(fn, pickLoop)
}

// Sync returns a function of exactly fn's type that retries fn in a blocking
// loop. A context.Context parameter is passed through to fn but not
// watched: the loop's waits do not end early. On a function that returns a
// channel, the loop runs in the caller's goroutine, and the returned
// channel already holds the final value.
func (r *Retrier) Sync(fn any) any {
	return r.decorate(fn, syncLoop)
}

// Async returns a function that runs the retry loop on its own goroutine and
// returns at once. The loop waits with fn's context when fn's first
// parameter is a context.Context.
//
// When fn's only result is a receive channel of T, the result has fn's type.
// Each try calls fn and takes one value from its channel. A try fails when
// the channel is closed with no value (always retried), or when the value is
// a non-nil error, has a non-nil field Err of type error, or has an Err()
// error method that returns non-nil. The returned channel gets the value of
// the successful or last try, then is closed; it is closed with no value
// when no try gave one, or when the context ended the loop (unless T is
// error: then it gets an error matching the context's and the last one).
//
// Any other fn gets the same parameters and one result, a <-chan [Outcome]
// that receives the final results, then is closed. A panic that is not
// retried is delivered there as a [*PanicError].
//
// The loop's goroutine ends with the loop, whether or not the channel is
// read.
func (r *Retrier) Async(fn any) any {
	return r.decorate(fn, asyncLoop)
}

// Decorate is New(opts...) followed by [Retrier.Decorate]. It panics when an
// option is invalid, with the error New would return.
func Decorate(fn any, opts ...Option) any { return Must(New(opts...)).Decorate(fn) }

// Sync is New(opts...) followed by [Retrier.Sync]. It panics when an option
// is invalid, with the error New would return.
func Sync(fn any, opts ...Option) any { return Must(New(opts...)).Sync(fn) }

// Async is New(opts...) followed by [Retrier.Async]. It panics when an
// option is invalid, with the error New would return.
func Async(fn any, opts ...Option) any { return Must(New(opts...)).Async(fn) }

// Wrap is [Retrier.Decorate] for callers who know fn's type: no type
// assertion is needed.
//
//	c.fetch = retry.Wrap(r, c.fetch)
func Wrap[F any](r *Retrier, fn F) F {
	return r.Decorate(fn).(F)
}

// decorate reads fn's signature once, checks that the Retrier's options fit
// it, and returns the function that runs the chosen loop on every call.
func (r *Retrier) decorate(fn any, kind loopKind) any {
	if r == nil {
		panic(errNilRetrier)
	}
	f, err := r.decorateChecked(fn, kind)
	if err != nil {
		panic(err)
	}
	return f
}

// decorateChecked is decorate returning its error.
func (r *Retrier) decorateChecked(fn any, kind loopKind) (any, error) {
	shape, err := Inspect(fn)
	if err == nil {
		err = r.fits(shape)
	}
	if err != nil {
		return nil, err
	}
	if f := r.fastPath(fn, kind); f != nil {
		return f, nil
	}
	if shape.ErrorResult < 0 && !shape.Async && kind != asyncLoop && !r.panics && r.pred == nil {
		return fn, nil // it cannot fail: it runs once, as it is
	}
	w := newWrapper(r, fn, shape)
	switch {
	case shape.Async && kind == syncLoop:
		return w.made(newChanLoop(w).syncFunc()), nil
	case shape.Async:
		return w.made(newChanLoop(w).asyncFunc()), nil
	case kind == asyncLoop:
		return w.made(w.outcomeFunc()), nil
	case shape.Context && kind == pickLoop:
		return w.made(w.cancellableFunc()), nil
	default:
		return w.made(w.syncFunc()), nil
	}
}

// fits checks the options that depend on the function against its shape.
func (r *Retrier) fits(s Shape) error {
	if r.timeout > 0 && !s.Context {
		return invalidOption(fmt.Sprintf("AttemptTimeout(%v)", r.timeout),
			"%v takes no context.Context first: its tries cannot be timed out", s.Type)
	}
	if r.pred != nil {
		return r.pred.fit(s.results(), s.Type)
	}
	return nil
}

// fastPath decorates the commonest exact types without reflection, so that
// a call allocates nothing. It returns nil for any other fn.
func (r *Retrier) fastPath(fn any, kind loopKind) any {
	if kind == asyncLoop || r.pred != nil {
		return nil
	}
	name := funcName(fn)
	switch f := fn.(type) {
	case func() error:
		try := func(context.Context) error { return f() }
		return func() error {
			err, _ := typed(r.run(&call{ctx: context.Background(), arg: context.Background(), name: name}, try, nil))
			return err
		}
	case func(context.Context) error:
		if kind == syncLoop {
			return func(ctx context.Context) error {
				if ctx == nil {
					ctx = context.Background()
				}
				err, _ := typed(r.run(&call{ctx: context.Background(), arg: ctx, name: name}, f, nil))
				return err
			}
		}
		return func(ctx context.Context) error {
			if ctx == nil {
				ctx = context.Background()
			}
			err, _ := typed(r.run(&call{ctx: ctx, arg: ctx, name: name}, f, nil))
			return err
		}
	}
	return nil
}

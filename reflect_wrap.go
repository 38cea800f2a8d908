package retry

import (
	"context"
	"errors"
	"reflect"
)

// errNilRetrier is the panic value of decorating, or calling Do or DoValue,
// with a nil *Retrier: most likely one whose New returned an error.
var errNilRetrier = errors.New("retry: nil *Retrier (did New return an error?)")

// loopKind is what the caller asked for: the loop that the signature calls
// for (Decorate), the blocking one (Sync), or one on its own goroutine
// (Async).
type loopKind int

const (
	pickLoop loopKind = iota
	syncLoop
	asyncLoop
)

// decorate reads fn's signature once and returns the function that runs the
// chosen loop on every call.
func (r *Retrier) decorate(fn any, kind loopKind) any {
	if r == nil {
		panic(errNilRetrier)
	}
	if f := r.fastPath(fn, kind); f != nil {
		return f
	}
	shape, err := Inspect(fn)
	if err != nil {
		panic(err)
	}
	w := &wrapper{r: r, fn: reflect.ValueOf(fn), orig: fn, shape: shape}
	w.call = w.fn.Call
	if shape.Variadic {
		w.call = w.fn.CallSlice // args hold the variadic part as a slice
	}
	switch {
	case shape.Async && kind != syncLoop:
		return w.chanFunc()
	case kind == asyncLoop:
		return w.outcomeFunc()
	case shape.ErrorResult < 0 && !r.panics:
		return fn // it cannot fail: it runs once, as it is
	case shape.Context && kind == pickLoop:
		return reflect.MakeFunc(shape.Type, w.cancellable).Interface()
	default:
		return reflect.MakeFunc(shape.Type, w.sync).Interface()
	}
}

// fastPath decorates the commonest exact types without reflection, so that
// a call allocates nothing. It returns nil for any other fn.
func (r *Retrier) fastPath(fn any, kind loopKind) any {
	if kind == asyncLoop {
		return nil
	}
	switch f := fn.(type) {
	case func() error:
		if f != nil {
			try := func(context.Context) error { return f() }
			return func() error {
				return r.call(context.Background(), context.Background(), f, try)
			}
		}
	case func(context.Context) error:
		switch {
		case f == nil:
		case kind == syncLoop:
			return func(ctx context.Context) error { return r.call(context.Background(), ctx, f, f) }
		default:
			return func(ctx context.Context) error { return r.call(ctx, ctx, f, f) }
		}
	}
	return nil
}

// call runs one loop for a fast path: it waits with loopCtx, calls try with
// callCtx, raises a panic again and removes a Permanent wrapper.
func (r *Retrier) call(loopCtx, callCtx context.Context, fn any, try func(context.Context) error) error {
	l := r.schedule.start(loopCtx)
	_, err := run(&l, r, fn, callCtx, try, true)
	return err
}

// A wrapper is one decorated function: fn, what its signature says, and the
// Retrier. It is built once, by decorate, and shared by every call.
type wrapper struct {
	r     *Retrier
	fn    reflect.Value
	orig  any // fn as given, named in log entries
	shape Shape
	call  func([]reflect.Value) []reflect.Value // fn.Call or fn.CallSlice
}

// sync is the synchronous loop: waits are not cut short.
func (w *wrapper) sync(args []reflect.Value) []reflect.Value {
	return w.loop(context.Background(), args)
}

// cancellable is the loop of a function whose first parameter is a
// context.Context: its waits end when that context is done.
func (w *wrapper) cancellable(args []reflect.Value) []reflect.Value {
	return w.loop(argContext(args[0]), args)
}

func (w *wrapper) loop(ctx context.Context, args []reflect.Value) []reflect.Value {
	out, p, stopped, err := w.tries(ctx, args)
	switch {
	case p != nil:
		panic(p.Value)
	case stopped:
		return w.stopped(err)
	}
	if pe, ok := err.(*permanentError); ok {
		out[w.shape.ErrorResult] = reflect.ValueOf(pe.err)
	}
	return out
}

// tries runs one call's loop over fn with args, waiting with ctx. It returns
// the results of the final try, its panic (RetryPanics) and its error, and
// whether the loop was stopped before the tries ran out.
func (w *wrapper) tries(ctx context.Context, args []reflect.Value) (out []reflect.Value, p *PanicError, stopped bool, err error) {
	l := w.r.schedule.start(ctx)
	p, err = run(&l, w.r, w.orig, ctx, func(context.Context) error {
		out = w.call(args)
		return errorAt(out, w.shape.ErrorResult)
	}, false)
	return out, p, l.err != nil, err
}

// stopped returns zero values, and err as the error result.
func (w *wrapper) stopped(err error) []reflect.Value {
	t := w.shape.Type
	out := make([]reflect.Value, t.NumOut())
	for i := range out {
		out[i] = reflect.Zero(t.Out(i))
	}
	if i := w.shape.ErrorResult; i >= 0 {
		out[i] = reflect.ValueOf(&err).Elem()
	}
	return out
}

// errorAt returns the error result at index i, nil when there is none.
func errorAt(out []reflect.Value, i int) error {
	if i < 0 {
		return nil
	}
	return errorValue(out[i])
}

// argContext returns the context.Context held by v; a nil one is taken as
// context.Background(), so that the loop still works.
func argContext(v reflect.Value) context.Context {
	if v.IsNil() {
		return context.Background()
	}
	return v.Interface().(context.Context)
}

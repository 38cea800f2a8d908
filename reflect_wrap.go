package retry

import (
	"context"
	"reflect"
)

// errNilRetrier is the panic value of decorating with a nil *Retrier.
const errNilRetrier = "retry: nil *Retrier"

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
			return func() error {
				_, err := call(context.Background(), r, f, func() (struct{}, error) { return struct{}{}, f() })
				return err
			}
		}
	case func(context.Context) error:
		switch {
		case f == nil:
		case kind == syncLoop:
			return func(ctx context.Context) error {
				_, err := call(context.Background(), r, f, func() (struct{}, error) { return struct{}{}, f(ctx) })
				return err
			}
		default:
			return func(ctx context.Context) error { return Do(ctx, r, f) }
		}
	}
	return nil
}

// call runs one loop waiting with ctx, for a typed caller: a panic is raised
// again, a Permanent wrapper removed. It is inlined into its callers.
func call[T any](ctx context.Context, r *Retrier, fn any, try func() (T, error)) (T, error) {
	l := r.schedule.start(ctx)
	v, _, err := run(&l, r, fn, try, true)
	return v, err
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
	l := w.r.schedule.start(ctx)
	out, p, err := run(&l, w.r, w.orig, func() ([]reflect.Value, error) {
		out := w.call(args)
		return out, errorAt(out, w.shape.ErrorResult)
	}, false)
	switch {
	case p != nil:
		panic(p.Value)
	case l.err != nil:
		return w.stopped(err)
	}
	if pe, ok := err.(*permanentError); ok {
		out[w.shape.ErrorResult] = reflect.ValueOf(pe.err)
	}
	return out
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
	if i < 0 || out[i].IsNil() {
		return nil
	}
	return out[i].Interface().(error)
}

// argContext returns the context.Context held by v; a nil one is taken as
// context.Background(), so that the loop still works.
func argContext(v reflect.Value) context.Context {
	if v.IsNil() {
		return context.Background()
	}
	return v.Interface().(context.Context)
}

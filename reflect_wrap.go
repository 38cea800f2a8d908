package retry

import (
	"context"
	"reflect"
)

// A wrapper is one decorated function: fn, what its signature says, and the
// Retrier. It is built once, by decorate, and shared by every call: each
// call does only the work it must.
type wrapper struct {
	r       *Retrier
	fn      reflect.Value
	name    string // fn's name, for log entries and hooks
	shape   Shape
	call    func([]reflect.Value) []reflect.Value // fn.Call or fn.CallSlice
	errType reflect.Type                          // the error result's type; nil when there is none
	self    reflect.Value                         // the function made for fn, to know it again
}

func newWrapper(r *Retrier, fn any, shape Shape) *wrapper {
	w := &wrapper{r: r, fn: reflect.ValueOf(fn), name: funcName(fn), shape: shape}
	w.call = w.fn.Call
	if shape.Variadic {
		w.call = w.fn.CallSlice // args hold the variadic part as a slice
	}
	if i := shape.ErrorResult; i >= 0 {
		w.errType = shape.Type.Out(i)
	}
	return w
}

// syncFunc returns the function of fn's type whose loop's waits are not cut
// short: a context parameter is passed to fn but not watched.
func (w *wrapper) syncFunc() any {
	return reflect.MakeFunc(w.shape.Type, func(args []reflect.Value) []reflect.Value {
		return w.results(context.Background(), w.argContext(args), args)
	}).Interface()
}

// cancellableFunc returns the function of fn's type whose loop's waits end
// when the context given as its first argument is done.
func (w *wrapper) cancellableFunc() any {
	return reflect.MakeFunc(w.shape.Type, func(args []reflect.Value) []reflect.Value {
		ctx := argContext(args)
		return w.results(ctx, ctx, args)
	}).Interface()
}

// results runs one call's loop and returns what the caller gets.
func (w *wrapper) results(ctx, arg context.Context, args []reflect.Value) []reflect.Value {
	out, p, err, stopped := w.tries(ctx, arg, args)
	switch {
	case p != nil:
		panic(p.Value)
	case stopped:
		return w.stoppedResults(out, err, args)
	}
	if pe, ok := err.(*permanentError); ok {
		out[w.shape.ErrorResult] = reflect.ValueOf(pe.err)
	}
	return out
}

// tries runs one call's loop over fn with args: waits watch ctx, tries get
// arg (or a context derived from it). It returns the results of the final
// try, its panic (RetryPanics), its error as the loop returns it, and
// whether the loop was stopped.
func (w *wrapper) tries(ctx, arg context.Context, args []reflect.Value) (out []reflect.Value, p *PanicError, err error, stopped bool) {
	p, err, stopped = w.r.run(&call{ctx: ctx, arg: arg, name: w.name}, func(tctx context.Context) error {
		if w.shape.Context && w.r.derivesContext() {
			args[0] = contextValue(tctx)
		}
		out = w.call(args)
		return w.failure(out)
	}, nil)
	return out, p, err, stopped
}

// failure reads a try's results: its error result, or errByValue when it
// succeeded and IfResult wants another try.
func (w *wrapper) failure(out []reflect.Value) error {
	if w.errType != nil {
		if err := errorValue(out[w.shape.ErrorResult]); err != nil {
			return err
		}
	}
	if w.r.pred != nil && w.wantsMore(out) {
		return errByValue
	}
	return nil
}

// wantsMore calls IfResult's predicate with the non-error results.
func (w *wrapper) wantsMore(out []reflect.Value) bool {
	if i := w.shape.ErrorResult; i >= 0 {
		out = out[:i:i] // the error result is the last one
	}
	return w.r.pred.call(out)
}

// stoppedResults is what the caller of a stopped call gets: zero values,
// and err as the error result. An error result of an interface type that
// err does not implement (net.Error) gets the last failure instead, or,
// when no try was made, the results of one try, so that fn's own result
// speaks rather than a nil that would read as success.
func (w *wrapper) stoppedResults(out []reflect.Value, err error, args []reflect.Value) []reflect.Value {
	i := w.shape.ErrorResult
	var ev reflect.Value
	if i >= 0 {
		switch {
		case reflect.TypeOf(err).AssignableTo(w.errType):
			ev = reflect.ValueOf(err)
		case out == nil:
			return w.call(args)
		default:
			ev = out[i]
		}
	}
	t := w.shape.Type
	zero := make([]reflect.Value, t.NumOut())
	for j := range zero {
		zero[j] = reflect.Zero(t.Out(j))
	}
	if i >= 0 {
		zero[i] = ev
	}
	return zero
}

// errorValue returns the error that v, of an interface type implementing
// error, holds: nil for a nil interface. It is the one way the package
// reads an error out of a result or a value.
func errorValue(v reflect.Value) error {
	if isNil(v) {
		return nil
	}
	return v.Interface().(error)
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// argContext returns the context fn was called with: its first argument,
// or context.Background() when it takes none.
func (w *wrapper) argContext(args []reflect.Value) context.Context {
	if !w.shape.Context {
		return context.Background()
	}
	return argContext(args)
}

// argContext returns the context.Context that is fn's first argument. A
// nil one is taken as context.Background(), for the loop and for fn.
func argContext(args []reflect.Value) context.Context {
	if args[0].IsNil() {
		ctx := context.Background()
		args[0] = contextValue(ctx)
		return ctx
	}
	return args[0].Interface().(context.Context)
}

// contextValue returns ctx as a reflect.Value of type context.Context. It
// is a function of its own so that only its callers' branches pay for the
// allocation it makes.
func contextValue(ctx context.Context) reflect.Value {
	return reflect.ValueOf(&ctx).Elem()
}

package retry

import (
	"context"
	"reflect"
	"runtime/debug"
)

// An Outcome is what [Retrier.Async] delivers for a function that does not
// return a channel: the non-error results of the final try, in order, and
// its error. After the loop was stopped by its context, Values is nil and
// Err matches the context's error, its cause and the last failure.
type Outcome struct {
	Values []any
	Err    error
}

var outcomeChanType = reflect.TypeFor[<-chan Outcome]()

// outcomeFunc returns fn's parameters with one result, a <-chan Outcome fed
// by a loop on its own goroutine.
func (w *wrapper) outcomeFunc() any {
	t := w.shape.Type
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	ft := reflect.FuncOf(in, []reflect.Type{outcomeChanType}, t.IsVariadic())
	return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		ch := make(chan Outcome, 1)
		go w.deliverOutcome(w.argContext(args), args, ch)
		return []reflect.Value{reflect.ValueOf((<-chan Outcome)(ch))}
	}).Interface()
}

// deliverOutcome runs the loop and sends its one Outcome. A panic that is
// not retried, in fn or in a callback, cannot go up the caller's stack from
// here: it is delivered as a *PanicError; runtime.Goexit as errGoexit.
func (w *wrapper) deliverOutcome(ctx context.Context, args []reflect.Value, ch chan<- Outcome) {
	defer close(ch)
	done := false
	defer func() {
		if !done {
			if v := recover(); v != nil {
				ch <- Outcome{Err: &PanicError{Value: v, Stack: debug.Stack()}}
			} else {
				ch <- Outcome{Err: errGoexit}
			}
		}
	}()
	out, p, err, stopped := w.tries(ctx, ctx, args)
	var o Outcome
	switch {
	case p != nil:
		o.Err = p
	case stopped:
		o.Err = err
	default:
		o.Err = stripPermanent(err)
		for i, v := range out {
			if i != w.shape.ErrorResult {
				o.Values = append(o.Values, v.Interface())
			}
		}
	}
	done = true
	ch <- o
}

// A chanLoop is a decorated function whose only result is a receive
// channel: each try calls fn and takes one value from its channel.
type chanLoop struct {
	w       *wrapper
	chanOf  reflect.Type              // chan T, for the returned channel
	errOf   func(reflect.Value) error // the failure a value carries; nil if T carries none
	isError bool                      // T is exactly error
}

func newChanLoop(w *wrapper) *chanLoop {
	elem := w.shape.Type.Out(0).Elem()
	return &chanLoop{
		w:       w,
		chanOf:  reflect.ChanOf(reflect.BothDir, elem),
		errOf:   failureOf(elem),
		isError: elem == errorType,
	}
}

// asyncFunc returns a function of fn's type that starts the loop on its own
// goroutine, which feeds the returned channel.
func (c *chanLoop) asyncFunc() any {
	return reflect.MakeFunc(c.w.shape.Type, func(args []reflect.Value) []reflect.Value {
		out := reflect.MakeChan(c.chanOf, 1)
		ctx := c.w.argContext(args)
		go c.run(ctx, ctx, args, out)
		return []reflect.Value{out}
	}).Interface()
}

// syncFunc returns a function of fn's type that runs the loop in the
// caller's goroutine, and returns a channel that holds its final value.
func (c *chanLoop) syncFunc() any {
	return reflect.MakeFunc(c.w.shape.Type, func(args []reflect.Value) []reflect.Value {
		out := reflect.MakeChan(c.chanOf, 1)
		c.run(context.Background(), c.w.argContext(args), args, out)
		return []reflect.Value{out}
	}).Interface()
}

// run is one call's loop: waits watch ctx, tries get arg. It delivers the
// final value on out and closes it. A panic that is not retried is raised
// again here, after out is closed.
func (c *chanLoop) run(ctx, arg context.Context, args []reflect.Value, out reflect.Value) {
	delivered := false
	defer func() {
		if !delivered {
			deliver(out, reflect.Value{})
		}
	}()
	var got reflect.Value // the last value received
	// A value is delivered as received: raw.
	p, err, stopped := c.w.r.run(&call{ctx: ctx, arg: arg, name: c.w.name, raw: true}, func(tctx context.Context) error {
		if c.w.shape.Context && c.w.r.derivesContext() {
			args[0] = contextValue(tctx)
		}
		v, err := c.receive(ctx, tctx, c.w.call(args)[0])
		if err != nil {
			return err
		}
		got = v
		if c.errOf != nil {
			if err := c.errOf(v); err != nil {
				return err
			}
		}
		if c.w.r.pred != nil && c.w.r.pred.call([]reflect.Value{v}) {
			return errByValue
		}
		return nil
	}, nil)
	if p != nil {
		panic(p.Value)
	}
	delivered = true
	switch {
	case !stopped:
		deliver(out, got)
	case c.isError:
		deliver(out, reflect.ValueOf(&err).Elem())
	default:
		deliver(out, reflect.Value{})
	}
}

// receive takes one value from ch. It returns errNoValue when ch is closed
// with none, errTryStopped when ctx is done first, and the try's context's
// error when its AttemptTimeout passes first.
func (c *chanLoop) receive(ctx, tctx context.Context, ch reflect.Value) (reflect.Value, error) {
	// A value already there wins over a context done meanwhile.
	switch v, ok := ch.TryRecv(); {
	case ok:
		return v, nil
	case v.IsValid():
		return reflect.Value{}, errNoValue // closed
	}
	cases := make([]reflect.SelectCase, 1, 3)
	cases[0] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: ch}
	stop, timeout := -1, -1
	if done := ctx.Done(); done != nil {
		stop = len(cases)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)})
	}
	if c.w.r.timeout > 0 {
		timeout = len(cases)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(tctx.Done())})
	}
	chosen, v, ok := reflect.Select(cases)
	switch {
	case chosen == stop:
		return reflect.Value{}, errTryStopped
	case chosen == timeout:
		return reflect.Value{}, tctx.Err()
	case !ok:
		return reflect.Value{}, errNoValue
	}
	return v, nil
}

// deliver sends v, when valid, on out and closes it. The caller of a
// function that returns a chan T may have filled or closed that channel:
// then nothing is delivered, and the loop's goroutine neither blocks nor
// crashes.
func deliver(out, v reflect.Value) {
	defer func() { _ = recover() }() // out was closed by the caller
	if v.IsValid() {
		out.TrySend(v)
	}
	out.Close()
}

// failureOf returns how to read the failure that a value of type t carries,
// or nil when t carries none: the value itself when t implements error, its
// exported field Err of type error, or its method Err() error. A nil
// pointer or interface carries none.
func failureOf(t reflect.Type) func(reflect.Value) error {
	if t.Implements(errorType) {
		return errorValue
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		if f, ok := st.FieldByName("Err"); ok && f.IsExported() && f.Type == errorType {
			return func(v reflect.Value) error {
				if v.Kind() == reflect.Pointer {
					if v.IsNil() {
						return nil
					}
					v = v.Elem()
				}
				fv, err := v.FieldByIndexErr(f.Index)
				if err != nil {
					return nil // through a nil embedded pointer: no Err
				}
				return errorValue(fv)
			}
		}
	}
	if m, ok := t.MethodByName("Err"); ok {
		mt := m.Type
		args := mt.NumIn()
		if t.Kind() != reflect.Interface {
			args-- // a concrete type's method takes its receiver first
		}
		if args == 0 && mt.NumOut() == 1 && mt.Out(0) == errorType {
			return func(v reflect.Value) error {
				if isNil(v) {
					return nil
				}
				return errorValue(v.Method(m.Index).Call(nil)[0])
			}
		}
	}
	return nil
}

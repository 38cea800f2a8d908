package retry

import (
	"context"
	"errors"
	"reflect"
	"runtime/debug"

	"github.com/sirupsen/logrus"
)

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
	return reflect.MakeFunc(ft, w.outcome).Interface()
}

func (w *wrapper) outcome(args []reflect.Value) []reflect.Value {
	ch := make(chan Outcome, 1)
	go w.deliverOutcome(w.loopContext(args), args, ch)
	return []reflect.Value{reflect.ValueOf((<-chan Outcome)(ch))}
}

// deliverOutcome runs the loop and sends its one Outcome. A panic that is
// not retried cannot go up the caller's stack from here: it is delivered as
// a *PanicError.
func (w *wrapper) deliverOutcome(ctx context.Context, args []reflect.Value, ch chan<- Outcome) {
	defer close(ch)
	done := false
	defer func() {
		if !done {
			ch <- Outcome{Err: &PanicError{Value: recover(), Stack: debug.Stack()}}
		}
	}()
	out, p, stopped, err := w.tries(ctx, args)
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

func (w *wrapper) loopContext(args []reflect.Value) context.Context {
	if w.shape.Context {
		return argContext(args[0])
	}
	return context.Background()
}

// chanFunc returns a function of fn's type, for an fn whose only result is
// a receive channel: each call starts a loop on its own goroutine, which
// feeds the returned channel.
func (w *wrapper) chanFunc() any {
	elem := w.shape.Type.Out(0).Elem()
	c := &chanLoop{
		w:       w,
		chanOf:  reflect.ChanOf(reflect.BothDir, elem),
		errOf:   failureOf(elem),
		isError: elem == errorType,
	}
	return reflect.MakeFunc(w.shape.Type, c.start).Interface()
}

// chanLoop is what decorating a channel function learned about its element
// type.
type chanLoop struct {
	w       *wrapper
	chanOf  reflect.Type              // chan T, for the returned channel
	errOf   func(reflect.Value) error // the failure a value carries; nil if T carries none
	isError bool                      // T is exactly error
}

// errNoValue is the failure of a try whose channel closed with no value.
var errNoValue = errors.New("retry: channel closed with no value")

func (c *chanLoop) start(args []reflect.Value) []reflect.Value {
	out := reflect.MakeChan(c.chanOf, 1)
	go c.run(c.w.loopContext(args), args, out)
	return []reflect.Value{out}
}

// received is what one try got from fn's channel.
type received struct {
	v       reflect.Value // invalid when the channel closed with none
	stopped bool          // ctx was done before a value came
}

func (c *chanLoop) run(ctx context.Context, args []reflect.Value, out reflect.Value) {
	defer out.Close()
	w := c.w
	l := w.r.schedule.start(ctx)
	var (
		last error
		got  reflect.Value // the last value received
		p    *PanicError
	)
	var rcv received
	try := func(ctx context.Context) error {
		rcv = c.receive(ctx, args)
		switch {
		case rcv.stopped:
			return nil
		case !rcv.v.IsValid():
			return errNoValue
		}
		return c.failure(rcv.v)
	}
	for l.next() {
		rcv = received{}
		var err error
		if w.r.panics {
			p, err = recovering(ctx, try)
		} else {
			p, err = nil, try(ctx)
		}
		switch {
		case p != nil:
			if l.logs(logrus.WarnLevel) {
				logFailure(&l, w.orig, p)
			}
			continue
		case rcv.stopped:
			l.err = ctx.Err()
		case rcv.v.IsValid():
			got = rcv.v
		}
		if l.err != nil {
			break
		}
		switch {
		case err == nil:
			if l.logs(logrus.DebugLevel) {
				logSuccess(&l, w.orig)
			}
			out.Send(got)
			return
		case err != errNoValue && !w.r.retryable(err):
			out.Send(got)
			return
		}
		last = err
		if l.logs(logrus.WarnLevel) {
			logFailure(&l, w.orig, err)
		}
	}
	switch {
	case p != nil: // the last try panicked: raised again, even after a stop
		if l.logs(logrus.WarnLevel) {
			logGiveUp(&l, w.orig, p)
		}
		panic(p.Value)
	case l.err != nil:
		if c.isError {
			out.Send(reflect.ValueOf(stoppedError(l.err, last, l.tried)))
		}
		return
	}
	if l.logs(logrus.WarnLevel) {
		logGiveUp(&l, w.orig, last)
	}
	if got.IsValid() {
		out.Send(got)
	}
}

// receive calls fn and takes one value from the channel it returns, or
// stops when ctx is done first.
func (c *chanLoop) receive(ctx context.Context, args []reflect.Value) received {
	ch := c.w.call(args)[0]
	done := ctx.Done()
	if done == nil {
		v, ok := ch.Recv()
		if !ok {
			return received{}
		}
		return received{v: v}
	}
	chosen, v, ok := reflect.Select([]reflect.SelectCase{
		{Dir: reflect.SelectRecv, Chan: ch},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)},
	})
	switch {
	case chosen == 1:
		return received{stopped: true}
	case !ok:
		return received{}
	}
	return received{v: v}
}

func (c *chanLoop) failure(v reflect.Value) error {
	if c.errOf == nil {
		return nil
	}
	return c.errOf(v)
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

// errorValue returns the error that v, of a type implementing error, holds:
// nil for a nil pointer or interface.
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

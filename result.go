package retry

import (
	"context"
	"fmt"
	"reflect"
	"strings"
)

// IfResult retries a try that did not fail when pred reports true for its
// results: pred is a function whose parameters are the decorated function's
// non-error results, in order (for a channel function, the value received),
// returning bool:
//
//	retry.IfResult(func(state string) bool { return state == "PENDING" })
//
// retries a func(context.Context, string) (string, error) while it reports
// PENDING. A retry on a value counts as a failed try everywhere else: it
// fires [OnRetry] (with a nil Err), takes a [Budget] token, and is logged.
// When the tries run out, the caller gets the last try's results with a
// nil error. A function with no error result can fail by value too, so it
// is decorated rather than run once.
//
// pred is checked against each function when it is decorated: a function
// whose results pred cannot take makes Decorate panic with an error
// wrapping [ErrInvalidOption] that names both types. [DoValue] calls a
// func(T) bool without reflection. pred must be safe for concurrent use.
func IfResult(pred any) Option {
	return retrierOption(func(c *retrierConfig) {
		p, err := newResultPred(pred)
		if err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.r.pred = p
	})
}

// resultPred is an IfResult predicate, checked once when given.
type resultPred struct {
	fn   reflect.Value
	pred any // as given, for the typed callers
}

func newResultPred(pred any) (*resultPred, error) {
	if pred == nil {
		return nil, invalidOption("IfResult(nil)", "predicate cannot be nil")
	}
	v := reflect.ValueOf(pred)
	t := v.Type()
	name := fmt.Sprintf("IfResult(%v)", t)
	switch {
	case t.Kind() != reflect.Func:
		return nil, invalidOption(name, "predicate must be a func returning bool")
	case v.IsNil():
		return nil, invalidOption(name, "predicate cannot be a nil func")
	case t.NumOut() != 1 || t.Out(0).Kind() != reflect.Bool:
		return nil, invalidOption(name, "predicate must return exactly one bool")
	case t.IsVariadic():
		return nil, invalidOption(name, "predicate cannot be variadic")
	}
	return &resultPred{fn: v, pred: pred}, nil
}

// fit checks that pred takes values of types results, the non-error
// results (or the channel's element) of fn's type: it returns an error
// naming both types when it does not.
func (p *resultPred) fit(results []reflect.Type, fnType reflect.Type) error {
	t := p.fn.Type()
	ok := t.NumIn() == len(results)
	for i := 0; ok && i < len(results); i++ {
		ok = results[i].AssignableTo(t.In(i))
	}
	if ok {
		return nil
	}
	names := make([]string, len(results))
	for i, r := range results {
		names[i] = r.String()
	}
	return invalidOption(fmt.Sprintf("IfResult(%v)", t),
		"does not fit %v: the predicate must take (%s)", fnType, strings.Join(names, ", "))
}

// call reports whether pred wants another try for these results.
func (p *resultPred) call(results []reflect.Value) bool {
	return p.fn.Call(results)[0].Bool()
}

// noResults returns pred for a function of type fnType, which has no
// result besides its error; it panics when pred does not fit.
func (p *resultPred) noResults(fnType reflect.Type) func() bool {
	if f, ok := p.pred.(func() bool); ok {
		return f
	}
	if err := p.fit(nil, fnType); err != nil {
		panic(err)
	}
	return func() bool { return p.call(nil) }
}

// valuePred returns pred for DoValue's T: directly when it is a
// func(T) bool, through reflection when it takes T otherwise; it panics
// when pred does not fit.
func valuePred[T any](p *resultPred) func(T) bool {
	if f, ok := p.pred.(func(T) bool); ok {
		return f
	}
	if err := p.fit([]reflect.Type{reflect.TypeFor[T]()}, reflect.TypeFor[func(context.Context) (T, error)]()); err != nil {
		panic(err)
	}
	return func(v T) bool { return p.call([]reflect.Value{reflect.ValueOf(&v).Elem()}) }
}

// byValue turns a try's success into a retry by value when pred wants one.
func byValue(err error, pred func() bool) error {
	if err == nil && pred() {
		return errByValue
	}
	return err
}

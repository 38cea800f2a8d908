package retry

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"
)

// tagKey is the struct tag DecorateFields reads.
const tagKey = "retry"

// DecorateFields swaps functions in place for versions that retry them, by
// [Retrier.Decorate]'s rules.
//
// When ptr points to a struct, every exported, non-nil field of func type is
// replaced, the fields promoted from embedded structs included (embedded by
// value, or by a non-nil pointer). A field tagged `retry:"-"` is left
// alone; a tag such as `retry:"tries=3,delay=100ms,backoff=2,max=1s"` gives
// the field a schedule of its own, on top of opts. The keys are tries,
// delay, backoff, min, max, elapsed ([MaxElapsed]), timeout
// ([AttemptTimeout]) and jitter (full, equal, decorrelated, or a duration
// for [Jitter]); values are read as strconv and time.ParseDuration read
// them. When ptr points to a func variable, the variable is replaced.
//
//	type Client struct {
//		Get    func(ctx context.Context, url string) ([]byte, error) `retry:"tries=5,delay=50ms,backoff=2,jitter=full"`
//		Post   func(ctx context.Context, url string, body []byte) error `retry:"-"`
//		Lookup func(name string) (string, error)
//	}
//	err := retry.DecorateFields(&c, retry.Tries(3), retry.Delay(10*time.Millisecond))
//
// A field that already holds a function decorated by this package is an
// error, never a second layer of retries. Any other ptr, a tag on a field
// with no exported func to decorate, or a field already decorated gives an
// error wrapping [ErrNotFunc]; a bad tag or option, or an option that does
// not fit the field's function, one wrapping [ErrInvalidOption]. Each names
// the field. On error nothing is changed.
func DecorateFields(ptr any, opts ...Option) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return &notFuncError{what: fmt.Sprintf("%T (DecorateFields wants a pointer to a struct or to a func)", ptr)}
	}
	shared, err := New(opts...)
	if err != nil {
		return err
	}
	var sets fieldSets
	target := v.Elem()
	switch target.Kind() {
	case reflect.Func:
		name := target.Type().String()
		if target.IsNil() {
			return &notFuncError{what: fmt.Sprintf("nil %v (DecorateFields needs a func to decorate)", target.Type())}
		}
		if err := sets.add(name, target, shared); err != nil {
			return err
		}
	case reflect.Struct:
		if err := sets.collect(target, target.Type().Name(), shared, opts); err != nil {
			return err
		}
	default:
		return &notFuncError{what: fmt.Sprintf("%T (DecorateFields wants a pointer to a struct or to a func)", ptr)}
	}
	sets.apply()
	return nil
}

// fieldSets are the fields to set once every one of them was decorated
// without error, so that an error leaves everything as it was.
type fieldSets struct {
	fields []reflect.Value
	values []reflect.Value
}

// collect decorates the func fields of struct s, whose path is prefix, and
// those of the structs it embeds.
func (fs *fieldSets) collect(s reflect.Value, prefix string, shared *Retrier, opts []Option) error {
	t := s.Type()
	var errs []error
	for i := range t.NumField() {
		f := t.Field(i)
		tag, tagged := f.Tag.Lookup(tagKey)
		name := prefix + "." + f.Name
		if tag == "-" {
			continue
		}
		fv := s.Field(i)
		if f.Anonymous && !tagged {
			if inner, ok := embedded(fv); ok {
				if err := fs.collect(inner, name, shared, opts); err != nil {
					errs = append(errs, err)
				}
				continue
			}
		}
		if f.Type.Kind() != reflect.Func || !f.IsExported() {
			if tagged {
				errs = append(errs, &fieldError{field: name, err: &notFuncError{what: fmt.Sprintf("%v (a retry tag needs an exported func field)", f.Type)}})
			}
			continue
		}
		r := shared
		if tag != "" {
			tagOpts, err := parseTag(tag)
			if err == nil {
				r, err = New(append(append([]Option(nil), opts...), tagOpts...)...)
			}
			if err != nil {
				errs = append(errs, &fieldError{field: name, err: err})
				continue
			}
		}
		if err := r.fits(shapeOf(f.Type)); err != nil {
			errs = append(errs, &fieldError{field: name, err: err}) // even on a nil field
			continue
		}
		if fv.IsNil() {
			continue
		}
		if err := fs.add(name, fv, r); err != nil {
			errs = append(errs, err)
		}
	}
	return joinErrors(errs)
}

// embedded returns the struct that an embedded field holds: the field
// itself, or what a non-nil pointer points to.
func embedded(fv reflect.Value) (reflect.Value, bool) {
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return reflect.Value{}, false
		}
		fv = fv.Elem()
	}
	return fv, fv.Kind() == reflect.Struct
}

// add decorates the function that fv, a settable func, holds.
func (fs *fieldSets) add(name string, fv reflect.Value, r *Retrier) error {
	if !fv.CanSet() {
		return &fieldError{field: name, err: &notFuncError{what: fmt.Sprintf("%v (cannot be set)", fv.Type())}}
	}
	if decoratedAt(fv) {
		return &fieldError{field: name, err: &notFuncError{what: fmt.Sprintf("%v already holds a function DecorateFields decorated (a second layer would multiply the tries)", fv.Type())}}
	}
	d, err := r.decorateChecked(fv.Interface(), pickLoop)
	if err != nil {
		return &fieldError{field: name, err: err}
	}
	fs.fields = append(fs.fields, fv)
	fs.values = append(fs.values, reflect.ValueOf(d))
	return nil
}

func (fs *fieldSets) apply() {
	for i, fv := range fs.fields {
		fv.Set(fs.values[i])
	}
}

// What this package decorated, so that DecorateFields can refuse to
// decorate it again. A fast path is known by its code pointer, its own. A
// reflect.MakeFunc function shares its code pointer with every other one,
// but the reflect.Value of a func holds its closure, so two Values of one
// func compare equal: each wrapper keeps the Value of the function made
// for it, and the package keeps weak pointers to its wrappers, each
// dropped when its wrapper is collected with its function.
var (
	wrappers    sync.Map // weak.Pointer[wrapper] → struct{}
	fastPathPCs = sync.OnceValue(func() map[uintptr]bool {
		pcs := map[uintptr]bool{}
		for _, kind := range []loopKind{pickLoop, syncLoop} {
			for _, fn := range []any{func() error { return nil }, func(context.Context) error { return nil }} {
				pcs[reflect.ValueOf(bareRetrier.fastPath(fn, kind)).Pointer()] = true
			}
		}
		return pcs
	})
)

// made records that f, a function made through reflection, wraps w, and
// returns f.
func (w *wrapper) made(f any) any {
	w.self = reflect.ValueOf(f)
	wp := weak.Make(w)
	wrappers.Store(wp, struct{}{})
	runtime.AddCleanup(w, func(wp weak.Pointer[wrapper]) { wrappers.Delete(wp) }, wp)
	return f
}

// decoratedAt reports whether fv holds a function this package decorated.
func decoratedAt(fv reflect.Value) bool {
	if fastPathPCs()[fv.Pointer()] {
		return true
	}
	v := reflect.ValueOf(fv.Interface())
	found := false
	wrappers.Range(func(k, _ any) bool {
		if w := k.(weak.Pointer[wrapper]).Value(); w != nil && w.self == v {
			found = true
		}
		return !found
	})
	return found
}

// parseTag reads a retry tag into options.
func parseTag(tag string) ([]Option, error) {
	var opts []Option
	seen := map[string]bool{}
	for part := range strings.SplitSeq(tag, ",") {
		part = strings.TrimSpace(part)
		key, value, ok := strings.Cut(part, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		bad := func(format string, args ...any) error {
			return invalidOption(fmt.Sprintf("tag %q", tag), "%q: "+format, append([]any{part}, args...)...)
		}
		if !ok {
			return nil, bad("want key=value")
		}
		if seen[key] {
			return nil, bad("%s given twice", key)
		}
		seen[key] = true
		var opt Option
		switch key {
		case "tries":
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, bad("tries wants a whole number")
			}
			opt = Tries(n)
		case "backoff":
			f, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return nil, bad("backoff wants a number")
			}
			opt = Backoff(f)
		case "jitter":
			if mode, ok := jitterModes[value]; ok {
				opt = mode()
				break
			}
			d, err := time.ParseDuration(value)
			if err != nil {
				return nil, bad("jitter wants full, equal, decorrelated or a duration such as 100ms")
			}
			opt = Jitter(d)
		case "delay", "min", "max", "elapsed", "timeout":
			d, err := time.ParseDuration(value)
			if err != nil {
				return nil, bad("%s wants a duration such as 100ms", key)
			}
			opt = durationOptions[key](d)
		default:
			return nil, bad("unknown key %q (want tries, delay, backoff, jitter, min, max, elapsed or timeout)", key)
		}
		opts = append(opts, opt)
	}
	return opts, nil
}

// durationOptions are the tag keys that take a duration.
var durationOptions = map[string]func(time.Duration) Option{
	"delay":   func(d time.Duration) Option { return Delay(d) },
	"min":     func(d time.Duration) Option { return MinDelay(d) },
	"max":     func(d time.Duration) Option { return MaxDelay(d) },
	"elapsed": func(d time.Duration) Option { return MaxElapsed(d) },
	"timeout": AttemptTimeout,
}

// jitterModes are the words the jitter key takes.
var jitterModes = map[string]func() ScheduleOption{
	"full": FullJitter, "equal": EqualJitter, "decorrelated": DecorrelatedJitter,
}

// fieldError is a problem with one struct field.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string {
	return "retry: field " + e.field + ": " + strings.TrimPrefix(e.err.Error(), "retry: ")
}

func (e *fieldError) Unwrap() error { return e.err }

package retry

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// tagKey is the struct tag DecorateFields reads.
const tagKey = "retry"

// DecorateFields swaps functions in place for versions that retry them, by
// [Retrier.Decorate]'s rules.
//
// When ptr points to a struct, every exported, non-nil field of func type is
// replaced. A field tagged `retry:"-"` is left alone; a tag such as
// `retry:"tries=3,delay=100ms,backoff=2,max=1s"` gives the field a schedule
// of its own, on top of opts (keys tries, delay, backoff, jitter, min and
// max; values as strconv and time.ParseDuration read them). When ptr points
// to a func variable, the variable is replaced.
//
//	type Client struct {
//		Get    func(ctx context.Context, url string) ([]byte, error) `retry:"tries=5,delay=50ms,backoff=2"`
//		Post   func(ctx context.Context, url string, body []byte) error `retry:"-"`
//		Lookup func(name string) (string, error)
//	}
//	err := retry.DecorateFields(&c, retry.Tries(3), retry.Delay(10*time.Millisecond))
//
// Any other ptr, or a field with a tag but no exported func to decorate,
// gives an error wrapping [ErrNotFunc]; a bad tag or option, one wrapping
// [ErrInvalidOption]. Each names the field. On error nothing is changed.
func DecorateFields(ptr any, opts ...Option) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return &notFuncError{what: fmt.Sprintf("%T (DecorateFields wants a pointer to a struct or to a func)", ptr)}
	}
	target := v.Elem()
	switch target.Kind() {
	case reflect.Func:
		if target.IsNil() {
			return &notFuncError{what: fmt.Sprintf("nil %v (DecorateFields needs a func to decorate)", target.Type())}
		}
		r, err := New(opts...)
		if err != nil {
			return err
		}
		target.Set(reflect.ValueOf(r.Decorate(target.Interface())))
		return nil
	case reflect.Struct:
		return decorateStruct(target, opts)
	}
	return &notFuncError{what: fmt.Sprintf("%T (DecorateFields wants a pointer to a struct or to a func)", ptr)}
}

// decorateStruct decorates every field first and sets them only when all
// went well, so that an error leaves the struct as it was.
func decorateStruct(s reflect.Value, opts []Option) error {
	t := s.Type()
	shared, err := New(opts...)
	if err != nil {
		return err
	}
	var (
		errs    []error
		indexes []int
		values  []reflect.Value
	)
	for i := range t.NumField() {
		f := t.Field(i)
		tag, tagged := f.Tag.Lookup(tagKey)
		name := t.Name() + "." + f.Name
		if tag == "-" {
			continue
		}
		if f.Type.Kind() != reflect.Func || !f.IsExported() {
			if tagged {
				errs = append(errs, &fieldError{field: name, err: &notFuncError{what: fmt.Sprintf("%v (a retry tag needs an exported func field)", f.Type)}})
			}
			continue
		}
		fv := s.Field(i)
		if fv.IsNil() {
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
		indexes = append(indexes, i)
		values = append(values, reflect.ValueOf(r.Decorate(fv.Interface())))
	}
	if err := joinErrors(errs); err != nil {
		return err
	}
	for n, i := range indexes {
		s.Field(i).Set(values[n])
	}
	return nil
}

// parseTag reads a retry tag into schedule options.
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
		case "delay", "jitter", "min", "max":
			d, err := time.ParseDuration(value)
			if err != nil {
				return nil, bad("%s wants a duration such as 100ms", key)
			}
			opt = durationOptions[key](d)
		default:
			return nil, bad("unknown key %q (want tries, delay, backoff, jitter, min or max)", key)
		}
		opts = append(opts, opt)
	}
	return opts, nil
}

// durationOptions are the tag keys that take a duration.
var durationOptions = map[string]func(time.Duration) ScheduleOption{
	"delay": Delay, "jitter": Jitter, "min": MinDelay, "max": MaxDelay,
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

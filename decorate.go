package retry

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// A Retrier decorates functions so that they are tried again when they
// fail: it is KaioRetry's Retry. It is built once by [New], never changes,
// and is safe for concurrent use, as is every function it decorates: each
// call runs its own loop over the Retrier's [Schedule].
//
// What counts as a failure: a non-nil last result of type error, and, under
// [RetryPanics], a panic. A failure is retried when one of the filters ([On],
// [OnType], [If]) matches it, or always when there is no filter, unless it
// is [Permanent].
type Retrier struct {
	schedule *Schedule
	filters  []filter
	panics   bool
}

// A filter says whether an error is worth another try.
type filter struct {
	name  string // for String
	match func(error) bool
}

// New returns a Retrier built from opts: filters ([On], [OnType], [If]),
// [RetryPanics], and either [WithSchedule] or schedule options ([Tries],
// [Delay], …). Without schedule options it uses [DefaultSchedule]:
// unlimited tries, no delay, as in KaioRetry. Every invalid option is
// reported in the returned error, which wraps [ErrInvalidOption].
func New(opts ...Option) (*Retrier, error) {
	var c retrierConfig
	for _, o := range opts {
		if o == nil {
			c.errs = append(c.errs, invalidOption("<nil>", "option cannot be nil"))
			continue
		}
		o.applyRetrier(&c)
	}
	r := &Retrier{filters: c.filters, panics: c.panics, schedule: c.schedule}
	switch {
	case c.scheduleName != "" && len(c.scheduleOpts) > 0:
		c.errs = append(c.errs, invalidOption(c.scheduleName, "cannot be combined with %s", c.scheduleOpts[0].(scheduleOption).name))
	case len(c.scheduleOpts) > 0:
		s, err := NewSchedule(c.scheduleOpts...)
		if err != nil {
			c.errs = append(c.errs, err)
		}
		r.schedule = s
	case r.schedule == nil:
		r.schedule = DefaultSchedule
	}
	if err := joinErrors(c.errs); err != nil {
		return nil, err
	}
	return r, nil
}

// retrierConfig collects the options given to New.
type retrierConfig struct {
	scheduleOpts []ScheduleOption
	schedule     *Schedule
	scheduleName string // "WithSchedule(s)" once given
	filters      []filter
	panics       bool
	errs         []error
}

type retrierOption func(*retrierConfig)

func (o retrierOption) applyRetrier(c *retrierConfig) { o(c) }

// On retries a failure when errors.Is(err, target) holds for one of the
// targets: KaioRetry's exception tuple, matched by value (io.EOF,
// context.DeadlineExceeded, …). On() with no targets adds no filter; a nil
// target is invalid.
func On(targets ...error) Option {
	return retrierOption(func(c *retrierConfig) {
		if len(targets) == 0 {
			return
		}
		names := make([]string, len(targets))
		for i, t := range targets {
			names[i] = fmt.Sprint(t)
		}
		name := "On(" + strings.Join(names, ", ") + ")"
		for i, t := range targets {
			if t == nil {
				c.errs = append(c.errs, invalidOption(name, "target %d is nil", i+1))
				return
			}
		}
		targets := append([]error(nil), targets...)
		c.filters = append(c.filters, filter{name: name, match: func(err error) bool {
			for _, t := range targets {
				if errors.Is(err, t) {
					return true
				}
			}
			return false
		}})
	})
}

// OnType retries a failure when err's tree holds an error of type E
// (errors.As): KaioRetry's exception classes.
func OnType[E error]() Option {
	return retrierOption(func(c *retrierConfig) {
		name := fmt.Sprintf("OnType[%v]", reflect.TypeFor[E]())
		c.filters = append(c.filters, filter{name: name, match: func(err error) bool {
			_, ok := errors.AsType[E](err)
			return ok
		}})
	})
}

// If retries a failure when pred reports true for it. pred must not be nil
// and must be safe for concurrent use.
func If(pred func(err error) bool) Option {
	return retrierOption(func(c *retrierConfig) {
		if pred == nil {
			c.errs = append(c.errs, invalidOption("If(nil)", "predicate cannot be nil"))
			return
		}
		c.filters = append(c.filters, filter{name: "If(f)", match: pred})
	})
}

// RetryPanics makes a panic in the decorated function a failure, retried
// whatever the filters say. When the tries run out and the last try
// panicked, that panic is raised again with its original value. Without it,
// a panic goes up at once, untouched.
func RetryPanics() Option {
	return retrierOption(func(c *retrierConfig) { c.panics = true })
}

// WithSchedule makes the Retrier use s (KaioRetry's context=). It cannot be
// combined with schedule options such as [Tries]; nil is invalid.
func WithSchedule(s *Schedule) Option {
	return retrierOption(func(c *retrierConfig) {
		if s == nil {
			c.errs = append(c.errs, invalidOption("WithSchedule(nil)", "schedule cannot be nil"))
			return
		}
		c.schedule, c.scheduleName = s, "WithSchedule(s)"
	})
}

// retryable reports whether err, a failure, is worth another try. It is
// inlined into the loop; matches, which runs the filters, is not.
func (r *Retrier) retryable(err error) bool {
	return !isPermanent(err) && (len(r.filters) == 0 || r.matches(err))
}

// matches reports whether one of the filters matches err.
func (r *Retrier) matches(err error) bool {
	for _, f := range r.filters {
		if f.match(err) {
			return true
		}
	}
	return false
}

// String describes the Retrier: its filters, whether it retries panics, and
// its schedule, as in "Retrier(On(EOF), RetryPanics, Schedule(tries=3, …))".
func (r *Retrier) String() string {
	parts := make([]string, 0, len(r.filters)+2)
	for _, f := range r.filters {
		parts = append(parts, f.name)
	}
	if len(r.filters) == 0 {
		parts = append(parts, "every error")
	}
	if r.panics {
		parts = append(parts, "RetryPanics")
	}
	parts = append(parts, r.schedule.String())
	return "Retrier(" + strings.Join(parts, ", ") + ")"
}

// Decorate returns a function of exactly fn's type that retries fn, with the
// loop that fn's signature calls for (see [Shape]):
//
//   - fn's only result is a receive channel: the async loop, as [Retrier.Async];
//   - fn's first parameter is a context.Context: a loop whose waits end when
//     that context is done, and which then returns zero values and an error
//     matching both the context's error and the last failure;
//   - anything else, variadic functions and method values included: the
//     synchronous loop, as [Retrier.Sync].
//
// It is KaioRetry's Retry.__call__. It panics with an error wrapping
// [ErrNotFunc] when fn is nil, a nil func, or not a function: like
// regexp.MustCompile, it is meant for init time.
func (r *Retrier) Decorate(fn any) any {
	return r.decorate(fn, pickLoop)
}

// Sync returns a function of exactly fn's type that retries fn in a blocking
// loop: KaioRetry's Retry.retry. A context.Context parameter is passed
// through to fn but not watched: the loop's waits do not end early.
func (r *Retrier) Sync(fn any) any {
	return r.decorate(fn, syncLoop)
}

// Async returns a function that runs the retry loop on its own goroutine and
// returns at once: KaioRetry's Retry.aioretry. The loop waits with fn's
// context when fn's first parameter is a context.Context.
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

// Do calls op until it succeeds, as Wrap(r, op)(ctx) would, without
// reflection: waits end when ctx is done.
func Do(ctx context.Context, r *Retrier, op func(context.Context) error) error {
	if op == nil {
		panic(&notFuncError{what: "nil func(context.Context) error"})
	}
	if r == nil {
		panic(errNilRetrier)
	}
	l := r.schedule.start(ctx)
	_, err := run(&l, r, op, ctx, op, true)
	return err
}

// DoValue calls op until it succeeds and returns its value, as
// Wrap(r, op)(ctx) would, without reflection: waits end when ctx is done.
func DoValue[T any](ctx context.Context, r *Retrier, op func(context.Context) (T, error)) (T, error) {
	if op == nil {
		panic(&notFuncError{what: "nil " + reflect.TypeFor[func(context.Context) (T, error)]().String()})
	}
	if r == nil {
		panic(errNilRetrier)
	}
	var v T
	l := r.schedule.start(ctx)
	_, err := run(&l, r, op, ctx, func(ctx context.Context) (err error) {
		v, err = op(ctx)
		return err
	}, true)
	if l.err != nil {
		var zero T
		return zero, err // stopped: zero values
	}
	return v, err
}

// An Outcome is what [Retrier.Async] delivers for a function that does not
// return a channel: the non-error results of the final try, in order, and
// its error. After the loop was stopped by its context, Values is nil and
// Err matches both the context's error and the last failure.
type Outcome struct {
	Values []any
	Err    error
}

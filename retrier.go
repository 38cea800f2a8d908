package retry

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// A Retrier decorates functions so that they are tried again when they
// fail. It is built once by [New], never changes, and is safe for
// concurrent use, as is every function it decorates: each call runs its own
// loop over the Retrier's [Schedule].
//
// What counts as a failure: a non-nil error result and, under
// [RetryPanics], a panic; under [IfResult], a result that its predicate
// rejects. A failure is retried when one of the filters ([On], [OnType],
// [If]) matches it, or always when there is no filter, unless it is
// [Permanent].
//
// The zero Retrier behaves as one returned by New without options.
type Retrier struct {
	schedule *Schedule // nil: DefaultSchedule
	filters  []filter
	panics   bool

	// Options that cost something per try or per call. perTry is true when
	// a try needs more than a call (AttemptTimeout, CarryAttempt,
	// RetryPanics), clock when the loop must know when it began (hooks,
	// CarryAttempt): the loop checks one flag instead of each option.
	perTry    bool
	clock     bool
	fromStart bool          // the loop is needed from the first try: perTry, clock or MaxElapsed
	timeout   time.Duration // AttemptTimeout
	carry     bool          // CarryAttempt
	budget    *Budget
	delayOf   func(error) (time.Duration, bool)
	onRetry   []func(Attempt)
	onGiveUp  []func(Attempt)
	pred      *resultPred // IfResult
}

// A filter says whether an error is worth another try.
type filter struct {
	name  string // for String
	match func(error) bool
}

// New returns a Retrier built from opts: filters ([On], [OnType], [If]),
// [RetryPanics], [IfResult], hooks ([OnRetry], [OnGiveUp]), limits
// ([AttemptTimeout], [WithBudget]), and either [WithSchedule] or schedule
// options ([Tries], [Delay], …). Without schedule options it uses
// [DefaultSchedule]: unlimited tries, no delay. Every invalid option is
// reported in the returned error, which wraps [ErrInvalidOption].
func New(opts ...Option) (*Retrier, error) {
	var c retrierConfig
	for _, o := range opts {
		if o == nil {
			c.fail("<nil>", "option cannot be nil")
			continue
		}
		o.applyRetrier(&c)
	}
	r := c.r
	switch {
	case c.scheduleName != "" && len(c.scheduleOpts) > 0:
		c.fail(c.scheduleName, "cannot be combined with %s", c.scheduleOpts[0].(scheduleOption).name)
	case len(c.scheduleOpts) > 0:
		s, err := NewSchedule(c.scheduleOpts...)
		if err != nil {
			c.errs = append(c.errs, err)
		}
		r.schedule = s
	}
	if err := joinErrors(c.errs); err != nil {
		return nil, err
	}
	r.perTry = r.panics || r.timeout > 0 || r.carry
	r.clock = r.carry || len(r.onRetry) > 0 || len(r.onGiveUp) > 0
	r.fromStart = r.perTry || r.clock || r.sched().maxElapsed > 0
	return &r, nil
}

// retrierConfig collects the options given to New.
type retrierConfig struct {
	r            Retrier
	scheduleOpts []ScheduleOption
	scheduleName string // "WithSchedule(s)" once given
	errs         []error
}

func (c *retrierConfig) fail(option, format string, args ...any) {
	c.errs = append(c.errs, invalidOption(option, format, args...))
}

type retrierOption func(*retrierConfig)

func (o retrierOption) applyRetrier(c *retrierConfig) { o(c) }

// On retries a failure when errors.Is(err, target) holds for one of the
// targets (io.EOF, context.DeadlineExceeded, …). On() with no targets adds
// no filter; a nil target is invalid.
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
				c.fail(name, "target %d is nil", i+1)
				return
			}
		}
		targets := append([]error(nil), targets...)
		c.r.filters = append(c.r.filters, filter{name: name, match: func(err error) bool {
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
// (errors.As).
func OnType[E error]() Option {
	return retrierOption(func(c *retrierConfig) {
		name := fmt.Sprintf("OnType[%v]", reflect.TypeFor[E]())
		c.r.filters = append(c.r.filters, filter{name: name, match: func(err error) bool {
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
			c.fail("If(nil)", "predicate cannot be nil")
			return
		}
		c.r.filters = append(c.r.filters, filter{name: "If(f)", match: pred})
	})
}

// RetryPanics makes a panic in the decorated function a failure, retried
// whatever the filters say. When the tries run out and the last try
// panicked, that panic is raised again with its original value. Without it,
// a panic goes up at once, untouched.
func RetryPanics() Option {
	return retrierOption(func(c *retrierConfig) { c.r.panics = true })
}

// WithSchedule makes the Retrier use s. It cannot be combined with schedule
// options such as [Tries]; nil is invalid.
func WithSchedule(s *Schedule) Option {
	return retrierOption(func(c *retrierConfig) {
		if s == nil {
			c.fail("WithSchedule(nil)", "schedule cannot be nil")
			return
		}
		c.r.schedule, c.scheduleName = s, "WithSchedule(s)"
	})
}

// AttemptTimeout gives each try of a function whose first parameter is a
// context.Context a context of its own, which ends d after the try began.
// A try that failed because its own timeout passed, while the caller's
// context is still live, is retried whatever the filters say. Decorating a
// function without a context parameter panics with an error wrapping
// [ErrInvalidOption]. d must be positive.
func AttemptTimeout(d time.Duration) Option {
	return retrierOption(func(c *retrierConfig) {
		if d <= 0 {
			c.fail(fmt.Sprintf("AttemptTimeout(%v)", d), "timeout must be > 0")
			return
		}
		c.r.timeout = d
	})
}

// DelayFrom reads a delay hint from a failure: when f reports true, the
// wait before the next try is the duration it returns instead of the
// schedule's, as with [RetryAfter]. It is asked first; an error's own
// RetryAfter method is read when f reports false. f must not be nil and
// must be safe for concurrent use.
func DelayFrom(f func(err error) (time.Duration, bool)) Option {
	return retrierOption(func(c *retrierConfig) {
		if f == nil {
			c.fail("DelayFrom(nil)", "function cannot be nil")
			return
		}
		c.r.delayOf = f
	})
}

// WithBudget makes every call share b: while b is low, failures are not
// retried (see [Budget]). nil is invalid.
func WithBudget(b *Budget) Option {
	return retrierOption(func(c *retrierConfig) {
		if b == nil {
			c.fail("WithBudget(nil)", "budget cannot be nil")
			return
		}
		c.r.budget = b
	})
}

// sched returns the Retrier's schedule: DefaultSchedule for the zero
// Retrier.
func (r *Retrier) sched() *Schedule {
	if r.schedule == nil {
		return DefaultSchedule
	}
	return r.schedule
}

// derivesContext reports whether a try gets a context of its own rather
// than the caller's.
func (r *Retrier) derivesContext() bool { return r.timeout > 0 || r.carry }

// retryable reports whether err, a failure, is worth another try by the
// filters and Permanent. It is inlined into the loop: with no filter, in a
// program that never called Permanent, it is two loads.
func (r *Retrier) retryable(err error) bool {
	return len(r.filters) == 0 && !permanentUsed.Load() || r.judge(err)
}

// judge is retryable for a Retrier with filters, or once Permanent has been
// called.
func (r *Retrier) judge(err error) bool {
	return !holdsPermanent(err) && (len(r.filters) == 0 || r.matches(err))
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

// String describes the Retrier: its filters, its other options and its
// schedule, as in "Retrier(On(EOF), RetryPanics, Schedule(tries=3, …))".
func (r *Retrier) String() string {
	parts := make([]string, 0, len(r.filters)+8)
	for _, f := range r.filters {
		parts = append(parts, f.name)
	}
	if len(r.filters) == 0 {
		parts = append(parts, "every error")
	}
	if r.panics {
		parts = append(parts, "RetryPanics")
	}
	if r.pred != nil {
		parts = append(parts, "IfResult("+r.pred.fn.Type().String()+")")
	}
	if r.timeout > 0 {
		parts = append(parts, fmt.Sprintf("AttemptTimeout(%v)", r.timeout))
	}
	if r.delayOf != nil {
		parts = append(parts, "DelayFrom(f)")
	}
	if r.budget != nil {
		parts = append(parts, r.budget.String())
	}
	if n := len(r.onRetry) + len(r.onGiveUp); n > 0 {
		parts = append(parts, fmt.Sprintf("hooks=%d", n))
	}
	parts = append(parts, r.sched().String())
	return "Retrier(" + strings.Join(parts, ", ") + ")"
}

// errNilRetrier is the panic value of decorating, or calling Do or DoValue,
// with a nil *Retrier: most likely one whose New returned an error.
var errNilRetrier = errors.New("retry: nil *Retrier (did New return an error?)")

// Do calls op until it succeeds, as Wrap(r, op)(ctx) would, without
// reflection: waits end when ctx is done. A nil ctx is
// context.Background().
func Do(ctx context.Context, r *Retrier, op func(context.Context) error) error {
	if op == nil {
		panic(&notFuncError{what: "nil func(context.Context) error"})
	}
	if r == nil {
		panic(errNilRetrier)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if r.pred != nil {
		return doByValue(ctx, r, op)
	}
	err, _ := typed(r.run(&call{ctx: ctx, arg: ctx}, op, op))
	return err
}

// doByValue is Do under IfResult, whose predicate takes no value: a
// function of its own, so that Do's frame, on every waiting loop's stack,
// holds no closure.
func doByValue(ctx context.Context, r *Retrier, op func(context.Context) error) error {
	pred := r.pred.noResults(reflect.TypeFor[func(context.Context) error]())
	err, _ := typed(r.run(&call{ctx: ctx, arg: ctx}, func(ctx context.Context) error {
		return byValue(op(ctx), pred)
	}, op))
	return err
}

// DoValue calls op until it succeeds and returns its value, as
// Wrap(r, op)(ctx) would, without reflection: waits end when ctx is done.
// An [IfResult] predicate of type func(T) bool is called directly. A nil
// ctx is context.Background().
func DoValue[T any](ctx context.Context, r *Retrier, op func(context.Context) (T, error)) (T, error) {
	if op == nil {
		panic(&notFuncError{what: "nil " + reflect.TypeFor[func(context.Context) (T, error)]().String()})
	}
	if r == nil {
		panic(errNilRetrier)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var (
		v       T
		err     error
		stopped bool
		c       = call{ctx: ctx, arg: ctx}
	)
	if r.pred != nil {
		pred := valuePred[T](r.pred)
		err, stopped = typed(r.run(&c, func(ctx context.Context) (err error) {
			v, err = op(ctx)
			if err == nil && pred(v) {
				return errByValue
			}
			return err
		}, op))
	} else {
		err, stopped = typed(r.run(&c, func(ctx context.Context) (err error) {
			v, err = op(ctx)
			return err
		}, op))
	}
	if stopped {
		var zero T
		return zero, err
	}
	return v, err
}

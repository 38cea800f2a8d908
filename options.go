package retry

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sirupsen/logrus"
)

// An Option configures a [Retrier]. Every [ScheduleOption] is also an Option,
// so [New] takes the options of both, like KaioRetry's retry() takes the
// parameters of both Retry and Context.
type Option interface {
	applyRetrier(*retrierConfig)
}

// A ScheduleOption configures a [Schedule]. When an option is given twice,
// the last one wins; an invalid value is reported even if a later option
// replaces it.
type ScheduleOption interface {
	Option
	applySchedule(*scheduleConfig)
}

// scheduleOption is the one implementation of ScheduleOption.
type scheduleOption struct {
	name  string // the option as written, e.g. "Backoff(2)", for error messages
	apply func(*scheduleConfig)
}

func (o scheduleOption) applySchedule(c *scheduleConfig) { o.apply(c) }

func (o scheduleOption) applyRetrier(c *retrierConfig) {
	c.scheduleOpts = append(c.scheduleOpts, o)
}

func newScheduleOption(name string, apply func(c *scheduleConfig)) ScheduleOption {
	return scheduleOption{name: name, apply: apply}
}

// scheduleConfig is the Schedule under construction plus what the checks
// that span several options need to know: which option set what.
type scheduleConfig struct {
	s Schedule

	backoffOpt, jitterOpt, rangeOpt, updateOpt, minOpt, maxOpt string
	errs                                                       []error
}

func (c *scheduleConfig) fail(option, format string, args ...any) {
	c.errs = append(c.errs, invalidOption(option, format, args...))
}

// check reports the problems that only the whole set of options shows.
func (c *scheduleConfig) check() {
	if c.jitterOpt != "" && c.rangeOpt != "" {
		c.fail(c.jitterOpt, "cannot be combined with %s", c.rangeOpt)
	}
	if c.updateOpt != "" {
		for _, other := range []string{c.backoffOpt, c.jitterOpt, c.rangeOpt} {
			if other != "" {
				c.fail(c.updateOpt, "cannot be combined with %s", other)
			}
		}
	}
	if c.s.hasMax && c.s.minDelay > c.s.maxDelay {
		c.fail(c.minOpt, "min delay is greater than %s", c.maxOpt)
	}
}

// Tries sets the most attempts a loop makes. A negative n means unlimited,
// which is the default; 0 is invalid, since it would mean not to try at all.
func Tries(n int) ScheduleOption {
	name := fmt.Sprintf("Tries(%d)", n)
	return newScheduleOption(name, func(c *scheduleConfig) {
		switch {
		case n == 0:
			c.fail(name, "tries cannot be 0")
		case n < 0:
			c.s.tries = -1
		default:
			c.s.tries = n
		}
	})
}

// Delay sets the wait before the second try. Later waits derive from it
// through [Backoff], [Jitter], [JitterRange] or [UpdateDelay]. Every wait,
// this one included, is clamped into [[MinDelay], [MaxDelay]]. The default is
// 0; a negative d is invalid.
func Delay(d time.Duration) ScheduleOption {
	name := fmt.Sprintf("Delay(%v)", d)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if d < 0 {
			c.fail(name, "delay cannot be negative")
			return
		}
		c.s.delay = d
	})
}

// Backoff multiplies each wait by f to get the next one (before jitter and
// clamping). f may be below 1 to shrink the waits. NaN, infinities and
// negative values are invalid. The default is 1.
func Backoff(f float64) ScheduleOption {
	name := fmt.Sprintf("Backoff(%g)", f)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			c.fail(name, "backoff must be a finite number >= 0")
			return
		}
		c.s.backoff = f
		c.backoffOpt = name
	})
}

// Jitter adds d to each new wait, after [Backoff]. d may be negative; the
// result is clamped into [[MinDelay], [MaxDelay]] and never below zero.
func Jitter(d time.Duration) ScheduleOption {
	name := fmt.Sprintf("Jitter(%v)", d)
	return newScheduleOption(name, func(c *scheduleConfig) {
		c.s.jitterLo, c.s.jitterHi = d, d
		c.jitterOpt = name
	})
}

// JitterRange adds to each new wait, after [Backoff], an amount drawn
// uniformly from [lo, hi]. lo > hi is invalid.
func JitterRange(lo, hi time.Duration) ScheduleOption {
	name := fmt.Sprintf("JitterRange(%v, %v)", lo, hi)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if lo > hi {
			c.fail(name, "lo is greater than hi")
			return
		}
		c.s.jitterLo, c.s.jitterHi = lo, hi
		c.rangeOpt = name
	})
}

// UpdateDelay computes each new wait from the previous one, as it was
// actually waited (after clamping). It replaces [Backoff] and jitter, and
// cannot be combined with them. f must not be nil and is called from every
// goroutine that iterates the Schedule, so it must be safe for concurrent use.
func UpdateDelay(f func(previous time.Duration) time.Duration) ScheduleOption {
	const name = "UpdateDelay(f)"
	return newScheduleOption(name, func(c *scheduleConfig) {
		if f == nil {
			c.fail("UpdateDelay(nil)", "update function cannot be nil")
			return
		}
		c.s.update = f
		c.updateOpt = name
	})
}

// MinDelay sets the shortest wait. Every wait shorter than d, the first one
// included, is raised to d. The default is 0; negative is invalid.
func MinDelay(d time.Duration) ScheduleOption {
	name := fmt.Sprintf("MinDelay(%v)", d)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if d < 0 {
			c.fail(name, "min delay cannot be negative")
			return
		}
		c.s.minDelay = d
		c.minOpt = name
	})
}

// MaxDelay sets the longest wait: every longer one is cut to d. By default
// there is no cap; MaxDelay(0) is a cap of zero. Negative is invalid, and so
// is a d below [MinDelay].
func MaxDelay(d time.Duration) ScheduleOption {
	name := fmt.Sprintf("MaxDelay(%v)", d)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if d < 0 {
			c.fail(name, "max delay cannot be negative")
			return
		}
		c.s.maxDelay, c.s.hasMax = d, true
		c.maxOpt = name
	})
}

// Logger sets where a loop's entries go. The default is [DefaultLogger].
// With a *logrus.Logger or a *logrus.Entry, entries of a disabled level cost
// nothing; any other FieldLogger is handed every entry. nil is invalid.
func Logger(l logrus.FieldLogger) ScheduleOption {
	return newScheduleOption("Logger(l)", func(c *scheduleConfig) {
		sink, ok := newLogSink(l)
		if !ok {
			name := "Logger(nil)"
			if l != nil {
				name = fmt.Sprintf("Logger((%T)(nil))", l)
			}
			c.fail(name, "logger cannot be nil")
			return
		}
		c.s.log = sink
	})
}

// WithSleep sets how a loop waits. f is called before every try but the
// first, even for a zero delay, with the loop's context (context.Background
// for [Schedule.Attempts]); a non-nil error ends the loop. The default waits
// on a timer, starts none for a zero delay, and returns ctx.Err() early when
// ctx is done. f must not be nil and must be safe for concurrent use. Tests
// use it to record waits instead of sleeping.
func WithSleep(f func(ctx context.Context, d time.Duration) error) ScheduleOption {
	return newScheduleOption("WithSleep(f)", func(c *scheduleConfig) {
		if f == nil {
			c.fail("WithSleep(nil)", "sleep function cannot be nil")
			return
		}
		c.s.sleep, c.s.defaultSleep = f, false
	})
}

package retry

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"time"

	"github.com/sirupsen/logrus"
)

// An Option configures a [Retrier]. Every [ScheduleOption] is also an Option,
// so [New] takes the options of both.
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

	backoffOpt, updateOpt, minOpt, maxOpt, loggerOpt, slogOpt string
	jitters                                                   []jitterOption // in the order given
	errs                                                      []error
}

// A jitterOption records a jitter given, by kind: two kinds together are
// an error, the same kind twice is not.
type jitterOption struct {
	kind string // "Jitter", "JitterRange", "FullJitter", …
	name string
}

func (c *scheduleConfig) fail(option, format string, args ...any) {
	c.errs = append(c.errs, invalidOption(option, format, args...))
}

// setJitter records a jitter option; apply sets it on the schedule.
func (c *scheduleConfig) setJitter(kind, name string, apply func(s *Schedule)) {
	c.jitters = append(c.jitters, jitterOption{kind: kind, name: name})
	c.s.jitterLo, c.s.jitterHi, c.s.jitter, c.s.factor = 0, 0, noJitter, 0
	apply(&c.s)
}

// check reports the problems that only the whole set of options shows.
func (c *scheduleConfig) check() {
	var first jitterOption
	for _, j := range c.jitters {
		if first.kind == "" {
			first = j
		} else if j.kind != first.kind {
			c.fail(first.name, "cannot be combined with %s", j.name)
			break
		}
	}
	kaio := first.kind == "Jitter" || first.kind == "JitterRange"
	if c.updateOpt != "" {
		for _, other := range []string{c.backoffOpt, kaioName(kaio, first)} {
			if other != "" {
				c.fail(c.updateOpt, "cannot be combined with %s", other)
			}
		}
	}
	if first.kind == "DecorrelatedJitter" && c.backoffOpt != "" {
		c.fail(first.name, "cannot be combined with %s: its waits grow from the previous one", c.backoffOpt)
	}
	if first.kind == "DecorrelatedJitter" && c.updateOpt != "" {
		c.fail(first.name, "cannot be combined with %s: its waits grow from the previous one", c.updateOpt)
	}
	if c.s.hasMax && c.s.minDelay > c.s.maxDelay {
		c.fail(c.minOpt, "min delay is greater than %s", c.maxOpt)
	}
	if c.loggerOpt != "" && c.slogOpt != "" {
		c.fail(c.loggerOpt, "cannot be combined with %s", c.slogOpt)
	}
}

func kaioName(kaio bool, j jitterOption) string {
	if kaio {
		return j.name
	}
	return ""
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
			c.s.tries = 0
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
		c.s.backoff, c.s.scaled = f, f != 1
		c.backoffOpt = name
	})
}

// Jitter adds d to each new wait, after [Backoff], as KaioRetry does: the
// amount stays in the progression, so it compounds from one wait to the
// next. d may be negative; the result is clamped into
// [[MinDelay], [MaxDelay]] and never below zero.
func Jitter(d time.Duration) ScheduleOption {
	name := fmt.Sprintf("Jitter(%v)", d)
	return newScheduleOption(name, func(c *scheduleConfig) {
		c.setJitter("Jitter", name, func(s *Schedule) { s.jitterLo, s.jitterHi = d, d })
	})
}

// JitterRange adds to each new wait, after [Backoff], an amount drawn
// uniformly from [lo, hi], as KaioRetry does: it compounds like [Jitter].
// lo > hi is invalid.
func JitterRange(lo, hi time.Duration) ScheduleOption {
	name := fmt.Sprintf("JitterRange(%v, %v)", lo, hi)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if lo > hi {
			c.fail(name, "lo is greater than hi")
			return
		}
		c.setJitter("JitterRange", name, func(s *Schedule) { s.jitterLo, s.jitterHi = lo, hi })
	})
}

// FullJitter draws each wait uniformly from [0, w], where w is the wait the
// schedule computes without jitter. The draws do not compound: w goes on
// as if there were none.
func FullJitter() ScheduleOption {
	return newScheduleOption("FullJitter()", func(c *scheduleConfig) {
		c.setJitter("FullJitter", "FullJitter()", func(s *Schedule) { s.jitter = fullJitter })
	})
}

// EqualJitter draws each wait uniformly from [w/2, w], where w is the wait
// the schedule computes without jitter. The draws do not compound.
func EqualJitter() ScheduleOption {
	return newScheduleOption("EqualJitter()", func(c *scheduleConfig) {
		c.setJitter("EqualJitter", "EqualJitter()", func(s *Schedule) { s.jitter = equalJitter })
	})
}

// JitterFactor draws each wait uniformly from [w(1-f), w(1+f)], where w is
// the wait the schedule computes without jitter. The draws do not
// compound. f must be in (0, 1].
func JitterFactor(f float64) ScheduleOption {
	name := fmt.Sprintf("JitterFactor(%g)", f)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if !(f > 0 && f <= 1) {
			c.fail(name, "factor must be in (0, 1]")
			return
		}
		c.setJitter("JitterFactor", name, func(s *Schedule) { s.jitter, s.factor = factorJitter, f })
	})
}

// DecorrelatedJitter draws each wait uniformly from [Delay, 3 × the previous
// wait] (the first from [Delay, 3 × Delay]), capped by [MaxDelay]: AWS's
// "decorrelated jitter", which depends on the previous wait by design. It
// cannot be combined with [Backoff] or [UpdateDelay].
func DecorrelatedJitter() ScheduleOption {
	return newScheduleOption("DecorrelatedJitter()", func(c *scheduleConfig) {
		c.setJitter("DecorrelatedJitter", "DecorrelatedJitter()", func(s *Schedule) { s.jitter = decorrelatedJitter })
	})
}

// UpdateDelay computes each new wait from the previous one, as it was
// actually waited (after clamping). It replaces [Backoff], [Jitter] and
// [JitterRange], and cannot be combined with them. f must not be nil and is
// called from every goroutine that iterates the Schedule, so it must be
// safe for concurrent use.
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

// MaxElapsed bounds a loop in time: no try starts later than d after the
// loop began. A wait that would end past that point is not started: the
// loop ends at once, as if its tries had run out. d must be positive.
func MaxElapsed(d time.Duration) ScheduleOption {
	name := fmt.Sprintf("MaxElapsed(%v)", d)
	return newScheduleOption(name, func(c *scheduleConfig) {
		if d <= 0 {
			c.fail(name, "elapsed time must be > 0")
			return
		}
		c.s.maxElapsed = d
	})
}

// Logger sets where a loop's entries go. The default is [DefaultLogger].
// When l is a *logrus.Logger, a *logrus.Entry, or has a method
// GetLevel() logrus.Level, entries of a disabled level cost nothing; any
// other FieldLogger is handed every entry. nil is invalid, and so is a
// typed nil. It cannot be combined with [Slog].
func Logger(l logrus.FieldLogger) ScheduleOption {
	return newScheduleOption("Logger(l)", func(c *scheduleConfig) {
		sink, ok := logrusSink(l)
		if !ok {
			name := "Logger(nil)"
			if l != nil {
				name = fmt.Sprintf("Logger((%T)(nil))", l)
			}
			c.fail(name, "logger cannot be nil")
			return
		}
		c.s.log, c.loggerOpt = sink, "Logger(l)"
	})
}

// Slog makes a loop write its entries through l, with the same messages
// and levels as through logrus and the loop's identifier in the attribute
// "loop". Entries of a level that l's handler does not enable cost nothing.
// nil is invalid. It cannot be combined with [Logger].
func Slog(l *slog.Logger) ScheduleOption {
	return newScheduleOption("Slog(l)", func(c *scheduleConfig) {
		if l == nil {
			c.fail("Slog(nil)", "logger cannot be nil")
			return
		}
		c.s.log, c.slogOpt = logSink{sl: l}, "Slog(l)"
	})
}

// WithSleep sets how a loop waits. f is called before every try but the
// first, even for a zero delay, with the loop's context (context.Background
// for [Schedule.Attempts]); a non-nil error ends the loop. The default waits
// on a timer, one per loop, starts none for a zero delay, and returns
// ctx.Err() early when ctx is done. f must not be nil and must be safe for
// concurrent use. Tests use it to record waits instead of sleeping.
func WithSleep(f func(ctx context.Context, d time.Duration) error) ScheduleOption {
	return newScheduleOption("WithSleep(f)", func(c *scheduleConfig) {
		if f == nil {
			c.fail("WithSleep(nil)", "sleep function cannot be nil")
			return
		}
		c.s.sleep = f
	})
}

// isNilPointer reports whether v holds a nil pointer (a typed nil).
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

package retry

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// A Schedule keeps count of tries and of the waits between them: it is
// KaioRetry's Context. It is built once by [NewSchedule], never changes, and
// is safe for concurrent use: every loop over it (a range over
// [Schedule.Attempts], or one call of a decorated function) counts its own
// tries, keeps its own waits and logs with its own identifier.
//
// The first wait is the [Delay]; each later one is the update of the one
// before ([UpdateDelay], or previous × [Backoff] + [Jitter]). Every wait is
// clamped into [[MinDelay], [MaxDelay]], is never negative and saturates at
// the longest time.Duration instead of overflowing. [FullJitter],
// [EqualJitter], [JitterFactor] and [DecorrelatedJitter] draw each wait
// from that progression without changing it.
//
// The zero Schedule behaves as one returned by NewSchedule without options.
type Schedule struct {
	tries              int // 0: unlimited
	delay              time.Duration
	backoff            float64
	scaled             bool // Backoff was given: waits are multiplied by backoff
	jitterLo, jitterHi time.Duration
	jitter             jitterMode
	factor             float64 // JitterFactor's f
	update             func(time.Duration) time.Duration
	minDelay, maxDelay time.Duration
	hasMax             bool
	maxElapsed         time.Duration // 0: no limit
	log                logSink
	sleep              func(context.Context, time.Duration) error // nil: a timer

	fixed bool // every wait is the first one: worked out by NewSchedule
}

// jitterMode is how a wait is drawn from the schedule's progression.
type jitterMode uint8

const (
	noJitter jitterMode = iota // the wait is the progression's (KaioRetry's jitter is in the progression)
	fullJitter
	equalJitter
	factorJitter
	decorrelatedJitter
)

// DefaultSchedule makes unlimited tries with no delay between them, like
// KaioRetry's DEFAULT_CONTEXT. It is what a [Retrier] uses when given no
// schedule options.
var DefaultSchedule = Must(NewSchedule())

// NewSchedule returns a Schedule built from opts. Without options it makes
// unlimited tries with no delay. Every invalid option is reported in the
// returned error, which wraps [ErrInvalidOption].
func NewSchedule(opts ...ScheduleOption) (*Schedule, error) {
	var c scheduleConfig
	for _, o := range opts {
		if o == nil {
			c.fail("<nil>", "option cannot be nil")
			continue
		}
		o.applySchedule(&c)
	}
	c.check()
	if err := joinErrors(c.errs); err != nil {
		return nil, err
	}
	s := &c.s
	s.fixed = s.update == nil && !s.scaled && s.jitterLo == 0 && s.jitterHi == 0 && s.jitter == noJitter
	return s, nil
}

// Attempts returns an iterator over the tries of a new loop: it yields 0, 1,
// 2, … up to the number of tries, forever when tries are unlimited. There is
// no wait before the first value; before each later one the loop logs at
// Info level and waits, through the sleep function with
// context.Background(). Breaking out of the range stops the loop at once.
func (s *Schedule) Attempts() iter.Seq[int] {
	return s.AttemptsContext(context.Background())
}

// AttemptsContext is like [Schedule.Attempts], but waits with ctx and stops
// as soon as ctx is done: a wait ends early, and no further value is
// yielded, none at all when ctx is already done. The caller reads ctx.Err()
// to tell a cancellation from the end of the tries. A nil ctx is
// context.Background().
func (s *Schedule) AttemptsContext(ctx context.Context) iter.Seq[int] {
	if ctx == nil {
		ctx = context.Background()
	}
	return func(yield func(int) bool) {
		// A deadline does not end the range early: the caller reads ctx.Err().
		l := loop{stoppedError: stoppedError{ctx: ctx}, arg: ctx, r: &bareRetrier, s: s, deadlineRead: true}
		if !l.begin() {
			return
		}
		for i := 0; yield(i); i++ {
			if !l.more() || !l.again(nil) {
				return
			}
		}
	}
}

// limit is the most tries a loop makes.
func (s *Schedule) limit() int {
	if s.tries <= 0 {
		return math.MaxInt
	}
	return s.tries
}

// next returns the wait before the loop's next try, drawn from the
// schedule, and keeps in l what the wait after it derives from.
func (s *Schedule) next(l *loop) time.Duration {
	if s.fixed && l.tries > 1 {
		return l.wait
	}
	return s.draw(l)
}

// draw is next for a wait that must be worked out.
func (s *Schedule) draw(l *loop) time.Duration {
	switch {
	case l.tries == 1:
		l.base = s.clamp(s.delay)
	case s.update != nil || s.scaled || s.jitterLo != 0 || s.jitterHi != 0:
		l.base = s.clamp(s.updated(l.base))
	}
	w := l.base
	switch s.jitter {
	case fullJitter:
		w = s.clamp(between(0, w))
	case equalJitter:
		w = s.clamp(between(w-w/2, w))
	case factorJitter:
		w = s.clamp(between(scale(w, 1-s.factor), scale(w, 1+s.factor)))
	case decorrelatedJitter:
		prev := l.wait
		if l.tries == 1 {
			prev = s.delay
		}
		w = s.clamp(between(s.delay, scale(prev, 3)))
	}
	l.wait = w
	return w
}

// updated returns the wait that follows prev in the progression, before
// clamping.
func (s *Schedule) updated(prev time.Duration) time.Duration {
	if s.update != nil {
		return s.update(prev)
	}
	j := s.jitterLo
	if s.jitterHi != s.jitterLo {
		j = between(s.jitterLo, s.jitterHi)
	}
	if !s.scaled {
		return addSaturating(prev, j)
	}
	f := float64(prev)*s.backoff + float64(j)
	switch {
	case f >= math.MaxInt64: // float64(MaxInt64) rounds up to 2⁶³
		return math.MaxInt64
	case f <= 0:
		return 0
	}
	return time.Duration(f)
}

// between draws a duration uniformly from [lo, hi]; hi below lo is taken as
// lo.
func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	// span fits in a uint64 whatever the bounds; lo+draw wraps back into range.
	span := uint64(hi) - uint64(lo)
	var draw uint64
	if span == math.MaxUint64 {
		draw = rand.Uint64()
	} else {
		draw = rand.Uint64N(span + 1)
	}
	return time.Duration(uint64(lo) + draw)
}

// scale returns d × f, saturating at the longest duration.
func scale(d time.Duration, f float64) time.Duration {
	x := float64(d) * f
	switch {
	case x >= math.MaxInt64:
		return math.MaxInt64
	case x <= 0:
		return 0
	}
	return time.Duration(x)
}

func addSaturating(a, b time.Duration) time.Duration {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// clamp puts d into [min, max]; min is never negative, so neither is d.
func (s *Schedule) clamp(d time.Duration) time.Duration {
	if d < s.minDelay {
		d = s.minDelay
	}
	if s.hasMax && d > s.maxDelay {
		d = s.maxDelay
	}
	return d
}

// String describes the schedule: its tries, and its first delay between the
// clamp bounds, as in "Schedule(tries=3, 0s <= 1s <= 5s, backoff=2)".
func (s *Schedule) String() string {
	var b strings.Builder
	b.WriteString("Schedule(tries=")
	if s.tries <= 0 {
		b.WriteString("unlimited")
	} else {
		fmt.Fprint(&b, s.tries)
	}
	fmt.Fprintf(&b, ", %v <= %v <= ", s.minDelay, s.delay)
	if s.hasMax {
		fmt.Fprint(&b, s.maxDelay)
	} else {
		b.WriteString("inf")
	}
	switch {
	case s.update != nil:
		b.WriteString(", update=func")
	case s.scaled:
		fmt.Fprintf(&b, ", backoff=%g", s.backoff)
	}
	switch {
	case s.jitterLo != s.jitterHi:
		fmt.Fprintf(&b, ", jitter=[%v, %v]", s.jitterLo, s.jitterHi)
	case s.jitterLo != 0:
		fmt.Fprintf(&b, ", jitter=%v", s.jitterLo)
	case s.jitter == fullJitter:
		b.WriteString(", jitter=full")
	case s.jitter == equalJitter:
		b.WriteString(", jitter=equal")
	case s.jitter == decorrelatedJitter:
		b.WriteString(", jitter=decorrelated")
	case s.jitter == factorJitter:
		fmt.Fprintf(&b, ", jitter=±%g", s.factor)
	}
	if s.maxElapsed > 0 {
		fmt.Fprintf(&b, ", elapsed<=%v", s.maxElapsed)
	}
	b.WriteByte(')')
	return b.String()
}

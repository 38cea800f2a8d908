package retry

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// A Schedule keeps count of tries and of the waits between them: it is
// KaioRetry's Context. It is built once by [NewSchedule], never changes, and
// is safe for concurrent use: every loop over it (a range over
// [Schedule.Attempts], or one call of a decorated function) counts its own
// tries, keeps its own delay and logs with its own identifier.
//
// The first wait is the [Delay]; each later one is the update of the one
// before ([UpdateDelay], or previous × [Backoff] + jitter). Every wait is
// clamped into [[MinDelay], [MaxDelay]], is never negative and saturates at
// the longest time.Duration instead of overflowing.
type Schedule struct {
	tries              int // < 0: unlimited
	delay              time.Duration
	backoff            float64
	jitterLo, jitterHi time.Duration
	update             func(time.Duration) time.Duration
	minDelay, maxDelay time.Duration
	hasMax             bool
	log                logSink
	sleep              func(context.Context, time.Duration) error
	defaultSleep       bool // sleep is sleepContext

	// Worked out once by NewSchedule, for the loops.
	limit    int           // tries, or math.MaxInt when unlimited
	first    time.Duration // the first wait: delay, clamped
	constant bool          // every wait is the first one
}

// DefaultSchedule makes unlimited tries with no delay between them, like
// KaioRetry's DEFAULT_CONTEXT. It is what a [Retrier] uses when given no
// schedule options.
var DefaultSchedule = Must(NewSchedule())

// NewSchedule returns a Schedule built from opts. Without options it makes
// unlimited tries with no delay. Every invalid option is reported in the
// returned error, which wraps [ErrInvalidOption].
func NewSchedule(opts ...ScheduleOption) (*Schedule, error) {
	c := scheduleConfig{s: Schedule{tries: -1, backoff: 1, sleep: sleepContext, defaultSleep: true}}
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
	s.limit = s.tries
	if s.tries < 0 {
		s.limit = math.MaxInt
	}
	s.first = s.clamp(s.delay)
	s.constant = s.update == nil && s.backoff == 1 && s.jitterLo == 0 && s.jitterHi == 0
	return s, nil
}

// Attempts returns an iterator over the tries of a new loop: it yields 0, 1,
// 2, … up to the number of tries, forever when tries are unlimited. There is
// no wait before the first value; before each later one the loop logs at
// Info level and waits, through the sleep function with
// context.Background(). Breaking out of the range stops the loop at once.
// It is KaioRetry's Context.__iter__.
func (s *Schedule) Attempts() iter.Seq[int] {
	return s.AttemptsContext(context.Background())
}

// AttemptsContext is like [Schedule.Attempts], but waits with ctx and stops
// as soon as ctx is done: a wait ends early, and no further value is
// yielded, none at all when ctx is already done. The caller reads ctx.Err()
// to tell a cancellation from the end of the tries. It is KaioRetry's
// Context.__aiter__.
func (s *Schedule) AttemptsContext(ctx context.Context) iter.Seq[int] {
	return func(yield func(int) bool) {
		l := s.start(ctx)
		for l.next() {
			if !yield(l.tried - 1) {
				return
			}
		}
	}
}

// String describes the schedule: its tries, and its first delay between the
// clamp bounds, as in "Schedule(tries=3, 0s <= 1s <= 5s, backoff=2)".
func (s *Schedule) String() string {
	var b strings.Builder
	b.WriteString("Schedule(tries=")
	if s.tries < 0 {
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
	case s.backoff != 1:
		fmt.Fprintf(&b, ", backoff=%g", s.backoff)
	}
	switch {
	case s.jitterLo != s.jitterHi:
		fmt.Fprintf(&b, ", jitter=[%v, %v]", s.jitterLo, s.jitterHi)
	case s.jitterLo != 0:
		fmt.Fprintf(&b, ", jitter=%v", s.jitterLo)
	}
	b.WriteByte(')')
	return b.String()
}

// loop is the state of one iteration over a Schedule. It lives on its
// caller's stack: a loop that does not log allocates nothing.
type loop struct {
	s     *Schedule
	ctx   context.Context
	tried int           // tries started so far
	wait  time.Duration // the last wait
	err   error         // why the loop stopped early: the sleep's or ctx's error
	id    loopID
	level logrus.Level // the logger's level, read when the loop begins
}

func (s *Schedule) start(ctx context.Context) loop {
	return loop{s: s, ctx: ctx}
}

// next reports whether another try may start, after logging and waiting for
// it. It returns false when the tries are used up (without waiting), or when
// the sleep function or ctx ends the loop; l.err then tells why.
func (l *loop) next() bool {
	if l.tried == 0 {
		return l.begin()
	}
	return l.again()
}

// begin starts the first try, which needs no wait: it reports false, with
// l.err set, when ctx is already done. It reads the logger's level for the
// whole loop.
func (l *loop) begin() bool {
	l.level = l.s.log.threshold()
	l.err = l.ctx.Err()
	l.tried = 1
	return l.err == nil
}

// again is next for every try but the first.
func (l *loop) again() bool {
	s := l.s
	if l.tried >= s.limit {
		return false
	}
	switch {
	case l.tried == 1:
		l.wait = s.first
	case !s.constant:
		l.wait = s.clamp(s.updated(l.wait))
	}
	if l.logs(logrus.InfoLevel) {
		l.logWait()
	}
	// The default sleep returns at once for a zero wait: skip the call.
	if l.wait > 0 || !s.defaultSleep {
		if err := s.sleep(l.ctx, l.wait); err != nil {
			l.err = err
			return false
		}
	}
	if err := l.ctx.Err(); err != nil {
		l.err = err
		return false
	}
	l.tried++
	return true
}

// logs reports whether the loop's logger writes entries at lvl. The level
// is read when the loop starts: a change of level applies from the next loop.
func (l *loop) logs(lvl logrus.Level) bool { return lvl <= l.level }

func (l *loop) logWait() {
	e := l.s.log.with(&l.id)
	if l.s.tries < 0 {
		e.Infof("try #%d", l.tried+1)
	} else {
		e.Infof("%d tries remaining", l.s.tries-l.tried)
	}
	e.Infof("sleeping %v", l.wait)
}

// updated returns the wait that follows prev, before clamping.
func (s *Schedule) updated(prev time.Duration) time.Duration {
	if s.update != nil {
		return s.update(prev)
	}
	j := s.jitterLo
	if s.jitterHi != s.jitterLo {
		// span fits in a uint64 whatever the bounds; lo+draw wraps back into range.
		span := uint64(s.jitterHi) - uint64(s.jitterLo)
		var draw uint64
		if span == math.MaxUint64 {
			draw = rand.Uint64()
		} else {
			draw = rand.Uint64N(span + 1)
		}
		j = time.Duration(uint64(s.jitterLo) + draw)
	}
	if s.backoff == 1 {
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

// sleepContext is the default sleep: a timer that stops early when ctx is
// done, and no timer at all for a zero delay.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	done := ctx.Done()
	if done == nil {
		time.Sleep(d)
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

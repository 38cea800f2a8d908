package retry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sirupsen/logrus"
)

// This file holds the one retry loop. Every form drives it: the reflective
// wrappers, the channel and Outcome forms, the fast paths, Do and DoValue
// hand it a try, a func(context.Context) error that makes one try and
// reports its failure; a range over a Schedule uses its waits alone.
//
// The rule for panics, in every form: a panic in fn is a failure under
// RetryPanics, recovered around the try only. A panic anywhere else (a
// filter, a hook, a DelayFrom or IfResult function, the sleep function, a
// logger) is never recovered by the loop: it goes up as a panic in fn does
// when it is not retried, up the caller's stack, or, where there is no
// caller's stack (Async), into Outcome.Err as a *PanicError, or raised on
// the channel loop's goroutine.

// A loop is the state of one call's loop, or of one range over a Schedule.
// A call's loop comes from a pool (loops), a range's is the range's own: a
// loop that needs no option that costs allocates nothing.
//
// A stopped loop is its own error: it begins with the stoppedError that the
// call gets (stop, ctx, last, tries), which a stop fills as it goes, and is
// then kept rather than pooled. The fields are ordered for a loop that a
// cancellation wakes: what it reads comes first, near the timer, so that a
// hundred thousand loops woken at once each touch a line or two of memory.
type loop struct {
	stoppedError             // stop, ctx (the waits' context), last failure, tries started
	timer        *time.Timer // the default sleep's timer, reused for every wait

	r      *Retrier
	s      *Schedule
	entry  *logrus.Entry // logrus: an entry carrying the loop's identifier
	slog   *slog.Logger  // slog: a logger carrying it
	name   string        // the function's, for entries and hooks
	level  logrus.Level  // the most verbose level written, read when the loop begins
	reason StopReason    // why the loop gave up
	raw    bool          // see call
	kept   bool          // the caller got l's stoppedError: l is not pooled

	timedOut                  bool // the last try failed by its own AttemptTimeout
	deadlineRead, hasDeadline bool // whether ctx has a deadline, read at the first wait

	arg    context.Context // what tries get
	base   time.Duration   // the schedule's wait, without jitter
	wait   time.Duration   // the schedule's last drawn wait, without hint
	waited time.Duration   // the last wait as waited
	start  time.Time       // when the loop began; set only when read
	id     uuid.UUID       // drawn when first needed
}

// loops keeps the state of loops that ended for the next ones, so that a
// loop's state costs no allocation and takes no room on its caller's
// stack.
var loops = sync.Pool{New: func() any { return new(loop) }}

// free clears l and puts it back in the pool, unless the caller got its
// stoppedError: then it drops what that error does not read.
func (l *loop) free() {
	if l.kept {
		l.timer, l.entry, l.slog = nil, nil, nil
		return
	}
	*l = loop{}
	loops.Put(l)
}

// bareRetrier is the Retrier of a range over a Schedule: no hooks, no
// hints, nothing per try.
var bareRetrier Retrier

// A call is what a form hands the loop: waits end when ctx is done, each
// try is given arg. name is the function's name, or "" for one resolved
// from run's fn when something shows it. raw: the caller gets a failure with
// its Permanent wrapper (a channel's value, delivered as received).
type call struct {
	ctx, arg context.Context
	name     string
	raw      bool
}

// A signal is a failure that a try reports and the loop judges itself. It
// has a type of its own, so that telling a signal from fn's error is one
// comparison of types.
type signal uint8

const (
	// errByValue: the try succeeded but IfResult wants another; the caller
	// gets its results with a nil error if the loop ends there.
	errByValue signal = iota + 1
	// errNoValue: a channel closed with no value. Always retried.
	errNoValue
	// errTryStopped: ctx ended a try's wait for its channel.
	errTryStopped
)

func (s signal) Error() string {
	switch s {
	case errByValue:
		return "retry: result to be retried"
	case errNoValue:
		return "retry: channel closed with no value"
	}
	return "retry: stopped while waiting for a value"
}

// typed is run's outcome for a caller with a typed signature (Do,
// DoValue, the fast paths): the panic of the last try is raised again, and
// a top-level Permanent wrapper is removed; stopped is passed on. It is
// inlined, so that it adds no frame to a waiting loop's stack.
func typed(p *PanicError, err error, stopped bool) (error, bool) {
	if p != nil {
		panic(p.Value)
	}
	return stripPermanent(err), stopped
}

// run calls try until it succeeds, fails in a way that is not retried, or
// the loop ends. It returns the panic of the final try (RetryPanics), for
// the caller to raise or deliver; its error as fn returned it: nil after a
// success, or after a retry by value that was the last; after a stop, an
// error matching the stop, ctx's cause and the last failure; and whether
// the loop was stopped.
//
// fn is the function whose name entries and hooks show when c has none
// (Do, DoValue): it is resolved only when something shows it, and it is
// not kept in the loop, with which it would escape.
//
// This is the hot path of every call. A first try that succeeds, with no
// option that needs the loop from the start, costs a check of ctx and of
// the Debug level: the loop's state is built only when there is more to do.
// A waiting loop's stack holds two frames (the caller's and run's, which
// waits) and its state is in a loop from a pool: a hundred
// thousand waiting loops fit in the smallest stacks, and wake up touching
// little memory.
func (r *Retrier) run(c *call, try func(context.Context) error, fn any) (p *PanicError, err error, stopped bool) {
	first := r.fromStart || c.ctx.Err() != nil // the loop makes the first try
	if !first {
		err = try(c.arg)
		if err == nil && r.budget == nil && r.sched().log.threshold(c.ctx) < logrus.DebugLevel {
			return nil, nil, false
		}
	}
	l := loops.Get().(*loop)
	defer l.free()
	l.ctx, l.arg, l.name, l.raw, l.r, l.s = c.ctx, c.arg, c.name, c.raw, r, r.sched()
	if first {
		if !l.begin() {
			l.nameIf(r.clock, fn)
			err = l.stopError()
			l.gaveUp(err)
			return nil, err, true
		}
		l.nameIf(r.carry, fn)
	} else {
		l.level, l.tries = l.s.log.threshold(l.ctx), 1
	}

	// Make a try, unless run made it; judge it, and try again until a try
	// succeeds, fails in a way that is not retried, or the loop ends.
	for tryNow := first; ; tryNow = true {
		if tryNow {
			if r.perTry {
				p, err = l.attemptWithOptions(try)
			} else {
				p, err = nil, try(l.arg)
			}
		}
		if p == nil && err == nil {
			l.nameIf(l.logs(logrus.DebugLevel), fn)
			l.succeeded()
			return nil, nil, false
		}
		l.nameIf(r.clock || l.logs(logrus.WarnLevel), fn)
		var failure error // what the try failed with, for hooks and hints
		sig, _ := err.(signal)
		switch {
		case p != nil:
			failure, l.last = p, p
		case sig == errTryStopped:
			l.stopWith(l.ctx.Err())
			return nil, l.finish(nil, l.stopError()), true
		case sig == errByValue:
		case sig == errNoValue, l.timedOut, r.retryable(err):
			failure, l.last = err, err
		default:
			l.reason = StopNotRetryable
			l.gaveUp(l.delivered(err))
			return nil, err, false
		}
		if l.logs(logrus.WarnLevel) {
			l.logFailure(failure)
		}
		allowed := r.budget == nil || r.budget.take()
		switch {
		case !l.more():
			l.reason = StopTries
		case !allowed:
			l.reason = StopBudget
		default: // again(failure), with its wait in this frame
			if done, ok := l.ready(failure); ok && l.resume(done == nil || l.sleep(done)) {
				continue
			}
		}
		break
	}
	if l.stop != nil {
		return p, l.finish(p, l.stopError()), true
	}
	if sig, _ := err.(signal); sig == errByValue {
		err = nil
	}
	return p, l.finish(p, err), false
}

// nameIf resolves the name of fn when it is needed and not known.
func (l *loop) nameIf(needed bool, fn any) {
	if needed && l.name == "" {
		l.name = funcName(fn)
	}
}

// begin starts the first try, which needs no wait. It reports false, with
// the loop stopped, when ctx is already done.
func (l *loop) begin() bool {
	l.level = l.s.log.threshold(l.ctx)
	if l.s.maxElapsed > 0 || l.r.clock {
		l.start = time.Now()
	}
	if err := l.ctx.Err(); err != nil {
		l.stopWith(err)
		return false
	}
	l.tries = 1
	return true
}

func (l *loop) succeeded() {
	if b := l.r.budget; b != nil {
		b.give()
	}
	if l.logs(logrus.DebugLevel) {
		l.logf(logrus.DebugLevel, "%s: succeeded at try #%d", l.name, l.tries)
	}
}

// finish reports the give-up, and returns err.
func (l *loop) finish(p *PanicError, err error) error {
	if p != nil {
		l.gaveUp(p)
	} else {
		l.gaveUp(l.delivered(err))
	}
	return err
}

// delivered is the failure err as the caller gets it: without a top-level
// Permanent wrapper, except in a channel's value, delivered as received.
func (l *loop) delivered(err error) error {
	if l.raw {
		return err
	}
	return stripPermanent(err)
}

// more reports whether the tries allow another one.
func (l *loop) more() bool { return l.tries < l.s.limit() }

// again waits for the next try, in three steps: ready draws the wait and
// starts it, sleep waits on the loop's timer, resume ends the wait. It
// reports false when the loop ends instead. run takes the same steps
// itself, so that a waiting loop's stack holds no frame of again's: sleep,
// the one place where a loop waits, is inlined.
func (l *loop) again(failure error) bool {
	done, ok := l.ready(failure)
	return ok && l.resume(done == nil || l.sleep(done))
}

// ready draws the next wait (a hint from failure replaces it), gives up
// without waiting when the wait would end past MaxElapsed or ctx's
// deadline, calls the OnRetry hooks and logs. Then it starts the wait: it
// calls the schedule's sleep function, or starts the loop's timer (on the
// first wait; it resets it for each later one) and returns ctx's Done
// channel, for sleep to watch. It returns nil after a wait that is over,
// or none (the default sleep returns at once for a zero wait), and false
// when the loop ends instead.
func (l *loop) ready(failure error) (<-chan struct{}, bool) {
	wait := l.s.next(l)
	if failure != nil && (l.r.delayOf != nil || mayHint(failure)) {
		if d, ok := l.hint(failure); ok {
			wait = l.s.clamp(d)
		}
	}
	if !l.deadlineRead {
		_, l.hasDeadline = l.ctx.Deadline()
		l.deadlineRead = true
	}
	if (l.hasDeadline || l.s.maxElapsed > 0) && !l.inTime(wait) {
		return nil, false
	}
	if len(l.r.onRetry) > 0 {
		l.fire(l.r.onRetry, failure, wait)
	}
	if l.logs(logrus.InfoLevel) {
		l.logWait(wait)
	}
	l.waited = wait
	switch {
	case l.s.sleep != nil:
		if err := l.s.sleep(l.ctx, wait); err != nil {
			l.stopWith(err)
			return nil, false
		}
	case wait > 0:
		done := l.ctx.Done()
		if done == nil {
			time.Sleep(wait)
			break
		}
		select {
		case <-done: // already done: no timer to start
			l.stopWith(l.ctx.Err())
			return nil, false
		default:
		}
		if l.timer == nil {
			l.timer = time.NewTimer(wait)
		} else {
			l.timer.Reset(wait)
		}
		return done, true
	}
	return nil, true
}

// sleep waits until the loop's timer fires, and reports true, or until done
// is closed, and reports false.
func (l *loop) sleep(done <-chan struct{}) bool {
	select {
	case <-done:
		return false
	case <-l.timer.C:
		return true
	}
}

// resume ends a wait, which ran out (woken) or was ended by ctx: it reports
// whether the next try may start.
func (l *loop) resume(woken bool) bool {
	if !woken {
		l.timer.Stop()
		l.stopWith(l.ctx.Err())
		return false
	}
	if err := l.ctx.Err(); err != nil {
		l.stopWith(err)
		return false
	}
	l.tries++
	return true
}

// errorStringType is the type of errors.New's errors, the commonest
// failures: they carry no hint, and their tree has no other node.
var errorStringType = reflect.TypeOf(errors.New(""))

// mayHint reports whether err may carry a hint: any error but one of
// errors.New's, so that the commonest failures skip the walk of the tree.
func mayHint(err error) bool { return reflect.TypeOf(err) != errorStringType }

// hint returns the wait that failure asks for: DelayFrom's, or the
// RetryAfter method of an error in its tree.
func (l *loop) hint(failure error) (time.Duration, bool) {
	if f := l.r.delayOf; f != nil {
		if d, ok := f(failure); ok {
			return max(d, 0), true
		}
	}
	return hintOf(failure)
}

// inTime reports whether a wait of d can end before MaxElapsed and before
// ctx's deadline; otherwise it ends the loop, which returns at once what it
// would return at the end of that wait.
func (l *loop) inTime(d time.Duration) bool {
	if l.s.maxElapsed > 0 && time.Since(l.start)+d > l.s.maxElapsed {
		l.reason = StopElapsed
		return false
	}
	if l.hasDeadline {
		if deadline, _ := l.ctx.Deadline(); !time.Now().Add(d).Before(deadline) {
			l.stopWith(context.DeadlineExceeded)
			return false
		}
	}
	return true
}

// attemptWithOptions makes one try with a timeout of its own
// (AttemptTimeout), its Attempt in its context (CarryAttempt), and panics
// recovered (RetryPanics), as the Retrier asks.
func (l *loop) attemptWithOptions(try func(context.Context) error) (p *PanicError, err error) {
	ctx := l.arg
	if l.r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.r.timeout)
		defer cancel()
	}
	if l.r.carry {
		ctx = &attemptCtx{Context: ctx, a: l.event(nil, l.waited)}
	}
	if l.r.panics {
		p, err = recovering(ctx, try)
	} else {
		err = try(ctx)
	}
	l.timedOut = l.r.timeout > 0 && (err != nil || p != nil) &&
		errors.Is(ctx.Err(), context.DeadlineExceeded) && l.arg.Err() == nil
	return p, err
}

// recovering makes one try, recovering a panic into p. runtime.Goexit is
// not a panic: it goes on.
func recovering(ctx context.Context, try func(context.Context) error) (p *PanicError, err error) {
	done := false
	defer func() {
		if !done {
			if v := recover(); v != nil {
				p = &PanicError{Value: v, Stack: debug.Stack()}
			}
		}
	}()
	err = try(ctx)
	done = true
	return nil, err
}

func (l *loop) stopWith(err error) {
	l.stop, l.reason = err, StopContext
}

// stopError is the error of a stopped call: the stop itself when there is
// nothing else to match, otherwise a *stoppedError, formatted only when
// read.
//
// It reads ctx's cause only when there is no last failure. Otherwise the
// error reads it when asked: context.Cause locks ctx, and a hundred
// thousand loops stopped by one context would all queue on that lock.
func (l *loop) stopError() error {
	if l.last == nil && context.Cause(l.ctx) == l.stop {
		return l.stop
	}
	l.kept = true
	return &l.stoppedError
}

// gaveUp logs the end of a loop that gave up after a caught failure, and
// calls the OnGiveUp hooks with err, what the caller gets.
func (l *loop) gaveUp(err error) {
	if l.reason != StopNotRetryable && l.tries > 0 && l.logs(logrus.WarnLevel) {
		l.logGiveUp(err)
	}
	if len(l.r.onGiveUp) > 0 {
		l.fire(l.r.onGiveUp, err, 0)
	}
}

// fire calls hooks with the loop's Attempt.
func (l *loop) fire(hooks []func(Attempt), err error, wait time.Duration) {
	a := l.event(err, wait)
	for _, f := range hooks {
		f(a)
	}
}

// event describes the loop as it stands.
func (l *loop) event(err error, wait time.Duration) Attempt {
	a := Attempt{Loop: l.loopID(), Func: l.name, Number: l.tries, Err: err, Wait: wait, Reason: l.reason}
	if !l.start.IsZero() {
		a.Elapsed = time.Since(l.start)
	}
	return a
}

// loopID returns the loop's identifier, drawn the first time it is needed.
func (l *loop) loopID() uuid.UUID {
	if l.id == (uuid.UUID{}) {
		l.id = uuid.New()
	}
	return l.id
}

// funcName is the name the runtime knows fn, a func value, by: "main.fetch",
// "main.main.func1" for a closure, "main.(*T).Get" for a method value (the
// compiler's "-fm" suffix removed). It reads the code pointer with
// UnsafePointer, which, unlike Pointer, does not make fn escape: a closure
// given to Do stays on its caller's stack.
func funcName(fn any) string {
	v := reflect.ValueOf(fn)
	if v.Kind() == reflect.Func && !v.IsNil() {
		if f := runtime.FuncForPC(uintptr(v.UnsafePointer())); f != nil {
			return strings.TrimSuffix(f.Name(), "-fm")
		}
	}
	return "?"
}

// The entries a loop writes. Callers check the level first, with l.logs,
// which is inlined: a disabled entry costs a compare.

// logs reports whether the loop writes entries at lvl. The level is read
// when the loop begins: a change of level applies from the next loop.
func (l *loop) logs(lvl logrus.Level) bool { return lvl <= l.level }

func (l *loop) logFailure(err error) {
	if err == nil {
		l.logf(logrus.WarnLevel, "%s: try #%d returned a result to retry", l.name, l.tries)
		return
	}
	shown := err // the type of the failure itself, not of a hint carried with it
	if h, ok := err.(*retryAfterError); ok {
		shown = h.err
	}
	l.logf(logrus.WarnLevel, "%s: try #%d failed with %T: %v", l.name, l.tries, shown, err)
}

func (l *loop) logGiveUp(err error) {
	tries := "tries"
	if l.tries == 1 {
		tries = "try"
	}
	switch l.reason {
	case StopTries:
		l.logf(logrus.WarnLevel, "%s: giving up after %d %s: %v", l.name, l.tries, tries, err)
	default:
		l.logf(logrus.WarnLevel, "%s: giving up after %d %s (%v): %v", l.name, l.tries, tries, l.reason, err)
	}
}

func (l *loop) logWait(d time.Duration) {
	switch left := l.s.tries - l.tries; {
	case l.s.tries <= 0:
		l.logf(logrus.InfoLevel, "try #%d", l.tries+1)
	case left == 1:
		l.logf(logrus.InfoLevel, "1 try remaining")
	default:
		l.logf(logrus.InfoLevel, "%d tries remaining", left)
	}
	l.logf(logrus.InfoLevel, "sleeping %v", d)
}

// logf writes one entry through the loop's entry (logrus) or logger
// (slog), made once per loop with the loop's identifier.
func (l *loop) logf(lvl logrus.Level, format string, args ...any) {
	if sl := l.s.log.sl; sl != nil {
		if l.slog == nil {
			l.slog = sl.With(loopField, l.loopID().String())
		}
		l.slog.Log(l.ctx, slogLevel(lvl), fmt.Sprintf(format, args...))
		return
	}
	if l.entry == nil {
		l.entry = l.s.log.logger().WithField(loopField, l.loopID().String())
	}
	l.entry.Logf(lvl, format, args...)
}

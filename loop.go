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
// It lives on its caller's stack: a loop that needs no option that costs
// allocates nothing.
type loop struct {
	call
	r *Retrier
	s *Schedule

	tried  int           // tries started so far
	base   time.Duration // the schedule's wait, without jitter
	wait   time.Duration // the schedule's last drawn wait, without hint
	waited time.Duration // the last wait as waited
	timer  *time.Timer   // the default sleep's timer, reused for every wait
	stop   error         // why the loop was stopped early, if it was

	level                     logrus.Level // the most verbose level written, read when the loop begins
	reason                    StopReason   // why the loop gave up
	timedOut                  bool         // the last try failed by its own AttemptTimeout
	deadlineRead, hasDeadline bool         // whether ctx has a deadline, read at the first wait
	start                     time.Time    // when the loop began; set only when read

	id    uuid.UUID     // drawn when first needed
	entry *logrus.Entry // logrus: an entry carrying the loop's identifier
	slog  *slog.Logger  // slog: a logger carrying it
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
// The loop lives in run's frame, and waits one call below it (again): a
// waiting loop's stack is that short, so that a hundred thousand of them
// fit in the smallest stacks and wake up touching little memory.
func (r *Retrier) run(c *call, try func(context.Context) error, fn any) (*PanicError, error, bool) {
	var (
		p   *PanicError
		err error
	)
	first := r.fromStart || c.ctx.Err() != nil // the loop makes the first try
	if !first {
		err = try(c.arg)
		if err == nil && r.budget == nil && r.sched().log.threshold(c.ctx) < logrus.DebugLevel {
			return nil, nil, false
		}
	}
	var l loop // built in place: a composite literal would be built, then copied
	l.call, l.r, l.s = *c, r, r.sched()
	if first {
		if !l.begin() {
			l.nameIf(r.clock, fn)
			err := l.stopError(nil)
			l.gaveUp(err)
			return nil, err, true
		}
		l.nameIf(r.carry, fn)
		p, err = l.try(try)
	} else {
		l.level, l.tried = l.s.log.threshold(l.ctx), 1
	}
	if p == nil && err == nil {
		l.nameIf(l.logs(logrus.DebugLevel), fn)
		l.succeeded()
		return nil, nil, false
	}
	l.nameIf(r.clock || l.logs(logrus.WarnLevel), fn)

	// Judge each try that did not succeed, and try again until a try
	// succeeds, fails in a way that is not retried, or the loop ends.
	var last error // the last failure, for a stopped call's error
	for {
		var failure error // what the try failed with, for hooks and hints
		sig, _ := err.(signal)
		switch {
		case p != nil:
			failure, last = p, p
		case err == nil:
			l.succeeded()
			return nil, nil, false
		case sig == errTryStopped:
			l.stopWith(l.ctx.Err())
			return nil, l.finish(nil, l.stopError(last)), true
		case sig == errByValue:
		case sig == errNoValue, l.timedOut, r.retryable(err):
			failure, last = err, err
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
		case l.again(failure):
			p, err = l.try(try)
			continue
		}
		break
	}
	if l.stop != nil {
		return p, l.finish(p, l.stopError(last)), true
	}
	if sig, _ := err.(signal); sig == errByValue {
		err = nil
	}
	return p, l.finish(p, err), false
}

// try makes one try, through attemptWithOptions when the Retrier asks for
// more than a call.
func (l *loop) try(try func(context.Context) error) (*PanicError, error) {
	if l.r.perTry {
		return l.attemptWithOptions(try)
	}
	return nil, try(l.arg)
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
	l.tried = 1
	return true
}

func (l *loop) succeeded() {
	if b := l.r.budget; b != nil {
		b.give()
	}
	if l.logs(logrus.DebugLevel) {
		l.logf(logrus.DebugLevel, "%s: succeeded at try #%d", l.name, l.tried)
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
func (l *loop) more() bool { return l.tried < l.s.limit() }

// again waits for the next try: the wait that plan draws, on the loop's
// timer, which it starts on the first wait and resets for each later one,
// or through the schedule's sleep function. It reports false when the loop
// ends instead. The wait is here rather than in a function of its own: a
// waiting loop's stack holds one frame less.
func (l *loop) again(failure error) bool {
	wait, ok := l.plan(failure)
	if !ok {
		return false
	}
	switch {
	case l.s.sleep != nil:
		if err := l.s.sleep(l.ctx, wait); err != nil {
			l.stopWith(err)
			return false
		}
	case wait > 0: // the default sleep returns at once for a zero wait
		done := l.ctx.Done()
		if done == nil {
			time.Sleep(wait)
			break
		}
		if !l.arm(done, wait) {
			return false
		}
		select {
		case <-done:
			l.timer.Stop()
			l.stopWith(l.ctx.Err())
			return false
		case <-l.timer.C:
		}
	}
	if err := l.ctx.Err(); err != nil {
		l.stopWith(err)
		return false
	}
	l.tried++
	l.waited = wait
	return true
}

// plan draws the next wait (a hint from failure replaces it), gives up
// without waiting when the wait would end past MaxElapsed or ctx's
// deadline, calls the OnRetry hooks and logs. It reports false when the
// loop ends instead.
func (l *loop) plan(failure error) (time.Duration, bool) {
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
		return 0, false
	}
	if len(l.r.onRetry) > 0 {
		l.fire(l.r.onRetry, failure, wait)
	}
	if l.logs(logrus.InfoLevel) {
		l.logWait(wait)
	}
	return wait, true
}

// arm starts the loop's timer for a wait of d, or resets it. It reports
// false, with the loop stopped, when done is already closed: then no timer
// is started.
func (l *loop) arm(done <-chan struct{}, d time.Duration) bool {
	select {
	case <-done:
		l.stopWith(l.ctx.Err())
		return false
	default:
	}
	if l.timer == nil {
		l.timer = time.NewTimer(d)
	} else {
		l.timer.Reset(d)
	}
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

// stopped reports whether the loop was stopped before its end: by ctx, or
// by the sleep function.
func (l *loop) stopped() bool { return l.stop != nil }

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
func (l *loop) stopError(last error) error {
	if last == nil && context.Cause(l.ctx) == l.stop {
		return l.stop
	}
	return &stoppedError{stop: l.stop, ctx: l.ctx, last: last, tries: l.tried}
}

// gaveUp logs the end of a loop that gave up after a caught failure, and
// calls the OnGiveUp hooks with err, what the caller gets.
func (l *loop) gaveUp(err error) {
	if l.reason != StopNotRetryable && l.tried > 0 && l.logs(logrus.WarnLevel) {
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
	a := Attempt{Loop: l.loopID(), Func: l.name, Number: l.tried, Err: err, Wait: wait, Reason: l.reason}
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
		l.logf(logrus.WarnLevel, "%s: try #%d returned a result to retry", l.name, l.tried)
		return
	}
	shown := err // the type of the failure itself, not of a hint carried with it
	if h, ok := err.(*retryAfterError); ok {
		shown = h.err
	}
	l.logf(logrus.WarnLevel, "%s: try #%d failed with %T: %v", l.name, l.tried, shown, err)
}

func (l *loop) logGiveUp(err error) {
	tries := "tries"
	if l.tried == 1 {
		tries = "try"
	}
	switch l.reason {
	case StopTries:
		l.logf(logrus.WarnLevel, "%s: giving up after %d %s: %v", l.name, l.tried, tries, err)
	default:
		l.logf(logrus.WarnLevel, "%s: giving up after %d %s (%v): %v", l.name, l.tried, tries, l.reason, err)
	}
}

func (l *loop) logWait(d time.Duration) {
	switch left := l.s.tries - l.tried; {
	case l.s.tries <= 0:
		l.logf(logrus.InfoLevel, "try #%d", l.tried+1)
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

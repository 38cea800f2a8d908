package retry

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// An Attempt tells a hook, or a function through [AttemptFrom], where a
// call's loop stands.
type Attempt struct {
	Loop    uuid.UUID     // the loop's identifier, as in the log field "loop"
	Func    string        // the decorated function's name, as the runtime knows it
	Number  int           // the try's number, from 1; 0 when no try was made
	Err     error         // the try's failure; nil on success and on a retry by value (IfResult)
	Wait    time.Duration // OnRetry: the wait before the next try, as it will be waited
	Elapsed time.Duration // since the call began
	Reason  StopReason    // OnGiveUp: why the loop stopped
}

// A StopReason tells why a loop gave up.
type StopReason uint8

const (
	// NotStopped: the loop goes on (OnRetry, AttemptFrom).
	NotStopped StopReason = iota
	// StopTries: the tries ran out.
	StopTries
	// StopElapsed: the next try would have started past [MaxElapsed].
	StopElapsed
	// StopNotRetryable: the filters rejected the failure, or it was [Permanent].
	StopNotRetryable
	// StopContext: the context was done (or its deadline would have passed
	// during the wait), or the sleep function returned an error.
	StopContext
	// StopBudget: the [Budget] was too low to retry.
	StopBudget
)

var stopReasons = [...]string{"not stopped", "tries", "elapsed", "not retryable", "context", "budget"}

// String returns the reason in a word or two: "tries", "elapsed", "not
// retryable", "context", "budget".
func (r StopReason) String() string {
	if int(r) < len(stopReasons) {
		return stopReasons[r]
	}
	return "unknown"
}

// OnRetry calls f each time a failure is going to be retried: after the
// failed try, before the wait, which f sees in Attempt.Wait. Hooks run on
// the loop's goroutine, in the order given, and add up. A panic in f goes
// up as a panic in the decorated function does when it is not retried.
// f must not be nil.
func OnRetry(f func(Attempt)) Option {
	return retrierOption(func(c *retrierConfig) {
		if f == nil {
			c.fail("OnRetry(nil)", "hook cannot be nil")
			return
		}
		c.r.onRetry = append(c.r.onRetry, f)
	})
}

// OnGiveUp calls f when a call ends with a failure; Attempt.Err is what the
// caller gets and Attempt.Reason tells why the loop stopped. It is called
// too when the context was done before the first try (Number 0). Hooks run
// on the loop's goroutine, in the order given, and add up; under
// [Retrier.Async] they finish before the result is delivered. f must not
// be nil.
func OnGiveUp(f func(Attempt)) Option {
	return retrierOption(func(c *retrierConfig) {
		if f == nil {
			c.fail("OnGiveUp(nil)", "hook cannot be nil")
			return
		}
		c.r.onGiveUp = append(c.r.onGiveUp, f)
	})
}

// CarryAttempt makes each try's context carry its [Attempt], for
// [AttemptFrom]. It costs one allocation per try, which is why it is not
// on by default.
func CarryAttempt() Option {
	return retrierOption(func(c *retrierConfig) { c.r.carry = true })
}

// AttemptFrom returns the Attempt that ctx carries: inside a function
// retried under [CarryAttempt] that takes the loop's context (a function
// whose first parameter is a context.Context, or the op of [Do] and
// [DoValue]), which try this is. Number counts from 1; Wait is the wait
// that came before this try.
func AttemptFrom(ctx context.Context) (Attempt, bool) {
	if ctx == nil {
		return Attempt{}, false
	}
	a, ok := ctx.Value(attemptKey{}).(*Attempt)
	if !ok {
		return Attempt{}, false
	}
	return *a, true
}

type attemptKey struct{}

// attemptCtx is a try's context under CarryAttempt: one allocation carries
// both the parent and the Attempt.
type attemptCtx struct {
	context.Context
	a Attempt
}

func (c *attemptCtx) Value(key any) any {
	if key == (attemptKey{}) {
		return &c.a
	}
	return c.Context.Value(key)
}

// Package retry tries a Go function again when it fails, whatever its
// signature. It began as a port of KaioRetry, a Python retry decorator.
//
// [Decorate] builds, through reflection, a function of exactly the type it is
// given, which calls the original until it succeeds or the tries run out.
// Assert it back to that type, or use [Wrap], which keeps the type for you:
//
//	get := retry.Decorate(fetch, retry.Tries(5), retry.Delay(50*time.Millisecond), retry.Backoff(2)).(func(context.Context, string) ([]byte, error))
//	body, err := get(ctx, url)
//
// The signature is read once, when decorating ([Inspect] shows what is read),
// and picks the loop:
//
//   - a function whose only result is a receive channel gets the async loop,
//     which runs on its own goroutine and feeds the channel;
//   - a function whose first parameter is a context.Context gets the
//     cancellable loop: its waits end when that context is done;
//   - any other function with an error result gets the synchronous loop;
//   - a function that cannot fail (no error result, and neither [RetryPanics]
//     nor [IfResult]) is returned as it is: it runs once.
//
// [Retrier.Sync] and [Retrier.Async] pick the blocking or the asynchronous
// loop whatever the signature. [DecorateFields] swaps a struct's func fields
// in place. [Do] and [DoValue] retry a closure without reflection and
// without allocating:
//
//	r := retry.Must(retry.New(retry.Tries(3), retry.Delay(time.Second)))
//	n, err := retry.DoValue(ctx, r, func(ctx context.Context) (int, error) { return count(ctx) })
//
// # Failures
//
// A failure is a non-nil error result (the last result, when its type is
// error or another interface that implements error) or, under
// [RetryPanics], a panic. It is retried when one of the filters [On],
// [OnType] and [If] matches it, or always when there is none, unless it is
// [Permanent]. When the tries run out, the caller gets the last try's
// results, its error being the very value the function returned.
//
// # Schedules
//
// A [Schedule] counts the tries and computes the waits between them:
// [Tries], [Delay], [Backoff], [Jitter], [JitterRange], [UpdateDelay],
// [MinDelay] and [MaxDelay]. [FullJitter], [EqualJitter] and [JitterFactor]
// draw each wait at random around that progression, without compounding;
// [DecorrelatedJitter] draws it from the previous wait, as AWS defines it.
// Schedule options may be given to [New] or [Decorate] directly, or a
// Schedule shared through [WithSchedule]. A Schedule can also be ranged over
// on its own:
//
//	s := retry.Must(retry.NewSchedule(retry.Tries(4), retry.Delay(time.Second)))
//	for range s.Attempts() {
//		if err := send(); err == nil {
//			break
//		}
//	}
//
// The defaults are unlimited tries and no delay: give Tries and Delay.
//
// # Reacting to what happened
//
// Hooks [OnRetry] and [OnGiveUp] receive an [Attempt], whose [StopReason]
// tells why a call gave up; under [CarryAttempt], [AttemptFrom] reads the
// Attempt inside the function. A failure can set the next wait itself, with
// [RetryAfter] (and [ParseRetryAfter] for an HTTP Retry-After header) or
// [DelayFrom]. [MaxElapsed] and [AttemptTimeout] bound a call in time; a wait
// that could not end before MaxElapsed or the context's deadline is not
// started. [IfResult] retries on values, not only on errors. A [Budget],
// shared through [WithBudget], keeps many callers from retrying together
// against a failing server.
//
// Each loop logs through logrus ([Logger], [DefaultLogger]) or log/slog
// ([Slog]), with its own identifier in the field "loop". Schedules,
// Retriers and the functions they decorate are safe for concurrent use.
package retry

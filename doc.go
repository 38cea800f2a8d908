// Package retry retries Go functions of any signature: a port of the
// Python library KaioRetry, as a decorator built on reflection.
//
// [Decorate] returns a function of exactly the type it is given, which
// calls the original until it succeeds or the tries run out:
//
//	get := retry.Decorate(fetch, retry.Tries(5), retry.Delay(50*time.Millisecond), retry.Backoff(2)).(func(context.Context, string) ([]byte, error))
//	body, err := get(ctx, url)
//
// The signature is read once, when decorating ([Inspect] shows what is
// read), and picks the loop:
//
//   - a function whose only result is a receive channel gets the async
//     loop: the loop runs on its own goroutine and feeds the channel;
//   - a function whose first parameter is a context.Context gets the
//     cancellable loop: its waits end when that context is done;
//   - any other function gets the synchronous loop.
//
// A failure is a non-nil last result of type error (or, under
// [RetryPanics], a panic). It is retried when one of the filters [On],
// [OnType] and [If] matches it, or always when there is none, unless it is
// [Permanent]. When the tries run out, the caller gets the last try's
// results, its error being the very value the function returned.
//
// A [Retrier], built once by [New], decorates many functions with the same
// options. [Wrap] keeps a function's type without an assertion;
// [DecorateFields] swaps a struct's func fields in place; [Do] and
// [DoValue] retry a closure without reflection and without allocating.
//
// A [Schedule] keeps count of the tries and of the waits between them
// ([Tries], [Delay], [Backoff], [Jitter], [JitterRange], [UpdateDelay],
// [MinDelay], [MaxDelay]). Its options may be given to New or Decorate
// directly. It can be ranged over on its own:
//
//	s := retry.Must(retry.NewSchedule(retry.Tries(4), retry.Delay(time.Second)))
//	for try := range s.Attempts() {
//		if err := send(); err == nil {
//			break
//		}
//	}
//
// As in KaioRetry, the defaults are unlimited tries and no delay: give
// Tries and Delay.
//
// Every loop, a range over a Schedule or one call of a decorated function,
// counts its own tries and logs through logrus with its own identifier, a
// UUID in the field "loop", drawn only when the loop first writes an entry.
// Schedules, Retriers and the functions they decorate are safe for
// concurrent use.
package retry

// Package retry retries Go functions of any signature, the way the Python
// library KaioRetry decorates them.
//
// A [Schedule] keeps count of the tries and of the delays between them
// (initial delay, backoff, jitter, an update function, a min/max clamp). It
// can be ranged over directly:
//
//	s, err := retry.NewSchedule(retry.Tries(4), retry.Delay(time.Second), retry.Backoff(2))
//	if err != nil { ... }
//	for try := range s.Attempts() {
//		if err := send(); err == nil {
//			break
//		}
//		log.Printf("try #%d failed", try+1)
//	}
//
// Every loop over a Schedule is independent: it counts its own tries, keeps
// its own delay, and logs through logrus with its own identifier (field
// "loop"), drawn only when it first logs.
package retry

package retry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kaioretry/retry"
)

// A limited loop yields one value per try: KaioRetry's Context(tries=4).
func ExampleSchedule_Attempts() {
	s := retry.Must(retry.NewSchedule(retry.Tries(4)))
	for i := range s.Attempts() {
		fmt.Println(i)
	}
	// Output:
	// 0
	// 1
	// 2
	// 3
}

// Without Tries, a loop never ends on its own: break out of it.
func ExampleSchedule_Attempts_unlimited() {
	s := retry.Must(retry.NewSchedule(retry.Tries(-1)))
	for i := range s.Attempts() {
		if i == 25_000 {
			fmt.Println("still going at", i)
			break
		}
	}
	// Output:
	// still going at 25000
}

// Delays between tries grow with Backoff and stop at MaxDelay. WithSleep
// replaces the wait, here to print it instead of sleeping.
func ExampleSchedule_Attempts_delays() {
	printWait := func(_ context.Context, d time.Duration) error {
		fmt.Println("wait", d)
		return nil
	}
	s := retry.Must(retry.NewSchedule(
		retry.Tries(5),
		retry.Delay(time.Second),
		retry.Backoff(2),
		retry.MaxDelay(5*time.Second),
		retry.WithSleep(printWait),
	))
	for i := range s.Attempts() {
		fmt.Println("try", i)
	}
	// Output:
	// try 0
	// wait 1s
	// try 1
	// wait 2s
	// try 2
	// wait 4s
	// try 3
	// wait 5s
	// try 4
}

// AttemptsContext stops as soon as its context is done.
func ExampleSchedule_AttemptsContext() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := retry.Must(retry.NewSchedule(retry.Tries(10), retry.Delay(time.Hour)))
	for i := range s.AttemptsContext(ctx) {
		fmt.Println("try", i)
		cancel() // the one-hour wait ends at once
	}
	fmt.Println(ctx.Err())
	// Output:
	// try 0
	// context canceled
}

func ExampleNewSchedule_invalid() {
	_, err := retry.NewSchedule(retry.Tries(0))
	fmt.Println(err)
	// Output:
	// retry: Tries(0): tries cannot be 0
}

func ExampleSchedule_String() {
	s := retry.Must(retry.NewSchedule(retry.Tries(3), retry.Delay(time.Second), retry.Backoff(2), retry.MaxDelay(5*time.Second)))
	fmt.Println(s)
	// Output:
	// Schedule(tries=3, 0s <= 1s <= 5s, backoff=2)
}

package retry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kaioretry/retry"
)

// skipWaits is a sleep function for the examples that returns at once.
// Outside tests, leave WithSleep out: the default sleep waits for real.
var skipWaits = retry.WithSleep(func(context.Context, time.Duration) error { return nil })

// OnRetry and OnGiveUp tell the caller what the loop does, for metrics or
// logs of its own: which try failed, how, and how long the next wait is.
func ExampleOnRetry() {
	r := retry.Must(retry.New(retry.Tries(3), retry.Delay(time.Second), retry.Backoff(2), skipWaits,
		retry.OnRetry(func(a retry.Attempt) {
			fmt.Printf("try #%d failed: %v; next in %v\n", a.Number, a.Err, a.Wait)
		}),
		retry.OnGiveUp(func(a retry.Attempt) {
			fmt.Printf("gave up after try #%d (%v): %v\n", a.Number, a.Reason, a.Err)
		}),
	))
	err := retry.Do(context.Background(), r, func(context.Context) error { return errBusy })
	fmt.Println("caller got:", err)
	// Output:
	// try #1 failed: server busy; next in 1s
	// try #2 failed: server busy; next in 2s
	// gave up after try #3 (tries): server busy
	// caller got: server busy
}

// A failure can say how long to wait, as a server does with a Retry-After
// header: RetryAfter replaces that one wait, and the schedule goes on as if
// it had not been there.
func ExampleRetryAfter() {
	calls := 0
	fetch := func(context.Context) error {
		calls++
		switch calls {
		case 2:
			d, _ := retry.ParseRetryAfter("30", time.Now()) // the header's value
			return retry.RetryAfter(d, errBusy)
		case 1, 3:
			return errBusy
		}
		return nil
	}
	r := retry.Must(retry.New(retry.Tries(5), retry.Delay(time.Second), retry.Backoff(2), showWait))
	fmt.Println(retry.Do(context.Background(), r, fetch), "after", calls, "calls")
	// Output:
	//   wait 1s
	//   wait 30s
	//   wait 4s
	// <nil> after 4 calls
}

// Under CarryAttempt, the function can tell which try it is making, and
// how long the loop waited before it.
func ExampleAttemptFrom() {
	r := retry.Must(retry.New(retry.CarryAttempt(), retry.Tries(3), retry.Delay(time.Second), retry.Backoff(2), skipWaits))
	v, err := retry.DoValue(context.Background(), r, func(ctx context.Context) (string, error) {
		a, _ := retry.AttemptFrom(ctx)
		fmt.Printf("try #%d, after waiting %v\n", a.Number, a.Wait)
		if a.Number < 3 {
			return "", errBusy
		}
		return "done", nil
	})
	fmt.Println(v, err)
	// Output:
	// try #1, after waiting 0s
	// try #2, after waiting 1s
	// try #3, after waiting 2s
	// done <nil>
}

// IfResult retries on a value, not only on an error: here, while a job
// reports that it is still pending.
func ExampleIfResult() {
	states := []string{"PENDING", "PENDING", "DONE"}
	calls := 0
	status := func(ctx context.Context, id string) (string, error) {
		calls++
		return states[calls-1], nil
	}
	r := retry.Must(retry.New(retry.Tries(10), retry.Delay(time.Second), showWait,
		retry.IfResult(func(state string) bool { return state == "PENDING" })))
	poll := retry.Wrap(r, status)
	state, err := poll(context.Background(), "job-42")
	fmt.Println(state, err, "after", calls, "calls")
	// Output:
	//   wait 1s
	//   wait 1s
	// DONE <nil> after 3 calls
}

// A Budget shared by every caller of a server stops the retries while most
// tries fail, so that a struggling server is not flooded with them. Each
// failure takes a token, each success gives back a fraction of one; at
// half the tokens or fewer, failures are returned at once.
func ExampleWithBudget() {
	budget := retry.Must(retry.NewBudget(4, 0.5))
	r := retry.Must(retry.New(retry.Tries(10), retry.WithBudget(budget), skipWaits))
	for range 2 {
		calls := 0
		err := retry.Do(context.Background(), r, func(context.Context) error { calls++; return errBusy })
		fmt.Printf("%v after %d calls; %g tokens left\n", err, calls, budget.Tokens())
	}
	_ = retry.Do(context.Background(), r, func(context.Context) error { return nil })
	fmt.Printf("a success: %g tokens\n", budget.Tokens())
	// Output:
	// server busy after 2 calls; 2 tokens left
	// server busy after 1 calls; 1 tokens left
	// a success: 1.5 tokens
}

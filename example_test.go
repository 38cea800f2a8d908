package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kaioretry/retry"
)

var errBusy = errors.New("server busy")

// showWait is a sleep function for the examples: it prints each wait
// instead of sleeping, so that they run at once and show the schedule.
// Outside tests, leave WithSleep out: the default sleep waits for real.
var showWait = retry.WithSleep(func(_ context.Context, d time.Duration) error {
	fmt.Println("  wait", d)
	return nil
})

// Decorate returns a function of exactly the type it is given: assert it
// back, and call it as the original.
func Example() {
	calls := 0
	fetch := func(id int) (string, error) {
		calls++
		if calls < 3 {
			return "", errBusy
		}
		return fmt.Sprintf("item %d", id), nil
	}

	get := retry.Decorate(fetch, retry.Tries(5), retry.Delay(10*time.Millisecond), retry.Backoff(2), showWait).(func(int) (string, error))

	item, err := get(42)
	fmt.Println(item, err, "after", calls, "calls")
	// Output:
	//   wait 10ms
	//   wait 20ms
	// item 42 <nil> after 3 calls
}

// Client's func fields are swapped at init for versions that retry: Wrap
// keeps their types, so no assertion is needed.
type Client struct {
	Fetch func(ctx context.Context, key string) ([]byte, error)
	Store func(ctx context.Context, key string, value []byte) error
}

func NewClient(r *retry.Retrier, fetch func(context.Context, string) ([]byte, error), store func(context.Context, string, []byte) error) *Client {
	return &Client{
		Fetch: retry.Wrap(r, fetch),
		Store: retry.Wrap(r, store),
	}
}

func ExampleWrap() {
	r := retry.Must(retry.New(retry.Tries(3), retry.Delay(time.Millisecond), retry.On(io.ErrUnexpectedEOF), showWait))
	fetches := 0
	c := NewClient(r,
		func(_ context.Context, key string) ([]byte, error) {
			fetches++
			if fetches == 1 {
				return nil, io.ErrUnexpectedEOF // retried: On matches it
			}
			return []byte("value of " + key), nil
		},
		func(context.Context, string, []byte) error {
			return errors.New("read-only") // not retried: On does not match it
		},
	)
	v, err := c.Fetch(context.Background(), "k")
	fmt.Printf("%s %v (%d fetches)\n", v, err, fetches)
	fmt.Println(c.Store(context.Background(), "k", v))
	// Output:
	//   wait 1ms
	// value of k <nil> (2 fetches)
	// read-only
}

// Do and DoValue retry a closure without reflection.
func ExampleDo() {
	r := retry.Must(retry.New(retry.Tries(4), retry.Delay(time.Millisecond), retry.Backoff(3), showWait))
	tries := 0
	err := retry.Do(context.Background(), r, func(ctx context.Context) error {
		tries++
		if tries < 4 {
			return errBusy
		}
		return nil
	})
	fmt.Println(err, tries)
	// Output:
	//   wait 1ms
	//   wait 3ms
	//   wait 9ms
	// <nil> 4
}

func ExampleDoValue() {
	r := retry.Must(retry.New(retry.Tries(2), retry.Delay(time.Millisecond), showWait))
	n, err := retry.DoValue(context.Background(), r, func(ctx context.Context) (int, error) {
		return 0, errBusy
	})
	fmt.Println(n, err, errors.Is(err, errBusy))
	// Output:
	//   wait 1ms
	// 0 server busy true
}

// Async runs the loop on its own goroutine; the result comes on a channel.
func ExampleAsync() {
	calls := 0
	sum := func(xs ...int) (int, error) {
		calls++
		if calls == 1 {
			return 0, errBusy
		}
		total := 0
		for _, x := range xs {
			total += x
		}
		return total, nil
	}
	sumAsync := retry.Async(sum, retry.Tries(3), retry.Delay(time.Millisecond), showWait).(func(...int) <-chan retry.Outcome)
	o := <-sumAsync(1, 2, 3)
	fmt.Println(o.Values, o.Err)
	// Output:
	//   wait 1ms
	// [6] <nil>
}

// A function that already returns a channel keeps its signature: each try
// takes one value, and a value carrying an error is a failure.
func ExampleRetrier_Decorate_channel() {
	type reply struct {
		Body string
		Err  error
	}
	calls := 0
	ask := func(ctx context.Context, q string) <-chan reply {
		calls++
		ch := make(chan reply, 1)
		if calls < 2 {
			ch <- reply{Err: errBusy}
		} else {
			ch <- reply{Body: "answer to " + q}
		}
		return ch
	}
	r := retry.Must(retry.New(retry.Tries(3), retry.Delay(time.Millisecond), showWait))
	askAgain := r.Decorate(ask).(func(context.Context, string) <-chan reply)
	fmt.Println((<-askAgain(context.Background(), "q")).Body)
	// Output:
	//   wait 1ms
	// answer to q
}

// A Permanent error stops the loop at once; the caller gets the error
// inside.
func ExamplePermanent() {
	errAuth := errors.New("bad credentials")
	calls := 0
	login := retry.Decorate(func() error {
		calls++
		return retry.Permanent(errAuth)
	}, retry.Tries(5), retry.Delay(time.Second)).(func() error)
	err := login()
	fmt.Println(err == errAuth, calls)
	// Output:
	// true 1
}

// A cancellable loop ends its waits when the caller's context is done: here
// the one-hour wait after the first try ends at once, since the context is
// cancelled during that try.
func ExampleRetrier_Decorate_cancel() {
	ctx, cancel := context.WithCancel(context.Background())
	poll := retry.Decorate(func(ctx context.Context) (int, error) {
		cancel() // the caller gives up, say
		return 0, errBusy
	}, retry.Tries(3), retry.Delay(time.Hour)).(func(context.Context) (int, error))
	n, err := poll(ctx)
	fmt.Println(n, errors.Is(err, context.Canceled), errors.Is(err, errBusy))
	// Output:
	// 0 true true
}

func ExampleInspect() {
	for _, fn := range []any{
		func(int) (string, error) { return "", nil },
		func(context.Context) error { return nil },
		func() <-chan error { return nil },
	} {
		s, _ := retry.Inspect(fn)
		fmt.Println(s)
	}
	_, err := retry.Inspect(42)
	fmt.Println(err)
	// Output:
	// func(int) (string, error): synchronous loop
	// func(context.Context) error: cancellable loop
	// func() <-chan error: async loop
	// retry: not a function: int
}

func ExampleOnType() {
	calls := 0
	open := retry.Decorate(func() error {
		calls++
		return fmt.Errorf("open: %w", &timeoutError{})
	}, retry.OnType[*timeoutError](), retry.Tries(3), retry.Delay(time.Millisecond), showWait).(func() error)
	fmt.Println(open(), calls)
	// Output:
	//   wait 1ms
	//   wait 1ms
	// open: timed out 3
}

type timeoutError struct{}

func (*timeoutError) Error() string { return "timed out" }

// Decorate keeps the signature it is given, here a function whose first
// parameter is a context. Its waits triple up to MaxDelay; when the tries run
// out, the caller gets the very error that the last try returned.
func ExampleDecorate() {
	tries := 0
	lookup := func(ctx context.Context, host string) (string, error) {
		tries++
		return "", fmt.Errorf("lookup %s, try %d: %w", host, tries, errBusy)
	}
	resolve := retry.Decorate(lookup, retry.Tries(4), retry.Delay(time.Second), retry.Backoff(3),
		retry.MaxDelay(5*time.Second), showWait).(func(context.Context, string) (string, error))
	addr, err := resolve(context.Background(), "db.internal")
	fmt.Printf("%q %v %v\n", addr, err, errors.Is(err, errBusy))
	// Output:
	//   wait 1s
	//   wait 3s
	//   wait 5s
	// "" lookup db.internal, try 4: server busy true
}

// DecorateFields swaps a struct's func fields in place. A field's tag gives
// it a schedule of its own; the other fields get the options (a tag
// retry:"-" would leave a field alone).
func ExampleDecorateFields() {
	type Store struct {
		Get func(key string) (string, error) `retry:"tries=3,delay=10ms,backoff=2"`
		Put func(key, value string) error
	}
	gets := 0
	s := &Store{
		Get: func(key string) (string, error) {
			if gets++; gets < 3 {
				return "", errBusy
			}
			return "value of " + key, nil
		},
		Put: func(key, value string) error { return errBusy },
	}
	if err := retry.DecorateFields(s, retry.Tries(2), retry.Delay(time.Millisecond), showWait); err != nil {
		panic(err)
	}
	fmt.Println(s.Get("k"))
	fmt.Println(s.Put("k", "v"))
	// Output:
	//   wait 10ms
	//   wait 20ms
	// value of k <nil>
	//   wait 1ms
	// server busy
}

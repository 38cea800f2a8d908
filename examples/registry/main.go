// Command registry decorates functions it only knows at run time, the way a
// plugin host or an RPC dispatcher does: handlers are registered by name as
// `any`, decorated as they come with retry.Decorate (which reads each
// signature to pick its loop), and called through reflection.
//
//	go run ./examples/registry
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/kaioretry/retry"
)

// Registry holds handlers of any signature, each decorated once, when it is
// registered.
type Registry struct {
	retrier  *retry.Retrier
	handlers map[string]handler
}

type handler struct {
	fn    reflect.Value // the decorated function
	shape retry.Shape
}

// NewRegistry returns a Registry whose handlers retry with r.
func NewRegistry(r *retry.Retrier) *Registry {
	return &Registry{retrier: r, handlers: map[string]handler{}}
}

// Register decorates fn and keeps it under name. fn must be a function.
func (g *Registry) Register(name string, fn any) error {
	shape, err := retry.Inspect(fn)
	if err != nil {
		return fmt.Errorf("register %q: %w", name, err)
	}
	g.handlers[name] = handler{fn: reflect.ValueOf(g.retrier.Decorate(fn)), shape: shape}
	return nil
}

// Call calls the handler registered under name with args (and ctx first,
// when the handler takes one). It returns the handler's results without its
// error, and its error. For a handler that returns a channel, it waits for
// the one value the decorated channel delivers.
func (g *Registry) Call(ctx context.Context, name string, args ...any) ([]any, error) {
	h, ok := g.handlers[name]
	if !ok {
		return nil, fmt.Errorf("call %q: no such handler", name)
	}
	t := h.fn.Type()
	in := make([]reflect.Value, 0, len(args)+1)
	if h.shape.Context {
		in = append(in, reflect.ValueOf(ctx))
	}
	for _, a := range args {
		i := len(in)
		var want reflect.Type
		switch {
		case t.IsVariadic() && i >= t.NumIn()-1:
			want = t.In(t.NumIn() - 1).Elem()
		case i < t.NumIn():
			want = t.In(i)
		default:
			return nil, fmt.Errorf("call %q: too many arguments for %v", name, t)
		}
		v := reflect.ValueOf(a)
		if !v.IsValid() || !v.Type().ConvertibleTo(want) {
			return nil, fmt.Errorf("call %q: argument %d: %T does not convert to %v", name, len(in), a, want)
		}
		in = append(in, v.Convert(want))
	}
	if n := t.NumIn(); len(in) < n && !(t.IsVariadic() && len(in) == n-1) {
		return nil, fmt.Errorf("call %q: %d arguments for %v", name, len(in), t)
	}
	out := h.fn.Call(in)
	if h.shape.Async {
		v, ok := out[0].Recv()
		if !ok {
			return nil, fmt.Errorf("call %q: no value", name)
		}
		return []any{v.Interface()}, nil
	}
	var err error
	if i := h.shape.ErrorResult; i >= 0 {
		if !out[i].IsNil() {
			err = out[i].Interface().(error)
		}
		out = append(out[:i:i], out[i+1:]...)
	}
	results := make([]any, len(out))
	for i, v := range out {
		results[i] = v.Interface()
	}
	return results, err
}

// Event is what the "watch" handler streams: a failed event carries Err.
type Event struct {
	Name string
	Err  error
}

var errFlaky = errors.New("flaky backend")

// handlers returns the handlers of this demo, and how often each ran.
func handlers() (map[string]any, map[string]int) {
	calls := map[string]int{}
	return map[string]any{
		"add": func(a, b int) int { calls["add"]++; return a + b },
		"lookup": func(ctx context.Context, key string) (string, error) {
			calls["lookup"]++
			if calls["lookup"] < 3 {
				return "", errFlaky
			}
			return strings.ToUpper(key), nil
		},
		"join": func(sep string, parts ...string) (string, error) {
			calls["join"]++
			return strings.Join(parts, sep), nil
		},
		"watch": func(ctx context.Context) <-chan Event {
			calls["watch"]++
			ch := make(chan Event, 1)
			if calls["watch"] < 2 {
				ch <- Event{Err: errFlaky}
			} else {
				ch <- Event{Name: "deployed"}
			}
			close(ch)
			return ch
		},
	}, calls
}

func main() {
	os.Exit(run(os.Stdout, os.Stderr))
}

// run is the whole program; extra options are added last (tests record the
// waits instead of sleeping). It returns the exit code.
func run(stdout, stderr io.Writer, extra ...retry.Option) int {
	r, err := retry.New(append([]retry.Option{retry.Tries(4), retry.Delay(5 * time.Millisecond)}, extra...)...)
	if err != nil {
		fmt.Fprintln(stderr, "registry:", err)
		return 1
	}
	g := NewRegistry(r)
	fns, calls := handlers()
	for _, name := range []string{"add", "lookup", "join", "watch"} {
		if err := g.Register(name, fns[name]); err != nil {
			fmt.Fprintln(stderr, "registry:", err)
			return 1
		}
		fmt.Fprintf(stdout, "registered %-6s %v\n", name, g.handlers[name].shape)
	}
	if err := g.Register("answer", 42); err != nil {
		fmt.Fprintln(stdout, "refused:", err)
	}

	ctx := context.Background()
	for _, c := range []struct {
		name string
		args []any
	}{
		{"add", []any{2, 3}},
		{"lookup", []any{"key"}},
		{"join", []any{"-", "a", "b", "c"}},
		{"watch", nil},
		{"add", []any{"two", 3}},
	} {
		res, err := g.Call(ctx, c.name, c.args...)
		if err != nil && res == nil {
			fmt.Fprintf(stdout, "%s%v: error: %v\n", c.name, c.args, err)
			continue
		}
		fmt.Fprintf(stdout, "%s%v = %v, err=%v (%d calls)\n", c.name, c.args, res, err, calls[c.name])
	}
	return 0
}

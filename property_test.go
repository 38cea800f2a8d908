package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/require"
)

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// elementTypes are the types random signatures are made of.
var elementTypes = []reflect.Type{
	reflect.TypeFor[int](), reflect.TypeFor[string](), reflect.TypeFor[float64](),
	reflect.TypeFor[bool](), reflect.TypeFor[uint16](), reflect.TypeFor[[]byte](),
	reflect.TypeFor[map[string]int](), reflect.TypeFor[*point](), reflect.TypeFor[point](),
	reflect.TypeFor[[2]int8](), reflect.TypeFor[any](), reflect.TypeFor[fmt.Stringer](),
	reflect.TypeFor[celsius](),
}

// randomValue returns a random value of one of elementTypes, or of a slice
// of one (the variadic part).
func randomValue(rng *rand.Rand, t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Int:
		v.SetInt(rng.Int64N(1000) - 500)
	case reflect.String:
		v.SetString(fmt.Sprint("s", rng.IntN(1000)))
	case reflect.Float64:
		v.SetFloat(rng.Float64() * 100)
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Uint16:
		v.SetUint(uint64(rng.IntN(math.MaxUint16)))
	case reflect.Slice:
		n := rng.IntN(4)
		v.Set(reflect.MakeSlice(t, n, n))
		for i := range n {
			v.Index(i).Set(randomValue(rng, t.Elem()))
		}
	case reflect.Uint8, reflect.Int8:
		v.Set(reflect.ValueOf(rng.IntN(100)).Convert(t))
	case reflect.Map:
		v.Set(reflect.ValueOf(map[string]int{fmt.Sprint("k", rng.IntN(9)): rng.IntN(9)}))
	case reflect.Pointer:
		v.Set(reflect.ValueOf(&point{rng.IntN(9), rng.IntN(9)}))
	case reflect.Struct:
		v.Set(reflect.ValueOf(point{rng.IntN(9), rng.IntN(9)}))
	case reflect.Array:
		v.Index(0).SetInt(int64(rng.IntN(100)))
		v.Index(1).SetInt(int64(rng.IntN(100)))
	case reflect.Interface:
		if t.NumMethod() == 0 {
			v.Set(reflect.ValueOf(rng.IntN(1000)))
		} else {
			v.Set(reflect.ValueOf(stringer{fmt.Sprint("str", rng.IntN(9))}))
		}
	default:
		panic("no generator for " + t.String())
	}
	return v
}

func interfaces(vs []reflect.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v.Interface()
	}
	return out
}

// Functions of random signatures, built with reflect.FuncOf and
// reflect.MakeFunc, keep their type through Decorate, get their arguments
// and give their results unchanged, and are retried when they fail.
func TestRandomSignatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	pick := func() reflect.Type { return elementTypes[rng.IntN(len(elementTypes))] }
	errFail := errors.New("random failure")
	for i := range 500 {
		in := make([]reflect.Type, rng.IntN(7))
		for j := range in {
			in[j] = pick()
		}
		if len(in) > 0 && rng.IntN(4) == 0 {
			in[0] = contextType
		}
		variadic := len(in) > 0 && in[len(in)-1] != contextType && rng.IntN(3) == 0
		if variadic {
			in[len(in)-1] = reflect.SliceOf(in[len(in)-1])
		}
		out := make([]reflect.Type, rng.IntN(5))
		for j := range out {
			out[j] = pick()
		}
		hasErr := len(out) > 0 && rng.IntN(4) != 0
		if hasErr {
			out[len(out)-1] = errorType
		}
		ft := reflect.FuncOf(in, out, variadic)

		failures := 0
		if hasErr {
			failures = rng.IntN(4)
		}
		want := make([]reflect.Value, len(out))
		for j, o := range out {
			if o == errorType {
				want[j] = reflect.Zero(errorType)
			} else {
				want[j] = randomValue(rng, o)
			}
		}
		args := make([]reflect.Value, len(in))
		for j, p := range in {
			if p == contextType {
				args[j] = reflect.ValueOf(context.Background())
			} else {
				args[j] = randomValue(rng, p)
			}
		}

		calls := 0
		var seen [][]any
		impl := reflect.MakeFunc(ft, func(got []reflect.Value) []reflect.Value {
			calls++
			seen = append(seen, interfaces(got))
			res := append([]reflect.Value(nil), want...)
			if hasErr && calls <= failures {
				res[len(res)-1] = reflect.ValueOf(&errFail).Elem()
			}
			return res
		})

		name := fmt.Sprintf("#%d %v, %d failures", i, ft, failures)
		d := reflect.ValueOf(retry.Decorate(impl.Interface(), retry.Tries(5), noWait()))
		require.Equal(t, ft, d.Type(), name)
		var res []reflect.Value
		if variadic {
			res = d.CallSlice(args)
		} else {
			res = d.Call(args)
		}
		require.Equal(t, interfaces(want), interfaces(res), name)
		require.Equal(t, failures+1, calls, name)
		for _, s := range seen {
			require.Equal(t, interfaces(args), s, name)
		}
	}
}

// FuzzDecorate checks, over schedule parameters and failure counts, that
// invalid options are refused, and otherwise that a function failing
// `failures` times is called exactly as often as the tries allow, with one
// wait less than calls, each wait inside [0, max].
func FuzzDecorate(f *testing.F) {
	f.Add(3, int64(time.Millisecond), 2.0, int64(time.Second), uint8(2))
	f.Add(-1, int64(0), 1.0, int64(-1), uint8(40))
	f.Add(1, int64(time.Hour), 0.5, int64(0), uint8(1))
	f.Add(0, int64(0), 1.0, int64(0), uint8(0))
	f.Add(5, int64(-1), math.NaN(), int64(5), uint8(9))
	f.Add(200, int64(math.MaxInt64), 10.0, int64(math.MaxInt64), uint8(255))
	f.Fuzz(func(t *testing.T, tries int, delay int64, backoff float64, maxDelay int64, failures uint8) {
		rec := &waits.Recorder{}
		r, err := retry.New(retry.Tries(tries), retry.Delay(time.Duration(delay)), retry.Backoff(backoff), retry.MaxDelay(time.Duration(maxDelay)), retry.WithSleep(rec.Sleep))
		invalid := tries == 0 || delay < 0 || math.IsNaN(backoff) || math.IsInf(backoff, 0) || backoff < 0 || maxDelay < 0
		if invalid {
			require.ErrorIs(t, err, retry.ErrInvalidOption)
			return
		}
		require.NoError(t, err)
		errFail := errors.New("fail")
		calls := 0
		err = retry.Wrap(r, func() error {
			calls++
			if calls <= int(failures) {
				return errFail
			}
			return nil
		})()
		want := int(failures) + 1
		if tries > 0 && tries < want {
			want = tries
			require.Same(t, errFail, err)
		} else {
			require.NoError(t, err)
		}
		require.Equal(t, want, calls)
		waits := rec.Waits()
		require.Len(t, waits, calls-1)
		for i, w := range waits {
			require.GreaterOrEqual(t, w, time.Duration(0), "wait %d", i)
			require.LessOrEqual(t, w, time.Duration(maxDelay), "wait %d", i)
		}
		if len(waits) > 0 {
			require.Equal(t, min(time.Duration(delay), time.Duration(maxDelay)), waits[0])
		}
	})
}

package retry_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counted returns a function that always fails, counting its calls.
func counted(calls *int) func() error {
	return func() error { *calls++; return errors.New("fail") }
}

// funcPointers returns the code pointer of every func field of s, to tell
// whether a field was replaced.
func funcPointers(s any) map[string]uintptr {
	v := reflect.ValueOf(s).Elem()
	out := map[string]uintptr{}
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Func {
			out[v.Type().Field(i).Name] = f.Pointer()
		}
	}
	return out
}

type service struct {
	Tagged   func() error `retry:"tries=4,delay=100ms,backoff=3,max=500ms"`
	Shared   func() error
	Skipped  func() error `retry:"-"`
	Nil      func() error
	Jittered func() error `retry:"tries=3, delay=1s, jitter=-250ms, min=900ms"`
	Typed    func(context.Context, int) (int, error)
	private  func() error
	Name     string
}

func TestDecorateFields(t *testing.T) {
	var tagged, shared, skipped, jittered, private int
	s := &service{
		Tagged: counted(&tagged), Shared: counted(&shared), Skipped: counted(&skipped),
		Jittered: counted(&jittered), private: counted(&private), Name: "svc",
		Typed: func(_ context.Context, x int) (int, error) { return x + 1, nil },
	}
	privateBefore := reflect.ValueOf(s.private).Pointer()
	rec := &waits.Recorder{}
	require.NoError(t, retry.DecorateFields(s, retry.Tries(2), retry.Delay(time.Second), retry.WithSleep(rec.Sleep)))

	require.Error(t, s.Tagged())
	assert.Equal(t, 4, tagged, "the tag's tries")
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, 500 * time.Millisecond}, rec.Waits())

	rec.Reset()
	require.Error(t, s.Shared())
	assert.Equal(t, 2, shared, "the options' tries")
	assert.Equal(t, []time.Duration{time.Second}, rec.Waits())

	rec.Reset()
	require.Error(t, s.Jittered())
	assert.Equal(t, 3, jittered)
	assert.Equal(t, []time.Duration{time.Second, 900 * time.Millisecond}, rec.Waits(), "1s, then 1s-250ms raised to min 900ms")

	require.Error(t, s.Skipped())
	assert.Equal(t, 1, skipped, `retry:"-" is left alone`)

	assert.Nil(t, s.Nil, "nil fields stay nil")
	assert.Equal(t, privateBefore, reflect.ValueOf(s.private).Pointer(), "unexported fields are left alone")
	assert.Equal(t, "svc", s.Name)
	n, err := s.Typed(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

func TestDecorateFieldsOnAFuncVariable(t *testing.T) {
	calls := 0
	fn := counted(&calls)
	require.NoError(t, retry.DecorateFields(&fn, retry.Tries(3), noWait()))
	require.Error(t, fn())
	assert.Equal(t, 3, calls)
}

func TestDecorateFieldsRejectsBadTargets(t *testing.T) {
	var nilFunc func() error
	var nilStruct *service
	n := 3
	tests := []struct {
		name   string
		target any
		want   string
	}{
		{"nil", nil, "retry: not a function: <nil> (DecorateFields wants a pointer to a struct or to a func)"},
		{"struct value", service{}, "retry: not a function: retry_test.service (DecorateFields wants a pointer to a struct or to a func)"},
		{"func value", func() error { return nil }, "retry: not a function: func() error (DecorateFields wants a pointer to a struct or to a func)"},
		{"pointer to int", &n, "retry: not a function: *int (DecorateFields wants a pointer to a struct or to a func)"},
		{"nil struct pointer", nilStruct, "retry: not a function: *retry_test.service (DecorateFields wants a pointer to a struct or to a func)"},
		{"nil func variable", &nilFunc, "retry: not a function: nil func() error (DecorateFields needs a func to decorate)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := retry.DecorateFields(tt.target, retry.Tries(2))
			require.ErrorIs(t, err, retry.ErrNotFunc)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestDecorateFieldsRejectsBadTagsAndChangesNothing(t *testing.T) {
	type badTries struct {
		OK  func() error
		Bad func() error `retry:"tries=abc"`
	}
	type zeroTries struct {
		OK  func() error
		Bad func() error `retry:"tries=0"`
	}
	type negativeDelay struct {
		OK  func() error
		Bad func() error `retry:"delay=-1s"`
	}
	type unknownKey struct {
		OK  func() error
		Bad func() error `retry:"tries=2,retries=3"`
	}
	type noValue struct {
		OK  func() error
		Bad func() error `retry:"tries"`
	}
	type twice struct {
		OK  func() error
		Bad func() error `retry:"tries=1,tries=2"`
	}
	type badBackoff struct {
		OK  func() error
		Bad func() error `retry:"backoff=fast"`
	}
	type badDuration struct {
		OK  func() error
		Bad func() error `retry:"max=soon"`
	}
	type minAboveMax struct {
		OK  func() error
		Bad func() error `retry:"min=2s,max=1s"`
	}
	type tagOnData struct {
		OK  func() error
		Bad int `retry:"tries=2"`
	}
	type tagOnPrivate struct {
		OK  func() error
		bad func() error `retry:"tries=2"`
	}
	type twoBad struct {
		First  func() error `retry:"tries=0"`
		Second func() error `retry:"delay=x"`
	}
	f := func() error { return nil }
	tests := []struct {
		name   string
		target any
		is     error
		want   string
	}{
		{"not a number", &badTries{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field badTries.Bad: tag "tries=abc": "tries=abc": tries wants a whole number`},
		{"invalid value", &zeroTries{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field zeroTries.Bad: Tries(0): tries cannot be 0`},
		{"negative delay", &negativeDelay{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field negativeDelay.Bad: Delay(-1s): delay cannot be negative`},
		{"unknown key", &unknownKey{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field unknownKey.Bad: tag "tries=2,retries=3": "retries=3": unknown key "retries" (want tries, delay, backoff, jitter, min, max, elapsed or timeout)`},
		{"no value", &noValue{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field noValue.Bad: tag "tries": "tries": want key=value`},
		{"key twice", &twice{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field twice.Bad: tag "tries=1,tries=2": "tries=2": tries given twice`},
		{"bad backoff", &badBackoff{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field badBackoff.Bad: tag "backoff=fast": "backoff=fast": backoff wants a number`},
		{"bad duration", &badDuration{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field badDuration.Bad: tag "max=soon": "max=soon": max wants a duration such as 100ms`},
		{"min above max", &minAboveMax{OK: f, Bad: f}, retry.ErrInvalidOption, `retry: field minAboveMax.Bad: MinDelay(2s): min delay is greater than MaxDelay(1s)`},
		{"tag on a data field", &tagOnData{OK: f}, retry.ErrNotFunc, `retry: field tagOnData.Bad: not a function: int (a retry tag needs an exported func field)`},
		{"tag on an unexported func", &tagOnPrivate{OK: f, bad: f}, retry.ErrNotFunc, `retry: field tagOnPrivate.bad: not a function: func() error (a retry tag needs an exported func field)`},
		{"two bad fields", &twoBad{First: f, Second: f}, retry.ErrInvalidOption,
			"retry: field twoBad.First: Tries(0): tries cannot be 0\n" +
				`retry: field twoBad.Second: tag "delay=x": "delay=x": delay wants a duration such as 100ms`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := funcPointers(tt.target)
			err := retry.DecorateFields(tt.target, retry.Tries(2))
			require.ErrorIs(t, err, tt.is)
			assert.EqualError(t, err, tt.want)
			assert.Equal(t, before, funcPointers(tt.target), "nothing is changed on error")
		})
	}
}

func TestDecorateFieldsRejectsBadOptions(t *testing.T) {
	type one struct{ F func() error }
	type tagged struct {
		F func() error `retry:"tries=2"`
	}
	f := func() error { return nil }
	s := &one{F: f}
	before := funcPointers(s)
	err := retry.DecorateFields(s, retry.Tries(0))
	require.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.EqualError(t, err, "retry: Tries(0): tries cannot be 0")
	assert.Equal(t, before, funcPointers(s))

	fn := f
	require.ErrorIs(t, retry.DecorateFields(&fn, retry.If(nil)), retry.ErrInvalidOption)

	err = retry.DecorateFields(&tagged{F: f}, retry.WithSchedule(retry.DefaultSchedule))
	require.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.EqualError(t, err, "retry: field tagged.F: WithSchedule(s): cannot be combined with Tries(2)")
}

// Getter and Putter are embedded in composite, by value and by pointer.
type (
	Getter    struct{ Get func() error }
	Putter    struct{ Put func() error }
	composite struct {
		Getter
		*Putter
		Name string
	}
)

// Promoted func fields of embedded structs are decorated: embedded by
// value, and by a non-nil pointer; a nil embedded pointer is left alone.
func TestDecorateFieldsReachesPromotedFields(t *testing.T) {
	t.Run("by value and by pointer", func(t *testing.T) {
		var gets, puts int
		c := &composite{Getter: Getter{Get: counted(&gets)}, Putter: &Putter{Put: counted(&puts)}, Name: "c"}
		require.NoError(t, retry.DecorateFields(c, retry.Tries(3), noWait()))
		require.Error(t, c.Get())
		assert.Equal(t, 3, gets, "embedded by value")
		require.Error(t, c.Put())
		assert.Equal(t, 3, puts, "embedded by pointer")
		assert.Equal(t, "c", c.Name)
	})
	t.Run("nil embedded pointer", func(t *testing.T) {
		var gets int
		c := &composite{Getter: Getter{Get: counted(&gets)}}
		require.NoError(t, retry.DecorateFields(c, retry.Tries(3), noWait()))
		assert.Nil(t, c.Putter)
		require.Error(t, c.Get())
		assert.Equal(t, 3, gets)
	})
}

// A bad tag is an error even on a nil field: the mistake is in the code,
// whatever the field holds today.
func TestDecorateFieldsBadTagOnANilFieldIsAnError(t *testing.T) {
	type lazy struct {
		F func() error `retry:"tries=banana"`
	}
	err := retry.DecorateFields(&lazy{}, retry.Tries(2))
	assert.ErrorIs(t, err, retry.ErrInvalidOption)
	assert.ErrorContains(t, err, "lazy.F")
}

// A field that already holds a function decorated by this package is an
// error naming the field, never a silent second layer (3 tries × 3 tries);
// nothing is changed.
func TestDecorateFieldsRefusesAFieldDecoratedAlready(t *testing.T) {
	type fastPath struct {
		Plain func() error
		Again func() error
	}
	type reflective struct {
		Plain func() error
		Again func(int) (int, error)
	}
	tests := []struct {
		name   string
		target func(plain *int, again *int) any
		call   func(target any) error
	}{
		{"func() error", func(plain, again *int) any {
			return &fastPath{Plain: counted(plain), Again: retry.Decorate(counted(again), retry.Tries(3), noWait()).(func() error)}
		}, func(target any) error { return target.(*fastPath).Again() }},
		{"func(int) (int, error)", func(plain, again *int) any {
			fail := counted(again)
			decorated := retry.Decorate(func(x int) (int, error) { return x, fail() }, retry.Tries(3), noWait()).(func(int) (int, error))
			return &reflective{Plain: counted(plain), Again: decorated}
		}, func(target any) error { _, err := target.(*reflective).Again(1); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var plain, again int
			target := tt.target(&plain, &again)
			before := funcPointers(target)
			err := retry.DecorateFields(target, retry.Tries(3), noWait())
			require.Error(t, err)
			assert.ErrorContains(t, err, ".Again")
			assert.Equal(t, before, funcPointers(target), "nothing is changed on error")
			require.Error(t, tt.call(target))
			assert.Equal(t, 3, again, "3 tries, not 3 × 3")
		})
	}
}

package retry

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newBudgetForTest(t testing.TB, maxTokens, ratio float64) *Budget {
	t.Helper()
	b, err := NewBudget(maxTokens, ratio)
	require.NoError(t, err)
	return b
}

// budgetStep is one operation on a budget and what is expected after it.
type budgetStep struct {
	op     string  // "take" or "give"
	allow  bool    // take: its result
	tokens float64 // the count after the operation
}

func TestBudgetArithmetic(t *testing.T) {
	take := func(allow bool, tokens float64) budgetStep { return budgetStep{"take", allow, tokens} }
	give := func(tokens float64) budgetStep { return budgetStep{"give", false, tokens} }
	tests := []struct {
		name       string
		max, ratio float64
		steps      []budgetStep
	}{
		{"takes down to the threshold, then refuses", 10, 0.5, []budgetStep{
			take(true, 9), take(true, 8), take(true, 7), take(true, 6),
			take(false, 5), // at maxTokens/2: no longer above it
			take(false, 4), take(false, 3), take(false, 2), take(false, 1), take(false, 0),
			take(false, 0), take(false, 0), // never below 0
		}},
		{"gives back ratio, capped at max", 10, 0.5, []budgetStep{
			give(10), // already full
			take(true, 9), give(9.5), give(10), give(10),
			take(true, 9), take(true, 8), give(8.5), take(true, 7.5),
		}},
		{"recovers above the threshold", 10, 0.5, []budgetStep{
			take(true, 9), take(true, 8), take(true, 7), take(true, 6), take(false, 5),
			give(5.5), take(false, 4.5), // the take comes first, then the check
			give(5), give(5.5), give(6), give(6.5), take(true, 5.5),
		}},
		{"ratio above max", 2, 5, []budgetStep{
			take(false, 1), take(false, 0), give(2), take(false, 1),
		}},
		{"floor from a fraction", 3, 0.25, []budgetStep{
			take(true, 2), take(false, 1), give(1.25), take(false, 0.25), take(false, 0),
			give(0.25), give(0.5),
		}},
		{"odd max: threshold 2.5", 5, 1, []budgetStep{
			take(true, 4), take(true, 3), take(false, 2), give(3), take(false, 2),
		}},
		{"max below 1: never retries", 0.5, 0.5, []budgetStep{
			take(false, 0), give(0.5), take(false, 0),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudgetForTest(t, tt.max, tt.ratio)
			for i, s := range tt.steps {
				switch s.op {
				case "take":
					assert.Equal(t, s.allow, b.take(), "step %d: take", i+1)
				case "give":
					b.give()
				}
				require.Equal(t, s.tokens, b.Tokens(), "step %d: %s", i+1, s.op)
			}
		})
	}
}

// inParallel starts n goroutines running f(i) and waits for them all.
func inParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

func TestBudgetConcurrentTakesLoseNothing(t *testing.T) {
	const goroutines, takes = 64, 1000
	const maxTokens = 3 * goroutines * takes // never reaches 0
	b := newBudgetForTest(t, maxTokens, 1)
	inParallel(goroutines, func(int) {
		for range takes {
			b.take()
		}
	})
	assert.Equal(t, float64(maxTokens-goroutines*takes), b.Tokens())
}

func TestBudgetConcurrentTakesAndGivesLoseNothing(t *testing.T) {
	// Each goroutine takes before it gives, so the count never exceeds the
	// maximum and the cap never applies: every update must show.
	const goroutines, pairs = 64, 1000
	const maxTokens = 2 * goroutines * pairs
	b := newBudgetForTest(t, maxTokens, 0.5)
	inParallel(goroutines, func(int) {
		for range pairs {
			b.take()
			b.give()
		}
	})
	assert.Equal(t, maxTokens-0.5*goroutines*pairs, b.Tokens())
}

func TestBudgetConcurrentTakesAllowExactly(t *testing.T) {
	// From 10, the takes leave 9, 8, ... 0, 0, ...: exactly four of them
	// (9, 8, 7, 6) are above the threshold 5, whatever the interleaving.
	const goroutines, takes = 50, 10
	b := newBudgetForTest(t, 10, 0.1)
	var mu sync.Mutex
	allowed := 0
	inParallel(goroutines, func(int) {
		n := 0
		for range takes {
			if b.take() {
				n++
			}
		}
		mu.Lock()
		allowed += n
		mu.Unlock()
	})
	assert.Equal(t, 4, allowed)
	assert.Zero(t, b.Tokens())
}

func TestBudgetConcurrentFloorAndCap(t *testing.T) {
	b := newBudgetForTest(t, 10, 0.25)
	inParallel(32, func(i int) {
		for range 100 {
			if i%2 == 0 {
				b.take()
			} else {
				b.give()
			}
		}
	})
	assert.GreaterOrEqual(t, b.Tokens(), 0.0)
	assert.LessOrEqual(t, b.Tokens(), 10.0)

	inParallel(32, func(int) {
		for range 100 {
			b.give()
		}
	})
	assert.Equal(t, 10.0, b.Tokens(), "capped at max")

	inParallel(32, func(int) {
		for range 100 {
			b.take()
		}
	})
	assert.Equal(t, 0.0, b.Tokens(), "floored at 0")
}

func TestZeroBudgetAllowsNoRetries(t *testing.T) {
	var b Budget
	assert.False(t, b.take())
	b.give()
	assert.Zero(t, b.Tokens())
}

func BenchmarkBudget(b *testing.B) {
	budget := newBudgetForTest(b, 1000, 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			budget.take()
			budget.give()
		}
	})
}

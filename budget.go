package retry

import (
	"fmt"
	"math"
	"sync/atomic"
)

// A Budget limits the retries of many callers at once, so that a fleet of
// clients does not multiply its load on a server that is failing: it is
// gRPC's retry throttling (gRPC proposal A6).
//
// A Budget holds tokens, and starts full. Each failed try that would be
// retried takes one token, never going below zero; each successful try
// gives back ratio tokens, never going above the maximum. While the tokens,
// counted after the failure took its own, are at or below half the
// maximum, failures are not retried: the call returns its failure at once.
//
// A Budget is safe for concurrent use, without locks, and is meant to be
// shared by every Retrier and goroutine that calls the same servers. Make
// one with [NewBudget]; the zero Budget allows no retries.
type Budget struct {
	tokens    atomic.Uint64 // math.Float64bits of the token count
	maxTokens float64
	threshold float64 // maxTokens / 2
	ratio     float64
}

// NewBudget returns a full Budget of maxTokens tokens, of which each
// successful try gives back ratio. Both must be finite and greater than 0;
// otherwise the error wraps [ErrInvalidOption] and names every problem.
func NewBudget(maxTokens, ratio float64) (*Budget, error) {
	option := fmt.Sprintf("NewBudget(%g, %g)", maxTokens, ratio)
	var errs []error
	if !positiveFinite(maxTokens) {
		errs = append(errs, invalidOption(option, "maxTokens must be a finite number > 0"))
	}
	if !positiveFinite(ratio) {
		errs = append(errs, invalidOption(option, "ratio must be a finite number > 0"))
	}
	if errs != nil {
		return nil, joinErrors(errs)
	}
	b := &Budget{maxTokens: maxTokens, threshold: maxTokens / 2, ratio: ratio}
	b.tokens.Store(math.Float64bits(maxTokens))
	return b, nil
}

func positiveFinite(f float64) bool { return f > 0 && !math.IsInf(f, 1) }

// Tokens returns the current number of tokens, for metrics. It changes as
// soon as another goroutine takes or gives.
func (b *Budget) Tokens() float64 { return math.Float64frombits(b.tokens.Load()) }

// String describes the budget as "Budget(tokens=7.5/10, ratio=0.1)".
func (b *Budget) String() string {
	return fmt.Sprintf("Budget(tokens=%g/%g, ratio=%g)", b.Tokens(), b.maxTokens, b.ratio)
}

// take takes one token for a failed try that would be retried, and reports
// whether it may be: whether the tokens left are more than half the
// maximum.
func (b *Budget) take() bool {
	for {
		old := b.tokens.Load()
		n := math.Float64frombits(old)
		if n <= 0 {
			return false // nothing to take; 0 is never above the threshold
		}
		n = max(n-1, 0)
		if b.tokens.CompareAndSwap(old, math.Float64bits(n)) {
			return n > b.threshold
		}
	}
}

// give gives back ratio tokens for a successful try, up to the maximum.
func (b *Budget) give() {
	for {
		old := b.tokens.Load()
		n := math.Float64frombits(old)
		if n >= b.maxTokens {
			return
		}
		n = min(n+b.ratio, b.maxTokens)
		if b.tokens.CompareAndSwap(old, math.Float64bits(n)) {
			return
		}
	}
}

package retry_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kaioretry/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewBudgetRejectsInvalidInput(t *testing.T) {
	const (
		badMax   = "maxTokens must be a finite number > 0"
		badRatio = "ratio must be a finite number > 0"
	)
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name       string
		max, ratio float64
		want       string
	}{
		{"zero max", 0, 0.1, "retry: NewBudget(0, 0.1): " + badMax},
		{"negative max", -10, 0.1, "retry: NewBudget(-10, 0.1): " + badMax},
		{"NaN max", nan, 0.1, "retry: NewBudget(NaN, 0.1): " + badMax},
		{"+Inf max", inf, 0.1, "retry: NewBudget(+Inf, 0.1): " + badMax},
		{"-Inf max", -inf, 0.1, "retry: NewBudget(-Inf, 0.1): " + badMax},
		{"zero ratio", 10, 0, "retry: NewBudget(10, 0): " + badRatio},
		{"negative ratio", 10, -0.5, "retry: NewBudget(10, -0.5): " + badRatio},
		{"NaN ratio", 10, nan, "retry: NewBudget(10, NaN): " + badRatio},
		{"+Inf ratio", 10, inf, "retry: NewBudget(10, +Inf): " + badRatio},
		{"-Inf ratio", 10, -inf, "retry: NewBudget(10, -Inf): " + badRatio},
		{"both bad", 0, nan, "retry: NewBudget(0, NaN): " + badMax + "\nretry: NewBudget(0, NaN): " + badRatio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := retry.NewBudget(tt.max, tt.ratio)
			assert.Nil(t, b)
			require.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, retry.ErrInvalidOption)
		})
	}
}

func TestNewBudgetBothBadReportsEach(t *testing.T) {
	_, err := retry.NewBudget(-1, -1)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined), "%T is not a joined error", err)
	require.Len(t, joined.Unwrap(), 2)
	for _, e := range joined.Unwrap() {
		assert.ErrorIs(t, e, retry.ErrInvalidOption)
	}
}

func TestBudgetStartsFull(t *testing.T) {
	tests := []struct {
		max, ratio float64
		want       string
	}{
		{10, 0.1, "Budget(tokens=10/10, ratio=0.1)"},
		{7.5, 2, "Budget(tokens=7.5/7.5, ratio=2)"},
		{1, 1, "Budget(tokens=1/1, ratio=1)"},
		{1e-3, 1e-3, "Budget(tokens=0.001/0.001, ratio=0.001)"},
		{math.MaxFloat64, 0.5, "Budget(tokens=1.7976931348623157e+308/1.7976931348623157e+308, ratio=0.5)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := retry.NewBudget(tt.max, tt.ratio)
			require.NoError(t, err)
			assert.Equal(t, tt.max, b.Tokens())
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestZeroBudget(t *testing.T) {
	var b retry.Budget
	assert.Zero(t, b.Tokens())
	assert.Equal(t, "Budget(tokens=0/0, ratio=0)", b.String())
}

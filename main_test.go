package retry

import (
	"io"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Retriers log their failures at Warn, which DefaultLogger writes; tests
	// that look at entries give a Logger of their own.
	DefaultLogger.SetOutput(io.Discard)
	goleak.VerifyTestMain(m)
}

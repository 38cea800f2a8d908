package retry

import (
	"os"

	"github.com/google/uuid"
	"github.com/sirupsen/logrus"
)

// DefaultLogger is where entries go when no [Logger] option is given. Like
// KaioRetry's module loggers it writes to stderr at Warn level, so the Info
// entries of a Schedule's loop stay quiet until its level is lowered:
//
//	retry.DefaultLogger.SetLevel(logrus.InfoLevel)
//
// It is read each time an entry is written, so it may be replaced at init.
var DefaultLogger = newDefaultLogger()

func newDefaultLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetLevel(logrus.WarnLevel)
	return l
}

// loopField is the field that carries a loop's identifier in every entry.
const loopField = "loop"

// logSink is a FieldLogger plus, when it can be known, the *logrus.Logger
// whose level decides whether an entry is written. Checking that level first
// is what lets a disabled entry cost no formatting and no allocation.
type logSink struct {
	fl    logrus.FieldLogger // nil: DefaultLogger, read when used
	level *logrus.Logger     // nil: every entry is handed to fl
}

// newLogSink reports false for a nil logger, typed nils included.
func newLogSink(l logrus.FieldLogger) (logSink, bool) {
	switch v := l.(type) {
	case nil:
		return logSink{}, false
	case *logrus.Logger:
		return logSink{fl: v, level: v}, v != nil
	case *logrus.Entry:
		if v == nil || v.Logger == nil {
			return logSink{}, false
		}
		return logSink{fl: v, level: v.Logger}, true
	default:
		return logSink{fl: l}, true
	}
}

func (s logSink) logger() logrus.FieldLogger {
	if s.fl == nil {
		return DefaultLogger
	}
	return s.fl
}

// threshold returns the most verbose level an entry is written at now:
// entries at that level or a lower (more severe) one are written. A loop
// reads it once, when it starts, and then compares: a disabled entry costs
// no formatting, no allocation, and no further load. A FieldLogger that is
// neither a *logrus.Logger nor a *logrus.Entry is handed every entry.
func (s logSink) threshold() logrus.Level {
	l := s.level
	if s.fl == nil {
		l = DefaultLogger
	} else if l == nil {
		return logrus.TraceLevel
	}
	return l.GetLevel()
}

// loopID is a loop's identifier, drawn the first time the loop logs.
type loopID string

func (id *loopID) get() string {
	if *id == "" {
		*id = loopID(uuid.NewString())
	}
	return string(*id)
}

// with returns an entry that carries the loop's identifier.
func (s logSink) with(id *loopID) *logrus.Entry {
	return s.logger().WithField(loopField, id.get())
}

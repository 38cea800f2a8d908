package retry

import (
	"context"
	"log/slog"
	"os"

	"github.com/sirupsen/logrus"
)

// DefaultLogger is where entries go when no [Logger] or [Slog] option is
// given. Like KaioRetry's module loggers it writes to stderr at Warn level,
// so the Info entries of a Schedule's loop stay quiet until its level is
// lowered:
//
//	retry.DefaultLogger.SetLevel(logrus.InfoLevel)
//
// It is read when a loop begins, so it may be replaced at init.
var DefaultLogger = newDefaultLogger()

func newDefaultLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetLevel(logrus.WarnLevel)
	return l
}

// loopField is the field (logrus) or attribute (slog) that carries a loop's
// identifier in every entry.
const loopField = "loop"

// leveled is a logger that can say which levels it writes, as
// *logrus.Logger does, and as an adapter that embeds one does too.
type leveled interface{ GetLevel() logrus.Level }

// logSink is where a schedule's loops write: a logrus FieldLogger, with
// what tells its level when that can be known, or a *slog.Logger. The zero
// logSink is DefaultLogger, read when a loop begins.
type logSink struct {
	fl logrus.FieldLogger
	lg *logrus.Logger // the logger whose level decides, when known: a direct call
	lv leveled        // otherwise, what tells the level; nil: every entry is handed to fl
	sl *slog.Logger
}

// logrusSink reports false for a nil logger, typed nils included.
func logrusSink(l logrus.FieldLogger) (logSink, bool) {
	if l == nil || isNilPointer(l) {
		return logSink{}, false
	}
	s := logSink{fl: l}
	switch v := l.(type) {
	case *logrus.Logger:
		s.lg = v
	case *logrus.Entry:
		if v.Logger == nil {
			return logSink{}, false
		}
		s.lg = v.Logger
	case leveled:
		s.lv = v
	}
	return s, true
}

// threshold returns the most verbose level that an entry is written at
// now. A loop reads it once, when it begins, and then compares: a disabled
// entry costs no formatting, no allocation, and no further call.
func (s *logSink) threshold(ctx context.Context) logrus.Level {
	switch {
	case s.lg != nil:
		return s.lg.GetLevel()
	case s.fl == nil && s.sl == nil:
		return DefaultLogger.GetLevel()
	case s.sl != nil:
		for _, lvl := range [...]logrus.Level{logrus.DebugLevel, logrus.InfoLevel, logrus.WarnLevel} {
			if s.sl.Enabled(ctx, slogLevel(lvl)) {
				return lvl
			}
		}
		return logrus.ErrorLevel
	case s.lv != nil:
		return s.lv.GetLevel()
	}
	return logrus.TraceLevel
}

// logger returns the FieldLogger of a logrus sink.
func (s logSink) logger() logrus.FieldLogger {
	if s.fl == nil {
		return DefaultLogger
	}
	return s.fl
}

// slogLevel maps the levels the loops write at to slog's.
func slogLevel(l logrus.Level) slog.Level {
	switch l {
	case logrus.DebugLevel:
		return slog.LevelDebug
	case logrus.InfoLevel:
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

package devserver

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger passes the Temporal server's log records to an slog.Logger.
// Records below min are dropped, and so are the known benign ones. Once quiet is set (Stop has begun) only errors pass,
// and not those of operations that the shutdown itself cancelled.
type serverLogger struct {
	out   *slog.Logger
	min   slog.Leveler
	quiet *atomic.Bool // shared by every logger derived with With
}

var (
	_ log.Logger     = (*serverLogger)(nil)
	_ log.WithLogger = (*serverLogger)(nil)
)

func newServerLogger(out *slog.Logger, min slog.Leveler) *serverLogger {
	return &serverLogger{out: out, min: min, quiet: new(atomic.Bool)}
}

// silence drops everything below error from now on.
func (l *serverLogger) silence() { l.quiet.Store(true) }

// benign tells the warnings the embedded setup triggers on purpose.
func benign(msg string) bool {
	// No frontend HTTP port is opened: Nexus is not used.
	return strings.HasPrefix(msg, "HTTP API port has not been set.")
}

func (l *serverLogger) enabled(level slog.Level, msg string, tags []tag.Tag) bool {
	if level < slog.LevelError && benign(msg) {
		return false
	}
	if l.quiet.Load() {
		return level >= slog.LevelError && !cancelledByShutdown(tags)
	}
	return level >= l.min.Level()
}

// cancelledByShutdown tells whether a record reports an operation aborted
// because the server is stopping (its error is a cancelled context).
func cancelledByShutdown(tags []tag.Tag) bool {
	for _, t := range tags {
		switch v := t.Value().(type) {
		case error:
			if errors.Is(v, context.Canceled) || strings.Contains(v.Error(), context.Canceled.Error()) {
				return true
			}
		case string:
			if strings.Contains(v, context.Canceled.Error()) {
				return true
			}
		}
	}
	return false
}

func (l *serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if !l.enabled(level, msg, tags) {
		return
	}
	l.out.LogAttrs(context.Background(), level, msg, tagAttrs(tags)...)
}

func (l *serverLogger) Debug(msg string, tags ...tag.Tag) { l.log(slog.LevelDebug, msg, tags) }
func (l *serverLogger) Info(msg string, tags ...tag.Tag)  { l.log(slog.LevelInfo, msg, tags) }
func (l *serverLogger) Warn(msg string, tags ...tag.Tag)  { l.log(slog.LevelWarn, msg, tags) }
func (l *serverLogger) Error(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// DPanic logs at error level: panicking is for the server's own test builds.
func (l *serverLogger) DPanic(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// Panic logs and panics, as the server expects.
func (l *serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.log(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal logs and exits the process, as the server expects (its default
// logger does the same): it calls Fatal only where it cannot go on.
func (l *serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.out.LogAttrs(context.Background(), slog.LevelError, "temporal server fatal: "+msg, tagAttrs(tags)...)
	os.Exit(1)
}

// With returns a logger that prepends tags to every record.
func (l *serverLogger) With(tags ...tag.Tag) log.Logger {
	return &serverLogger{out: l.out.With(attrsAny(tags)...), min: l.min, quiet: l.quiet}
}

func tagAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

func attrsAny(tags []tag.Tag) []any {
	out := make([]any, 0, len(tags))
	for _, a := range tagAttrs(tags) {
		out = append(out, a)
	}
	return out
}

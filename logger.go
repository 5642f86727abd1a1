package compliance

import (
	"context"
	"errors"
	"os"
	"reflect"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/lambda-compliance/compliance/middleware"
	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/zapredact"
)

// Logger returns the logger of the invocation ctx belongs to: JSON lines on
// the output given to [WithOutput], each carrying requestId, functionName,
// coldStart and traceId. Outside an invocation wrapped by [Wrap] it returns a
// process-wide JSON logger on standard output. It never returns nil.
func Logger(ctx context.Context) *zap.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*invocationLogger); ok {
		return l.get()
	}
	return fallbackLogger()
}

var fallbackLogger = sync.OnceValue(func() *zap.Logger { return zap.New(newCore(fallbackConfig())) })

// fallbackConfig is the configuration of the logger outside Wrap: the
// environment's, or, where the environment is malformed, the defaults,
// redaction included. It calls no KMS: without options, no operator uses
// the redaction key, and there is no audit chain or Encryptor.
func fallbackConfig() *config {
	c, err := newConfig([]Option{optionFunc(func(c *config) { c.noKMS = true })})
	if err != nil {
		r, _ := redact.New(redact.Config{}) // the zero Config is always valid
		c = &config{out: os.Stdout, level: zapcore.InfoLevel, redactor: r}
	}
	return c
}

type loggerKey struct{}

// invocationLogger builds the per-invocation logger on first use, so that a
// handler that never logs pays nothing for it.
type invocationLogger struct {
	once sync.Once
	base *logBase
	inv  *middleware.Invocation
	fc   *findingsCounter // the invocation's redaction findings, for its audit record; may be nil
	l    *zap.Logger
}

// logBase is what the loggers of a Wrap are made from.
type logBase struct {
	l     *zap.Logger      // the Wrap's logger, functionName included
	inner zapcore.Core     // the core below redaction
	r     *redact.Redactor // nil without redaction
	name  string           // functionName
}

func (il *invocationLogger) get() *zap.Logger {
	il.once.Do(func() {
		if il.fc != nil && il.base.r != nil {
			// A redacting core of its own, to count what it finds.
			core := zapredact.NewCore(il.base.inner, il.base.r, zapredact.WithFindings(il.fc.add))
			il.l = zap.New(core).With(append([]zap.Field{zap.String("functionName", il.base.name)}, invocationFields(il.inv)...)...)
			return
		}
		il.l = il.base.l.With(invocationFields(il.inv)...)
	})
	return il.l
}

func invocationFields(inv *middleware.Invocation) []zap.Field {
	if inv == nil {
		return nil
	}
	fs := []zap.Field{zap.String("requestId", inv.RequestID), zap.Bool("coldStart", inv.ColdStart)}
	if id := middleware.TraceID(inv.TraceHeader); id != "" {
		fs = append(fs, zap.String("traceId", id))
	}
	return fs
}

// newCore returns the core every logger of a Wrap writes through: JSON in the
// field names of Lambda's JSON log format, one Write per line, serialised by
// a lock shared with everything else written to the output.
func newCore(c *config) zapcore.Core {
	core := newInnerCore(c)
	if c.redactor != nil {
		// Outermost, so that every sink a WithLogCore adds gets redacted lines.
		core = zapredact.NewCore(core, c.redactor)
	}
	return core
}

// newInnerCore returns the core below redaction: JSON encoding to the
// output, wrapped by the cores of WithLogCore.
func newInnerCore(c *config) zapcore.Core {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{
		TimeKey:        "timestamp",
		LevelKey:       "level",
		MessageKey:     "message",
		StacktraceKey:  "stackTrace",
		CallerKey:      zapcore.OmitKey,
		NameKey:        "logger",
		LineEnding:     zapcore.DefaultLineEnding,
		EncodeLevel:    zapcore.CapitalLevelEncoder,
		EncodeTime:     zapcore.TimeEncoder(utcRFC3339Milli),
		EncodeDuration: zapcore.StringDurationEncoder,
	})
	sink := c.sink
	if sink == nil {
		sink = zapcore.Lock(zapcore.AddSync(c.out))
	}
	var core zapcore.Core = zapcore.NewCore(enc, sink, c.level)
	for _, wrap := range c.wrapCore {
		core = wrap(core)
	}
	return core
}

// logging is the middleware that hands the handler its logger and logs how
// an invocation failed.
func logging(base *logBase) middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			inv, _ := middleware.FromContext(ctx)
			fc, _ := ctx.Value(findingsKey{}).(*findingsCounter)
			il := &invocationLogger{base: base, inv: inv, fc: fc}
			resp, err := next.Invoke(context.WithValue(ctx, loggerKey{}, il), payload)
			if err != nil {
				logFailure(il.get(), err)
			}
			return resp, err
		})
	}
}

func logFailure(l *zap.Logger, err error) {
	var pe *middleware.PanicError
	if errors.As(err, &pe) {
		l.Error("handler panicked", zap.String("errorType", "PanicError"),
			zap.String("errorMessage", pe.Message), zap.String("stackTrace", pe.Stack))
		return
	}
	l.Error("invocation failed", zap.String("errorType", errorType(err)), zap.String("errorMessage", err.Error()))
}

// errorType is the name Lambda reports as errorType for err.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// ignoreSyncErr drops the errors fsync gives for outputs that cannot be
// synced (pipes, terminals, /dev/stdout): there is nothing to flush there.
func ignoreSyncErr(err error) error {
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}

// utcRFC3339Milli encodes times as Lambda does: UTC, milliseconds, "Z".
func utcRFC3339Milli(t time.Time, enc zapcore.PrimitiveArrayEncoder) {
	var buf [32]byte
	enc.AppendByteString(t.UTC().AppendFormat(buf[:0], "2006-01-02T15:04:05.000Z"))
}

// Package compliance wraps an AWS Lambda handler written in Go so that the
// function meets data-protection controls at runtime, with no other change to
// its code:
//
//	func main() { compliance.Start(handler) }
//
// or, where the caller starts the runtime loop itself:
//
//	lambda.Start(compliance.Wrap(handler))
//
// Every invocation is described ([middleware.Invocation]: request id, event
// source, resources, caller and how sure we are of it), handed a JSON logger
// ([Logger]), protected against panics that would end the process and every
// other invocation in it, kept inside its deadline with time left for the
// controls to finish, and audited: each invocation leaves one OCSF audit
// record in a signed hash chain, written before its response is returned
// (see [WithAuditSigningKey], [AuditError] and package audit).
//
// The payload is never decoded and re-encoded on its way to the handler: the
// handler receives the bytes Lambda sent, with the precision of every number
// and the order of every key.
package compliance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/lambda-compliance/compliance/middleware"
	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/zapredact"
)

// Handler is what [Wrap] returns: a lambda.Handler that runs the controls
// around the wrapped handler.
type Handler struct {
	chain    middleware.Handler
	logger   *zap.Logger
	redactor *redact.Redactor // nil without redaction
	auditor  *auditor         // nil without audit

	closeOnce sync.Once
	closeErr  error
}

var _ lambda.Handler = (*Handler)(nil)

// Wrap returns handler with the controls around it, as a [*Handler]. handler may be any
// function that lambda.Start accepts, or a lambda.Handler (whose Invoke then
// receives the raw payload). opts configure the controls; with none, the
// documented safe defaults apply, adjusted by the COMPLIANCE_* environment
// variables.
//
// A configuration that cannot be used (a malformed environment variable) does
// not panic: every invocation of the returned handler fails with a
// [*ConfigError] naming it.
func Wrap(handler any, opts ...Option) lambda.Handler {
	return wrap(handler, opts)
}

func wrap(handler any, opts []Option) *Handler {
	c, err := newConfig(opts)
	if err != nil {
		return &Handler{chain: middleware.HandlerFunc(func(context.Context, []byte) ([]byte, error) {
			return nil, err
		}), logger: zap.NewNop()}
	}
	inner, ok := handler.(lambda.Handler)
	if !ok {
		inner = newFuncHandler(handler, c.lambdaOpts)
	}
	// One lock for everything written to the output: log lines and audit
	// records never interleave.
	c.sink = &lockedSink{ws: zapcore.AddSync(c.out)}
	innerCore := newInnerCore(c)
	core := innerCore
	if c.redactor != nil {
		core = zapredact.NewCore(innerCore, c.redactor)
	}
	logger := zap.New(core).With(zap.String("functionName", c.env.FunctionName))
	aud := newAuditor(c, c.sink, logger)
	chain := middleware.Chain(
		middleware.Recover(), // a panic in the controls themselves
		redactPanics(c.redactor),
		middleware.Metadata(c.env),
		auditing(aud), // outside the guard: its record is written within the margin
		middleware.DeadlineGuard(c.margin),
		logging(&logBase{l: logger, inner: innerCore, r: c.redactor, name: c.env.FunctionName}),
		encryption(newEncryptorSource(c)),
		middleware.Chain(c.middlewares...),
		middleware.Recover(), // a panic in the handler, seen by every control as an error
	)(inner)
	if c.redactor == nil {
		logger.Warn("redaction is off: log lines are written as the handler wrote them")
	}
	switch {
	case aud == nil:
		logger.Warn("audit is off: invocations leave no audit record")
	case c.auditKeyID == "" && len(c.auditHMACKMS) == 0:
		logger.Warn("the audit chain is uncertified (self-signed): set WithAuditSigningKey or COMPLIANCE_AUDIT_KMS_KEY_ID to certify it with KMS")
	}
	return &Handler{chain: chain, logger: logger, redactor: c.redactor, auditor: aud}
}

// Invoke runs one invocation through the controls and the wrapped handler.
// An error returned by the wrapped handler is returned unchanged, so that
// Lambda reports its type as errorType.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return h.chain.Invoke(ctx, payload)
}

// Close writes the audit chain's close record and flushes what the controls
// buffer. [Start] calls it on SIGTERM; where you run the handler another
// way, call it yourself (compliance.Wrap(h).(*compliance.Handler).Close(ctx)).
// After Close, an invocation's audit record can no longer be written. Close
// is idempotent; ctx bounds how long it may take.
func (h *Handler) Close(ctx context.Context) error {
	h.closeOnce.Do(func() {
		done := make(chan error, 1)
		go func() { done <- errors.Join(h.auditor.close(ctx), ignoreSyncErr(h.logger.Sync())) }()
		select {
		case err := <-done:
			h.closeErr = err
		case <-ctx.Done():
			h.closeErr = ctx.Err()
		}
	})
	return h.closeErr
}

// Start wraps handler as [Wrap] does and runs the Lambda runtime loop with
// it, with SIGTERM handling on, so that the controls are closed before the
// execution environment shuts down. Like lambda.Start, it does not return.
//
// Start also sends what the standard log package writes (aws-lambda-go logs
// every error a handler returns through it) through the same redaction as
// [Logger].
func Start(handler any, opts ...Option) {
	h := wrap(handler, opts)
	if h.redactor != nil {
		log.SetOutput(&redactingWriter{w: log.Writer(), r: h.redactor})
	}
	lambda.StartWithOptions(h, lambda.WithEnableSIGTERM(func() {
		// Lambda sends SIGKILL about 500 ms after SIGTERM.
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		_ = h.Close(ctx)
	}))
}

// funcHandler runs a handler function through aws-lambda-go's own adapter,
// which decodes the payload into the function's argument and encodes its
// result. That adapter returns response bytes that alias a pooled buffer it
// reuses as soon as Invoke returns, so concurrent invocations would overwrite
// each other's responses: each invocation takes an adapter of its own from a
// pool and copies the response before giving the adapter back.
//
// A payload that is not JSON never reaches a function that takes an event:
// the invocation fails with the [*middleware.EventError] that says where the
// JSON broke, not with whatever the decoder happened to say.
type funcHandler struct {
	pool       sync.Pool // of lambda.Handler
	takesEvent bool
}

func newFuncHandler(fn any, opts []lambda.Option) *funcHandler {
	h := &funcHandler{takesEvent: takesEvent(fn)}
	h.pool.New = func() any { return lambda.NewHandlerWithOptions(fn, opts...) }
	return h
}

// takesEvent reports whether fn is a function with an event argument:
// func(ctx, In) or func(In), In not a context.
func takesEvent(fn any) bool {
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func {
		return false
	}
	ctxType := reflect.TypeFor[context.Context]()
	return t.NumIn() == 2 || t.NumIn() == 1 && t.In(0) != ctxType
}

func (h *funcHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if inv, ok := middleware.FromContext(ctx); ok && inv.EventErr != nil && h.takesEvent {
		return nil, inv.EventErr
	}
	adapter := h.pool.Get().(lambda.Handler)
	resp, err := adapter.Invoke(ctx, payload)
	resp = bytes.Clone(resp)
	h.pool.Put(adapter)
	return resp, err
}

// redactPanics redacts the message and stack of a *middleware.PanicError,
// wrapped or not, before it leaves the function: Lambda writes both to the
// logs, and a panic value can quote whatever the handler was holding.
func redactPanics(r *redact.Redactor) middleware.Middleware {
	if r == nil {
		return nil
	}
	return func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			resp, err := next.Invoke(ctx, payload)
			var pe *middleware.PanicError
			if errors.As(err, &pe) {
				// A middleware may have wrapped the panic: its text quotes
				// the panic value too, so the whole text is redacted.
				msg := pe.Message
				if err != error(pe) {
					msg = strings.TrimPrefix(err.Error(), "middleware: panic: ")
				}
				msg, _ = r.String(msg)
				stack, _ := r.String(pe.Stack)
				err = &middleware.PanicError{Message: msg, Stack: stack}
			}
			return resp, err
		})
	}
}

// redactingWriter redacts every Write (the log package writes one line per
// call) before passing it on.
type redactingWriter struct {
	w io.Writer
	r *redact.Redactor
}

func (rw *redactingWriter) Write(p []byte) (int, error) {
	out, _ := rw.r.Bytes(p)
	if _, err := rw.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lockedSink serialises writes to the output, and stays usable when a
// write panics (zapcore.Lock does not unlock then).
type lockedSink struct {
	mu sync.Mutex
	ws zapcore.WriteSyncer
}

func (s *lockedSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws.Write(p)
}

func (s *lockedSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws.Sync()
}

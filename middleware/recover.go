package middleware

import (
	"context"
	"fmt"
	"runtime"
	"strings"
)

// PanicError is the error an invocation ends with when the handler panicked.
// Lambda reports it with errorType "PanicError".
type PanicError struct {
	// Message is the panic value formatted with %v.
	Message string
	// Stack is the goroutine's stack at the panic, one "function\n\tfile:line"
	// entry per frame, innermost first, without the runtime's own frames.
	Stack string
}

// Error returns "middleware: panic: " followed by the panic value.
func (e *PanicError) Error() string { return "middleware: panic: " + e.Message }

// Recover returns a middleware that turns a panic in next into a
// [*PanicError] carrying the stack, so that one failing invocation does not
// end the process and every other invocation running in it.
func Recover() Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, payload []byte) (resp []byte, err error) {
			defer func() {
				if v := recover(); v != nil {
					resp, err = nil, newPanicError(v)
				}
			}()
			return next.Invoke(ctx, payload)
		})
	}
}

// newPanicError must be called from the deferred function that recovered v.
func newPanicError(v any) *PanicError {
	var pcs [64]uintptr
	// Skip runtime.Callers, newPanicError and the deferred function.
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	var b strings.Builder
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		}
		if !more {
			break
		}
	}
	return &PanicError{Message: fmt.Sprint(v), Stack: b.String()}
}

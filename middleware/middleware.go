// Package middleware is the hub every control of the compliance wrapper plugs
// into: a [Handler] works on the raw payload bytes of one Lambda invocation, a
// [Middleware] wraps a Handler, and [Chain] composes middlewares.
//
// The package also describes each invocation ([Invocation]): who called the
// function, through which event source, on which resources, and how it ended.
// Controls read it with [FromContext].
package middleware

import (
	"context"
)

// Handler handles one invocation on its raw payload bytes. It has the method
// set of aws-lambda-go's lambda.Handler, so every lambda.Handler is a Handler
// and the other way round.
type Handler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// HandlerFunc adapts an ordinary function to a [Handler].
type HandlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

// Invoke calls f(ctx, payload).
func (f HandlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

var _ Handler = HandlerFunc(nil)

// Middleware wraps a Handler in another. A Middleware must not modify the
// payload it is given, and should return next unchanged when it has nothing
// to do.
type Middleware func(next Handler) Handler

// Chain composes middlewares into one. The first is the outermost: it sees
// the invocation first and the result last. Nil middlewares are skipped, and
// Chain() returns its argument unchanged.
func Chain(mws ...Middleware) Middleware {
	return func(next Handler) Handler {
		for i := len(mws) - 1; i >= 0; i-- {
			if mws[i] != nil {
				next = mws[i](next)
			}
		}
		return next
	}
}

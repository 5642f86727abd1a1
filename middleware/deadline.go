package middleware

import (
	"context"
	"time"
)

// TimeoutError is the error an invocation ends with when its handler ran into
// the deadline [DeadlineGuard] gave it, margin before Lambda's. Lambda
// reports it with errorType "TimeoutError".
type TimeoutError struct {
	// Margin is the time that was reserved before Lambda's deadline.
	Margin time.Duration
}

// Error says how long before Lambda's deadline the handler's deadline was.
func (e *TimeoutError) Error() string {
	return "middleware: handler ran into its deadline, " + e.Margin.String() + " before Lambda's"
}

// DeadlineGuard returns a middleware that keeps margin of every invocation's
// deadline for the controls: next runs with a context whose deadline is
// margin earlier than Lambda's. Controls that must finish even when the
// handler overruns (the audit record, the span) register their work with
// context.AfterFunc on that context, and it runs while there is still margin
// left. A handler that returns after its deadline has passed ends the
// invocation with a [*TimeoutError], its result discarded, as Lambda's own
// timeout would: what the controls recorded at the deadline stays true.
//
// The handler runs on the caller's goroutine. The margin is at most half of
// the time left when the invocation starts. Without a deadline in the
// context, or with margin <= 0, DeadlineGuard returns next unchanged.
func DeadlineGuard(margin time.Duration) Middleware {
	return func(next Handler) Handler {
		if margin <= 0 {
			return next
		}
		return HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			deadline, ok := ctx.Deadline()
			if !ok {
				return next.Invoke(ctx, payload)
			}
			m := min(margin, time.Until(deadline)/2)
			inner, cancel := context.WithDeadline(ctx, deadline.Add(-m))
			defer cancel()
			resp, err := next.Invoke(inner, payload)
			if inner.Err() != nil && ctx.Err() == nil { // our deadline passed, Lambda's has not
				return nil, &TimeoutError{Margin: m.Round(time.Millisecond)}
			}
			return resp, err
		})
	}
}

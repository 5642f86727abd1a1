package middleware

import (
	"context"
	"time"
)

// TimeoutError is the error an invocation ends with when its handler was still
// running when the margin reserved by [DeadlineGuard] began. Lambda reports it
// with errorType "TimeoutError".
type TimeoutError struct {
	// Margin is the time that was left before Lambda's deadline.
	Margin time.Duration
}

// Error says how long before the deadline the handler was abandoned.
func (e *TimeoutError) Error() string {
	return "middleware: handler still running " + e.Margin.String() + " before the deadline"
}

// DeadlineGuard returns a middleware that keeps margin of every invocation's
// deadline for the controls outside it (audit record, span flush): next runs
// with a context whose deadline is margin earlier, and if it has not returned
// by then the invocation ends with a [*TimeoutError] while next goes on in the
// background, its late result discarded. A panic in next becomes a
// [*PanicError], as with [Recover].
//
// The margin is at most half of the time left when the invocation starts.
// Without a deadline in the context, or with margin <= 0, DeadlineGuard
// returns next unchanged.
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
			type result struct {
				resp []byte
				err  error
			}
			done := make(chan result, 1)
			go func() {
				var r result
				defer func() {
					if v := recover(); v != nil {
						r = result{err: newPanicError(v)}
					}
					done <- r
				}()
				r.resp, r.err = next.Invoke(inner, payload)
			}()
			select {
			case r := <-done:
				cancel()
				return r.resp, r.err
			case <-inner.Done():
				// Cancel only after the guard has given up, so that next sees
				// its context end at the reserved deadline.
				cancel()
				select {
				case r := <-done: // finished at the same moment
					return r.resp, r.err
				default:
				}
				if ctx.Err() != nil { // Lambda's own deadline, not ours
					return nil, ctx.Err()
				}
				return nil, &TimeoutError{Margin: time.Until(deadline).Round(time.Millisecond)}
			}
		})
	}
}

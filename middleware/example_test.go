package middleware_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/lambda-compliance/compliance/middleware"
)

// trace returns a middleware that prints when the invocation passes it.
func trace(name string) middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			fmt.Println("enter", name)
			defer fmt.Println("leave", name)
			return next.Invoke(ctx, payload)
		})
	}
}

func ExampleChain() {
	echo := middleware.HandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		fmt.Println("handler")
		return payload, nil
	})
	h := middleware.Chain(trace("a"), trace("b"), trace("c"))(echo)
	resp, _ := h.Invoke(context.Background(), []byte(`{"ok":true}`))
	fmt.Println(string(resp))
	// Output:
	// enter a
	// enter b
	// enter c
	// handler
	// leave c
	// leave b
	// leave a
	// {"ok":true}
}

func ExampleRecover() {
	boom := middleware.HandlerFunc(func(context.Context, []byte) ([]byte, error) {
		panic("stock went negative")
	})
	_, err := middleware.Recover()(boom).Invoke(context.Background(), nil)
	var pe *middleware.PanicError
	fmt.Println(errors.As(err, &pe))
	fmt.Println(err)
	// Output:
	// true
	// middleware: panic: stock went negative
}

func ExampleFromContext() {
	h := middleware.Metadata(middleware.Environment{FunctionName: "orders", Region: "eu-west-1"})(
		middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			inv, _ := middleware.FromContext(ctx)
			fmt.Println(inv.FunctionName, inv.Region, inv.ColdStart, inv.RequestSize)
			return nil, nil
		}))
	h.Invoke(context.Background(), []byte(`{}`))
	h.Invoke(context.Background(), []byte(`{"a":1}`))
	// Output:
	// orders eu-west-1 true 2
	// orders eu-west-1 false 7
}

func ExampleTraceID() {
	fmt.Println(middleware.TraceID("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"))
	// Output: 5759e988bd862e3fe1be46a994272793
}

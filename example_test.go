package compliance_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/middleware"
)

func ExampleWrap() {
	h := compliance.Wrap(func(ctx context.Context, event json.RawMessage) (string, error) {
		inv, _ := middleware.FromContext(ctx)
		fmt.Printf("%s %s\n", inv.RequestID, event)
		return "done", nil
	}, compliance.WithOutput(io.Discard))

	// In production the runtime loop builds this context; lambda.Start(h) or
	// compliance.Start(handler) runs it.
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "c6af9ac6"})
	resp, err := h.Invoke(ctx, []byte(`{"n": 9007199254740993, "z": 1, "a": 2}`))
	fmt.Println(string(resp), err)
	// Output:
	// c6af9ac6 {"n": 9007199254740993, "z": 1, "a": 2}
	// "done" <nil>
}

func ExampleWrap_panic() {
	h := compliance.Wrap(func(ctx context.Context) error {
		var orders []string
		_ = orders[3] // index out of range
		return nil
	}, compliance.WithOutput(io.Discard))

	_, err := h.Invoke(context.Background(), []byte(`{}`))
	var pe *middleware.PanicError
	fmt.Println(errors.As(err, &pe), pe.Message)

	// The process goes on serving other invocations.
	_, err = compliance.Wrap(func() {}, compliance.WithOutput(io.Discard)).Invoke(context.Background(), []byte(`{}`))
	fmt.Println(err)
	// Output:
	// true runtime error: index out of range [3] with length 0
	// <nil>
}

func ExampleWithMiddleware() {
	source := func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			inv, _ := middleware.FromContext(ctx)
			fmt.Println("source:", inv.Source)
			return next.Invoke(ctx, payload)
		})
	}
	h := compliance.Wrap(func() {}, compliance.WithMiddleware(source), compliance.WithOutput(io.Discard))
	h.Invoke(context.Background(), []byte(`{"Records":[{"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:orders","body":"{}"}]}`))
	// Output:
	// source: sqs
}

// Package bench compares the cost of compliance.Wrap with a bare
// aws-lambda-go handler and with the OpenTelemetry Lambda instrumentation. It
// is a module of its own so that the instrumentation and the OpenTelemetry SDK
// never enter the library's go.mod.
package bench

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/lambda-compliance/compliance"
)

// event is an API Gateway REST API (v1) proxy event of about 2 KB: a POST
// with headers, multi-value headers, a path parameter, the request context
// and a small JSON body.
//
//go:embed testdata/apigw-2k.json
var event []byte

const (
	functionName = "orders-api"
	functionARN  = "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"
	requestID    = "8f5a7c1e-3b2d-4e6f-9a8b-7c6d5e4f3a2b"
	traceHeader  = "Root=1-67a9c2e1-5b0d3f4a7c8e9d0f1a2b3c4d;Parent=53995c3f42cd8ad8;Sampled=1"
)

// handler is the function under every benchmark: it reads the request and
// returns a small JSON response, and does not log, so that what differs
// between the cases is the wrapper alone.
func handler(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{
		StatusCode: 202,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"orderId":"` + req.PathParameters["orderId"] + `","status":"accepted"}`,
	}, nil
}

// loggingHandler is handler plus one log line through compliance.Logger.
func loggingHandler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	compliance.Logger(ctx).Info("order accepted", zap.String("orderId", req.PathParameters["orderId"]))
	return handler(ctx, req)
}

// discardExporter is a span exporter that drops every span.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// handlers builds the handlers compared, by name. The environment must be
// set first: both wrappers read AWS_LAMBDA_FUNCTION_NAME.
//
// otellambda uses an SDK TracerProvider (default sampler, so every span is
// sampled and recording, with the invocation's attributes) whose only span
// processor is a SimpleSpanProcessor over an exporter that drops the spans:
// each span is started, ended, snapshotted and handed to an exporter, as in
// production, but nothing is encoded or sent. The simple processor does that
// work on the invoking goroutine, so ns/op counts all of it (a batch processor
// would move part of it to a background goroutine, off the clock on a
// 2-core machine). The default EventToCarrier and propagator are kept, so the
// span is a new root: otellambda does not read the X-Ray header from the
// context. No Flusher is set: a per-invocation ForceFlush is an export cost,
// and no span is exported here.
//
// otellambda-wraphandler is otellambda.WrapHandler around the bare handler:
// the same span on the raw payload, without InstrumentHandler's decode of the
// event into map[string]any and re-encode, which is how compliance.Wrap
// works too.
func handlers(tb testing.TB) []struct {
	name string
	h    lambda.Handler
} {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discardExporter{})))
	tb.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return []struct {
		name string
		h    lambda.Handler
	}{
		{"bare", lambda.NewHandler(handler)},
		{"wrapped", compliance.Wrap(handler, compliance.WithOutput(io.Discard))},
		{"otellambda", lambda.NewHandler(otellambda.InstrumentHandler(handler, otellambda.WithTracerProvider(tp)))},
		{"otellambda-wraphandler", otellambda.WrapHandler(lambda.NewHandler(handler), otellambda.WithTracerProvider(tp))},
		{"wrapped-logging", compliance.Wrap(loggingHandler, compliance.WithOutput(io.Discard))},
	}
}

// setEnv sets the environment the Lambda runtime gives a function.
func setEnv(tb testing.TB) {
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        functionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_REGION":                      "eu-west-1",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + functionName,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "2026/03/14/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_LEVEL":            "",
		"LOG_LEVEL":                       "",
		"COMPLIANCE_DEADLINE_MARGIN":      "",
	} {
		tb.Setenv(k, v)
	}
}

// invokeContext returns a context built as aws-lambda-go's runtime loop builds
// it for an invocation, with a deadline 15 minutes away.
func invokeContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(15*time.Minute))
	tb.Cleanup(cancel)
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: functionARN,
	})
	//lint:ignore SA1029 the key aws-lambda-go uses
	return context.WithValue(ctx, "x-amzn-trace-id", traceHeader)
}

func checkEvent(tb testing.TB) {
	if n := len(event); n < 1800 || n > 2300 {
		tb.Fatalf("testdata/apigw-2k.json is %d bytes, want 1800 to 2300", n)
	}
}

// TestHandlersAgree checks that every handler benchmarked returns the same
// response to the event, so that BenchmarkWrap compares like with like.
func TestHandlersAgree(t *testing.T) {
	setEnv(t)
	checkEvent(t)
	ctx := invokeContext(t)
	const want = `{"statusCode":202,"headers":{"Content-Type":"application/json"},"multiValueHeaders":null,"body":"{\"orderId\":\"ord-7Q2K9X\",\"status\":\"accepted\"}"}`
	for _, c := range handlers(t) {
		got, err := c.h.Invoke(ctx, event)
		if err != nil {
			t.Errorf("%s: Invoke: %v", c.name, err)
			continue
		}
		if !bytes.Equal(bytes.TrimSpace(got), []byte(want)) {
			t.Errorf("%s: got %s, want %s", c.name, got, want)
		}
	}
}

// BenchmarkWrap measures one invocation of handler on the ~2 KB event, bare
// and through each wrapper. The context is built once, outside the loop: what
// is measured is the handler, not the runtime loop.
func BenchmarkWrap(b *testing.B) {
	setEnv(b)
	checkEvent(b)
	ctx := invokeContext(b)
	for _, c := range handlers(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(event)))
			for b.Loop() {
				if _, err := c.h.Invoke(ctx, event); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

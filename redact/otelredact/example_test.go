package otelredact_test

import (
	"context"
	"fmt"

	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/otelredact"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func ExampleNewExporter() {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic(err)
	}
	exp := tracetest.NewInMemoryExporter() // in production: an OTLP exporter
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(otelredact.NewExporter(exp, r)))

	_, span := tp.Tracer("example").Start(context.Background(), "charge")
	span.SetAttributes(
		attribute.String("order.id", "ORD-2024-0001"),
		attribute.String("customer.email", "jane.doe@example.com"),
		attribute.String("password", "hunter2"),
	)
	span.SetStatus(codes.Error, "no account for jane.doe@example.com")
	span.End()
	_ = tp.ForceFlush(context.Background()) // exports the batch
	defer func() { _ = tp.Shutdown(context.Background()) }()

	s := exp.GetSpans()[0]
	for _, kv := range s.Attributes {
		fmt.Printf("%s=%s\n", kv.Key, kv.Value.String())
	}
	fmt.Println(s.Status.Description)
	// Output:
	// order.id=ORD-2024-0001
	// customer.email=[REDACTED:email]
	// password=[REDACTED:secret]
	// no account for [REDACTED:email]
}

package otelredact_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/otelredact"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

const (
	email    = "jane.doe@example.com"
	card     = "4111 1111 1111 1111"
	password = "hunter2-Sup3r"
)

func newRedactor(t testing.TB) *redact.Redactor {
	t.Helper()
	r, err := redact.New(redact.Config{SensitiveKeys: []string{"pin"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newProvider returns a provider exporting synchronously through the
// redacting exporter into mem.
func newProvider(t *testing.T, opts ...otelredact.Option) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	res := resource.NewSchemaless(attribute.String("service.owner", email))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSyncer(otelredact.NewExporter(mem, newRedactor(t), opts...)),
		sdktrace.WithResource(res),
	)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, mem
}

func attrMap(kvs []attribute.KeyValue) map[string]attribute.Value {
	m := make(map[string]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

func assertNoLeak(t *testing.T, what, s string, planted ...string) {
	t.Helper()
	for _, p := range planted {
		if strings.Contains(s, p) {
			t.Errorf("%s contains %q: %s", what, p, s)
		}
	}
}

func isRedacted(v attribute.Value) bool {
	return v.Type() == attribute.STRING && strings.Contains(v.AsString(), "[REDACTED")
}

func TestExporterSpan(t *testing.T) {
	var found atomic.Int32
	tp, mem := newProvider(t, otelredact.WithFindings(func(fs redact.Findings) { found.Add(int32(len(fs))) }))
	other := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	_, span := tp.Tracer("test").Start(context.Background(), "lookup "+email,
		trace.WithLinks(trace.Link{SpanContext: other, Attributes: []attribute.KeyValue{attribute.String("from", email)}}))
	span.SetAttributes(
		attribute.String("user.email", email),
		attribute.String("password", password),
		attribute.Int("pin", 1234),
		attribute.StringSlice("cards", []string{card, "none"}),
		attribute.String("order.id", "ORD-2024-0001"),
		attribute.Int("items", 3),
	)
	span.AddEvent("sent to "+email, trace.WithAttributes(attribute.String("to", email), attribute.Int("n", 1)))
	span.RecordError(errors.New("no account for "+email), trace.WithStackTrace(true))
	span.SetStatus(codes.Error, "charge of card "+card+" failed")
	span.End()

	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("exported %d spans, want 1", len(spans))
	}
	s := spans[0]
	assertNoLeak(t, "name", s.Name, email)
	assertNoLeak(t, "status", s.Status.Description, card, "4111111111111111")
	if s.Status.Code != codes.Error {
		t.Errorf("status code = %v, want Error", s.Status.Code)
	}
	a := attrMap(s.Attributes)
	for _, k := range []string{"user.email", "password", "pin"} {
		if !isRedacted(a[k]) {
			t.Errorf("attribute %s = %v, want redacted", k, a[k].String())
		}
	}
	if cs := a["cards"].AsStringSlice(); len(cs) != 2 || cs[1] != "none" || strings.Contains(cs[0], "4111") {
		t.Errorf("cards = %q, want the card redacted and none kept", cs)
	}
	if got := a["order.id"]; got.Type() != attribute.STRING || got.AsString() != "ORD-2024-0001" {
		t.Errorf("order.id = %v, want unchanged", got.String())
	}
	if got := a["items"]; got.Type() != attribute.INT64 || got.AsInt64() != 3 {
		t.Errorf("items = %v, want int64 3 unchanged", got.String())
	}
	if len(s.Events) != 2 {
		t.Fatalf("%d events, want 2", len(s.Events))
	}
	for _, ev := range s.Events {
		assertNoLeak(t, "event name", ev.Name, email)
		for _, kv := range ev.Attributes {
			assertNoLeak(t, "event attribute "+string(kv.Key), kv.Value.String(), email)
		}
	}
	if ea := attrMap(s.Events[0].Attributes); ea["n"].AsInt64() != 1 {
		t.Errorf("event attribute n = %v, want 1 unchanged", ea["n"].String())
	}
	ex := attrMap(s.Events[1].Attributes)
	if !strings.Contains(ex["exception.message"].AsString(), "[REDACTED") {
		t.Errorf("exception.message = %q, want redacted", ex["exception.message"].AsString())
	}
	if ex["exception.stacktrace"].AsString() == "" {
		t.Error("exception.stacktrace went missing")
	}
	if len(s.Links) != 1 || !isRedacted(attrMap(s.Links[0].Attributes)["from"]) {
		t.Errorf("links = %v, want the link attribute redacted", s.Links)
	}
	if !s.Links[0].SpanContext.Equal(other) {
		t.Error("the link's span context changed")
	}
	if v, _ := s.Resource.Set().Value("service.owner"); v.AsString() != email {
		t.Errorf("resource attribute = %q, want left alone", v.AsString())
	}
	if found.Load() == 0 {
		t.Error("findings hook not called")
	}
}

func TestExporterCleanSpanUnchanged(t *testing.T) {
	var got []sdktrace.ReadOnlySpan
	exp := otelredact.NewExporter(exporterFunc(func(_ context.Context, s []sdktrace.ReadOnlySpan) error { got = s; return nil }), newRedactor(t))
	stub := tracetest.SpanStub{Name: "GET /orders", Attributes: []attribute.KeyValue{attribute.String("order.id", "ORD-2024-0001")}}
	in := []sdktrace.ReadOnlySpan{stub.Snapshot()}
	if err := exp.ExportSpans(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || &got[0] != &in[0] {
		t.Error("a clean batch was copied: want it passed on as it is")
	}

	dirty := tracetest.SpanStub{Name: "mail " + email}.Snapshot()
	in = []sdktrace.ReadOnlySpan{dirty}
	_ = exp.ExportSpans(context.Background(), in)
	if in[0].Name() != dirty.Name() {
		t.Error("ExportSpans modified the caller's slice")
	}
	if strings.Contains(got[0].Name(), email) {
		t.Error("exported name in clear")
	}
}

func TestSpanProcessor(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(
		otelredact.NewSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem), newRedactor(t))))
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	span.SetAttributes(attribute.String("user", email))
	span.End()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(spans) != 1 || !isRedacted(attrMap(spans[0].Attributes)["user"]) {
		t.Errorf("spans = %v, want the user attribute redacted", spans)
	}
}

func TestShutdownPassesThrough(t *testing.T) {
	var n int
	e := &countingExporter{shutdowns: &n}
	if err := otelredact.NewExporter(e, nil).Shutdown(context.Background()); err != nil || n != 1 {
		t.Errorf("Shutdown: err %v, wrapped shutdowns %d, want nil and 1", err, n)
	}
}

type exporterFunc func(context.Context, []sdktrace.ReadOnlySpan) error

func (f exporterFunc) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	return f(ctx, s)
}
func (exporterFunc) Shutdown(context.Context) error { return nil }

type countingExporter struct{ shutdowns *int }

func (countingExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (c *countingExporter) Shutdown(context.Context) error                          { *c.shutdowns++; return nil }

func BenchmarkExporter(b *testing.B) {
	exp := otelredact.NewExporter(exporterFunc(func(context.Context, []sdktrace.ReadOnlySpan) error { return nil }), newRedactor(b))
	clean := []sdktrace.ReadOnlySpan{tracetest.SpanStub{Name: "GET /orders", Attributes: []attribute.KeyValue{
		attribute.String("http.route", "/orders"), attribute.Int("http.status_code", 200), attribute.String("order.id", "ORD-2024-0001")}}.Snapshot()}
	pii := []sdktrace.ReadOnlySpan{tracetest.SpanStub{Name: "GET /orders", Attributes: []attribute.KeyValue{
		attribute.String("http.route", "/orders"), attribute.String("user.email", email), attribute.String("password", password)}}.Snapshot()}
	for _, bc := range []struct {
		name  string
		spans []sdktrace.ReadOnlySpan
	}{{"clean", clean}, {"pii", pii}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = exp.ExportSpans(context.Background(), bc.spans)
			}
		})
	}
}

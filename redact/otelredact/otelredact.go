// Package otelredact redacts OpenTelemetry spans before they are exported.
//
// [NewExporter] wraps a [sdktrace.SpanExporter]; put it under the batch
// processor, so that redaction runs off the request path:
//
//	exp, _ := otlptracehttp.New(ctx)
//	tp := sdktrace.NewTracerProvider(
//		sdktrace.WithBatcher(otelredact.NewExporter(exp, r)),
//	)
//
// (WithBatcher(e) is sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(e)).)
// [NewSpanProcessor] does the same for a processor, for the processors that
// are not built on an exporter.
//
// What is redacted: the span's name, its attributes, its events' names and
// attributes (exception.message and exception.stacktrace included), its
// status description and its links' attributes. The resource's attributes
// are left alone: they describe the service, not the request. A span's
// attributes are seen by the [redact.Redactor] as one JSON object,
// {"key": value, ...}, so the key rules apply to every attribute whatever its
// type: an int64 under a sensitive key goes too. A redacted attribute keeps
// its key; its value becomes the redacted string (a string slice for
// slices). A span in which nothing is found is exported as it is.
package otelredact

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"sync"

	"github.com/lambda-compliance/compliance/internal/jsonstr"
	"github.com/lambda-compliance/compliance/redact"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Option configures [NewExporter] and [NewSpanProcessor].
type Option interface{ apply(*redactor) }

type optionFunc func(*redactor)

func (f optionFunc) apply(r *redactor) { f(r) }

// WithFindings calls f with what was found in each span redacted (name,
// attributes, events, status and links together). Offsets in the findings
// are those of the piece of the span the value was found in; their types
// and counts are what is meant to be used. f must be safe for concurrent
// use; it is not called when nothing is found.
func WithFindings(f func(redact.Findings)) Option {
	return optionFunc(func(r *redactor) { r.onFindings = f })
}

type redactor struct {
	r          *redact.Redactor
	onFindings func(redact.Findings)
}

func newRedactor(r *redact.Redactor, opts []Option) redactor {
	if r == nil {
		r = defaultRedactor()
	}
	rd := redactor{r: r}
	for _, o := range opts {
		o.apply(&rd)
	}
	return rd
}

var defaultRedactor = sync.OnceValue(func() *redact.Redactor {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic("otelredact: default redactor: " + err.Error())
	}
	return r
})

type exporter struct {
	next sdktrace.SpanExporter
	redactor
}

var _ sdktrace.SpanExporter = (*exporter)(nil)

// NewExporter returns a SpanExporter that redacts spans, with r, before
// handing them to next. If r is nil, a Redactor with the default
// configuration is used. The spans given are not modified.
func NewExporter(next sdktrace.SpanExporter, r *redact.Redactor, opts ...Option) sdktrace.SpanExporter {
	return &exporter{next: next, redactor: newRedactor(r, opts)}
}

// ExportSpans redacts spans and exports them with the wrapped exporter.
func (e *exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out := spans // the caller's slice until a span changes
	for i, s := range spans {
		rs, changed := e.span(s)
		if !changed {
			continue
		}
		if out == nil || &out[0] == &spans[0] {
			out = append([]sdktrace.ReadOnlySpan(nil), spans...)
		}
		out[i] = rs
	}
	return e.next.ExportSpans(ctx, out)
}

// Shutdown shuts the wrapped exporter down.
func (e *exporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

type processor struct {
	next sdktrace.SpanProcessor
	redactor
}

var _ sdktrace.SpanProcessor = (*processor)(nil)

// NewSpanProcessor returns a SpanProcessor that hands next a redacted copy
// of each span that ends. If r is nil, a Redactor with the default
// configuration is used. Spans that start are passed on as they are: next
// must not export from OnStart.
func NewSpanProcessor(next sdktrace.SpanProcessor, r *redact.Redactor, opts ...Option) sdktrace.SpanProcessor {
	return &processor{next: next, redactor: newRedactor(r, opts)}
}

// OnStart passes the span on to the wrapped processor.
func (p *processor) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) { p.next.OnStart(ctx, s) }

// OnEnd hands the wrapped processor a redacted copy of s.
func (p *processor) OnEnd(s sdktrace.ReadOnlySpan) {
	if rs, changed := p.span(s); changed {
		s = rs
	}
	p.next.OnEnd(s)
}

// Shutdown shuts the wrapped processor down.
func (p *processor) Shutdown(ctx context.Context) error { return p.next.Shutdown(ctx) }

// ForceFlush flushes the wrapped processor.
func (p *processor) ForceFlush(ctx context.Context) error { return p.next.ForceFlush(ctx) }

// span returns a redacted snapshot of s, and whether it differs from s.
func (rd *redactor) span(s sdktrace.ReadOnlySpan) (sdktrace.ReadOnlySpan, bool) {
	var fs redact.Findings
	name, c1 := rd.text(s.Name(), &fs)
	attrs, c2 := rd.attrs(s.Attributes(), &fs)
	status := s.Status()
	desc, c3 := rd.text(status.Description, &fs)
	events := s.Events()
	var newEvents []sdktrace.Event
	for i, ev := range events {
		n, ca := rd.text(ev.Name, &fs)
		as, cb := rd.attrs(ev.Attributes, &fs)
		if !ca && !cb {
			continue
		}
		if newEvents == nil {
			newEvents = append([]sdktrace.Event(nil), events...)
		}
		newEvents[i].Name, newEvents[i].Attributes = n, as
	}
	links := s.Links()
	var newLinks []sdktrace.Link
	for i, l := range links {
		as, c := rd.attrs(l.Attributes, &fs)
		if !c {
			continue
		}
		if newLinks == nil {
			newLinks = append([]sdktrace.Link(nil), links...)
		}
		newLinks[i].Attributes = as
	}
	if len(fs) > 0 && rd.onFindings != nil {
		rd.onFindings(fs)
	}
	if !c1 && !c2 && !c3 && newEvents == nil && newLinks == nil {
		return s, false
	}
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Name, stub.Attributes = name, attrs
	stub.Status.Description = desc
	if newEvents != nil {
		stub.Events = newEvents
	}
	if newLinks != nil {
		stub.Links = newLinks
	}
	return stub.Snapshot(), true
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func putBuf(p *[]byte) {
	if cap(*p) <= 64<<10 {
		*p = (*p)[:0]
		bufPool.Put(p)
	}
}

func same(in, out []byte) bool {
	return len(in) == len(out) && (len(in) == 0 || &in[0] == &out[0])
}

// text redacts s as text (or as a JSON document, if it is one).
func (rd *redactor) text(s string, fs *redact.Findings) (string, bool) {
	if s == "" {
		return s, false
	}
	p := bufPool.Get().(*[]byte)
	defer putBuf(p)
	in := append((*p)[:0], s...)
	*p = in
	out, f := rd.r.Bytes(in)
	if same(in, out) && len(f) == 0 {
		return s, false
	}
	*fs = append(*fs, f...)
	return string(out), true
}

// attrs redacts kvs as the JSON object {"key": value, ...}. It returns kvs
// itself, and false, when nothing is found.
func (rd *redactor) attrs(kvs []attribute.KeyValue, fs *redact.Findings) ([]attribute.KeyValue, bool) {
	if len(kvs) == 0 {
		return kvs, false
	}
	p := bufPool.Get().(*[]byte)
	defer putBuf(p)
	doc := append((*p)[:0], '{')
	for i, kv := range kvs {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = jsonstr.Append(doc, string(kv.Key))
		doc = append(doc, ':')
		doc = appendValue(doc, kv.Value)
	}
	doc = append(doc, '}')
	*p = doc
	red, found := rd.r.Bytes(doc)
	if same(doc, red) && len(found) == 0 {
		return kvs, false
	}
	*fs = append(*fs, found...)
	om, err1 := jsonstr.Members(doc)
	rm, err2 := jsonstr.Members(red)
	out := make([]attribute.KeyValue, 0, len(kvs))
	switch {
	case err2 != nil:
		// Fail closed.
		for _, kv := range kvs {
			out = append(out, attribute.String(string(kv.Key), "[REDACTED]"))
		}
	case err1 != nil || len(om) != len(rm) || len(rm) != len(kvs):
		for _, m := range rm {
			out = append(out, fromJSON(m.Key, m.Raw))
		}
	default:
		for i, kv := range kvs {
			if om[i].Key == rm[i].Key && bytes.Equal(om[i].Raw, rm[i].Raw) {
				out = append(out, kv)
			} else {
				out = append(out, fromJSON(rm[i].Key, rm[i].Raw))
			}
		}
	}
	return out, true
}

// fromJSON returns the attribute key: raw, raw being a redacted value: a
// string if raw is one, a string slice if raw is an array, else raw as a
// string.
func fromJSON(key string, raw []byte) attribute.KeyValue {
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return attribute.String(key, s)
		}
	case len(raw) > 0 && raw[0] == '[':
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) == nil {
			ss := make([]string, len(elems))
			for i, e := range elems {
				if json.Unmarshal(e, &ss[i]) != nil {
					ss[i] = string(e)
				}
			}
			return attribute.StringSlice(key, ss)
		}
	case string(raw) == "null":
		return attribute.String(key, "")
	}
	return attribute.String(key, string(raw))
}

// appendValue renders v as JSON.
func appendValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.STRING:
		return jsonstr.Append(b, v.AsString())
	case attribute.BOOL:
		return strconv.AppendBool(b, v.AsBool())
	case attribute.INT64:
		return strconv.AppendInt(b, v.AsInt64(), 10)
	case attribute.FLOAT64:
		return appendFloat(b, v.AsFloat64())
	case attribute.STRINGSLICE:
		b = append(b, '[')
		for i, s := range v.AsStringSlice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, s)
		}
		return append(b, ']')
	case attribute.INT64SLICE:
		b = append(b, '[')
		for i, n := range v.AsInt64Slice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return append(b, ']')
	case attribute.FLOAT64SLICE:
		b = append(b, '[')
		for i, f := range v.AsFloat64Slice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, f)
		}
		return append(b, ']')
	case attribute.BOOLSLICE:
		b = append(b, '[')
		for i, x := range v.AsBoolSlice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendBool(b, x)
		}
		return append(b, ']')
	case attribute.EMPTY:
		return append(b, "null"...)
	case attribute.BYTESLICE:
		// Base64, as the non-OTLP representation has it.
		return jsonstr.Append(b, v.String())
	}
	// Slices of values and maps: their String is JSON.
	if s := v.String(); json.Valid([]byte(s)) {
		return append(b, s...)
	}
	return jsonstr.Append(b, v.String())
}

func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return jsonstr.Append(b, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

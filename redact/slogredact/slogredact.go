// Package slogredact redacts log/slog records: [NewHandler] wraps a
// [slog.Handler] so that nothing sensitive reaches it, neither in a record's
// message nor in its attributes.
//
// A record's attributes are seen by the [redact.Redactor] as one JSON
// document, {"key": value, ...}, nested in the handler's groups and with each
// group as an object, so the key rules apply to every attribute whatever its
// kind: slog.Int("pin", 1234) goes when pin is a sensitive key, and so does
// every attribute of a group named "credentials" when that key is. A
// redacted attribute keeps its key; its value becomes the redacted string.
//
// LogValuers are resolved once, here, and values of kind Any (errors,
// structs, maps) are rendered once as the JSON handler would render them (an
// error as its message); the wrapped handler is given that redacted
// rendering, never the original value, so that a second rendering cannot
// differ from the one that was checked. Attributes added with WithAttrs are
// redacted once, when added. A record in which nothing is found and nothing
// needs rendering is passed on as it is.
package slogredact

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/lambda-compliance/compliance/internal/jsonstr"
	"github.com/lambda-compliance/compliance/redact"
)

// Option configures [NewHandler].
type Option interface{ apply(*handler) }

type optionFunc func(*handler)

func (f optionFunc) apply(h *handler) { f(h) }

// WithFindings calls f with what was found in each record handled (message
// and attributes together) and in each set of attributes added with
// WithAttrs. Offsets in the findings are those of the piece of the record
// the value was found in; their types and counts are what is meant to be
// used. f must be safe for concurrent use; it is not called when nothing is
// found.
func WithFindings(f func(redact.Findings)) Option {
	return optionFunc(func(h *handler) { h.onFindings = f })
}

type handler struct {
	next       slog.Handler
	r          *redact.Redactor
	groups     []string // opened with WithGroup, outermost first
	onFindings func(redact.Findings)
}

var _ slog.Handler = (*handler)(nil)

// NewHandler returns a Handler that redacts every record, with r, before
// handing it to next. If r is nil, a Redactor with the default
// configuration is used.
func NewHandler(next slog.Handler, r *redact.Redactor, opts ...Option) slog.Handler {
	if r == nil {
		r = defaultRedactor()
	}
	h := &handler{next: next, r: r}
	for _, o := range opts {
		o.apply(h)
	}
	return h
}

var defaultRedactor = sync.OnceValue(func() *redact.Redactor {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic("slogredact: default redactor: " + err.Error())
	}
	return r
})

// Enabled reports whether the wrapped handler handles records at level l.
func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle redacts the record's message and attributes and hands the result
// to the wrapped handler. The record given is not modified.
func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	var fs redact.Findings
	msg, msgChanged := h.redactString(rec.Message, &fs)

	p := attrPool.Get().(*[]slog.Attr)
	defer func() {
		clear(*p)
		*p = (*p)[:0]
		attrPool.Put(p)
	}()
	attrs := (*p)[:0]
	dynamic := false
	rec.Attrs(func(a slog.Attr) bool {
		a, d := resolve(a)
		dynamic = dynamic || d
		attrs = append(attrs, a)
		return true
	})
	*p = attrs
	out, attrsChanged := attrs, false
	if len(attrs) > 0 {
		out, attrsChanged = h.redactAttrs(attrs, dynamic, &fs)
	}
	h.report(fs)
	if !msgChanged && !attrsChanged {
		return h.next.Handle(ctx, rec)
	}
	nr := slog.NewRecord(rec.Time, rec.Level, msg, rec.PC)
	nr.AddAttrs(out...)
	return h.next.Handle(ctx, nr)
}

// WithAttrs redacts attrs once and adds them to the wrapped handler.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	var fs redact.Findings
	resolved := make([]slog.Attr, len(attrs))
	dynamic := false
	for i, a := range attrs {
		var d bool
		resolved[i], d = resolve(a)
		dynamic = dynamic || d
	}
	out, _ := h.redactAttrs(resolved, dynamic, &fs)
	h.report(fs)
	h2 := *h
	h2.next = h.next.WithAttrs(out)
	return &h2
}

// WithGroup opens the group name in the wrapped handler; the attributes
// that follow are redacted with name as the key they sit under.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(slices.Clip(h.groups), name)
	h2.next = h.next.WithGroup(name)
	return &h2
}

func (h *handler) report(fs redact.Findings) {
	if len(fs) > 0 && h.onFindings != nil {
		h.onFindings(fs)
	}
}

var (
	bufPool  = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
	attrPool = sync.Pool{New: func() any { a := make([]slog.Attr, 0, 16); return &a }}
)

func putBuf(p *[]byte) {
	if cap(*p) <= 64<<10 {
		*p = (*p)[:0]
		bufPool.Put(p)
	}
}

// same reports whether out is in (the redactor returns its input when it
// changes nothing).
func same(in, out []byte) bool {
	return len(in) == len(out) && (len(in) == 0 || &in[0] == &out[0])
}

func (h *handler) redactString(s string, fs *redact.Findings) (string, bool) {
	p := bufPool.Get().(*[]byte)
	defer putBuf(p)
	in := append((*p)[:0], s...)
	*p = in
	out, f := h.r.Bytes(in)
	if same(in, out) && len(f) == 0 {
		return s, false
	}
	*fs = append(*fs, f...)
	return string(out), true
}

// resolve resolves LogValuers in a, groups included, and reports whether a
// holds anything computed by user code (a LogValuer or a value of kind Any).
func resolve(a slog.Attr) (slog.Attr, bool) {
	dynamic := false
	if a.Value.Kind() == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
		dynamic = true
	}
	switch a.Value.Kind() {
	case slog.KindAny:
		dynamic = dynamic || a.Value.Any() != nil
	case slog.KindGroup:
		gs := a.Value.Group()
		var out []slog.Attr
		for i, g := range gs {
			r, d := resolve(g)
			if d {
				if out == nil {
					out = slices.Clone(gs)
				}
				out[i] = r
				dynamic = true
			}
		}
		if out != nil {
			a.Value = slog.GroupValue(out...)
		}
	}
	return a, dynamic
}

// redactAttrs redacts resolved attributes as one JSON document nested in
// the handler's groups. It returns attrs itself, and false, when nothing is
// to change.
func (h *handler) redactAttrs(attrs []slog.Attr, dynamic bool, fs *redact.Findings) ([]slog.Attr, bool) {
	p := bufPool.Get().(*[]byte)
	defer putBuf(p)
	doc := (*p)[:0]
	for _, g := range h.groups {
		doc = append(doc, '{')
		doc = jsonstr.Append(doc, g)
		doc = append(doc, ':')
	}
	doc = appendObject(doc, attrs)
	for range h.groups {
		doc = append(doc, '}')
	}
	*p = doc
	red, found := h.r.Bytes(doc)
	if same(doc, red) && len(found) == 0 && !dynamic {
		return attrs, false
	}
	*fs = append(*fs, found...)
	orig := []byte(doc)
	for range h.groups {
		om, err1 := jsonstr.Members(orig)
		rm, err2 := jsonstr.Members(red)
		if err1 != nil || err2 != nil || len(om) != 1 || len(rm) != 1 {
			return failClosed(attrs, []byte(`"[REDACTED]"`)), true
		}
		if len(rm[0].Raw) == 0 || rm[0].Raw[0] != '{' {
			// The whole group went (its key is sensitive).
			return failClosed(attrs, rm[0].Raw), true
		}
		orig, red = om[0].Raw, rm[0].Raw
	}
	return rebuild(attrs, orig, red), true
}

// failClosed gives every attribute the value raw.
func failClosed(attrs []slog.Attr, raw []byte) []slog.Attr {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = fromJSON(a.Key, raw)
	}
	return out
}

// rebuild maps the redacted rendering red of attrs (rendered as orig) back
// onto them: an attribute whose rendering is unchanged is kept as it is,
// unless its value is of kind Any; the others take their redacted value.
func rebuild(attrs []slog.Attr, orig, red []byte) []slog.Attr {
	rm, err := jsonstr.Members(red)
	if err != nil {
		return failClosed(attrs, []byte(`"[REDACTED]"`))
	}
	out := make([]slog.Attr, 0, len(rm))
	om, err := jsonstr.Members(orig)
	if err != nil || len(om) != len(rm) || len(rm) != len(attrs) {
		// The structure changed: take the redacted document as it is.
		for _, m := range rm {
			out = append(out, fromJSON(m.Key, m.Raw))
		}
		return out
	}
	for i, a := range attrs {
		o, m := om[i], rm[i]
		switch {
		case a.Value.Kind() == slog.KindGroup && len(m.Raw) > 0 && m.Raw[0] == '{':
			out = append(out, slog.Attr{Key: m.Key, Value: slog.GroupValue(rebuild(a.Value.Group(), o.Raw, m.Raw)...)})
		case (a.Value.Kind() != slog.KindAny || a.Value.Any() == nil) && o.Key == m.Key && bytes.Equal(o.Raw, m.Raw):
			out = append(out, a)
		default:
			out = append(out, fromJSON(m.Key, m.Raw))
		}
	}
	return out
}

// fromJSON returns the attribute key: raw, a string if raw is one, else
// the raw JSON value.
func fromJSON(key string, raw []byte) slog.Attr {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return slog.String(key, s)
	}
	return slog.Any(key, json.RawMessage(bytes.Clone(raw)))
}

// appendObject renders attrs as a JSON object, every attribute a member
// (groups as objects, empty ones and those without a key included, so that
// members and attributes correspond one to one).
func appendObject(b []byte, attrs []slog.Attr) []byte {
	b = append(b, '{')
	for i, a := range attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, a.Key)
		b = append(b, ':')
		b = appendValue(b, a.Value)
	}
	return append(b, '}')
}

// appendValue renders a resolved value as JSON, as slog.JSONHandler does.
func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return jsonstr.Append(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return jsonstr.Append(b, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10)
	case slog.KindTime:
		b = append(b, '"')
		b = v.Time().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	case slog.KindGroup:
		return appendObject(b, v.Group())
	case slog.KindAny:
		a := v.Any()
		if a == nil {
			return append(b, "null"...)
		}
		if _, ok := a.(json.Marshaler); !ok {
			if err, ok := a.(error); ok {
				return jsonstr.Append(b, err.Error())
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(a) != nil {
			// What a text handler would print: let the detectors see it.
			return jsonstr.Append(b, fmt.Sprintf("%+v", a))
		}
		return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
	}
	return jsonstr.Append(b, v.String())
}

// Package zapredact redacts zap logs: [NewCore] wraps a [zapcore.Core] so
// that nothing sensitive reaches it, neither in an entry's message and stack
// nor in its fields.
//
// An entry's fields are seen by the [redact.Redactor] as the JSON object
// the wrapped core will write, {"key": value, ...} (fields after a
// Namespace nested in it, and all of them in the namespaces opened by
// With), so the key rules apply to every field whatever its type:
// zap.Int("pin", 1234) goes when pin is a sensitive key, as does a nested
// object's "password" member, and so do the rules that look at siblings
// ({"name": "DB_PASSWORD", "value": ...}). A redacted field keeps its key;
// its value becomes the redacted string (or, for objects and arrays, the
// redacted JSON document). Fields added with With are redacted once, when
// added, apart from the entries' fields.
//
// Values computed by the caller's code (errors, Stringers, reflected values,
// ObjectMarshalers, ArrayMarshalers) are rendered once, here, and the
// wrapped core is given that redacted rendering, never the original value,
// so that a second rendering cannot differ from the one that was checked:
// an error becomes its message (and its verbose form, under keyVerbose),
// other values their JSON, with times inside them as RFC 3339 strings and
// durations as Go duration strings. Strings, numbers and other plain values
// pass through unchanged when nothing is found in them, without allocation.
//
// Use it where the core is built:
//
//	core := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), os.Stdout, zap.InfoLevel)
//	log := zap.New(zapredact.NewCore(core, r))
package zapredact

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	"github.com/lambda-compliance/compliance/internal/jsonstr"
	"github.com/lambda-compliance/compliance/redact"
	"go.uber.org/zap/zapcore"
)

// Option configures [NewCore].
type Option interface{ apply(*core) }

type optionFunc func(*core)

func (f optionFunc) apply(c *core) { f(c) }

// WithFindings calls f with what was found in each entry written (message,
// stack and fields together) and in each set of fields added with With.
// Offsets in the findings are those of the piece of the entry the value was
// found in; their types and counts are what is meant to be used. f must be
// safe for concurrent use; it is not called when nothing is found.
func WithFindings(f func(redact.Findings)) Option {
	return optionFunc(func(c *core) { c.onFindings = f })
}

type core struct {
	next       zapcore.Core
	r          *redact.Redactor
	enc        zapcore.Encoder
	onFindings func(redact.Findings)
	// ns are the namespaces opened by fields added with With, outermost
	// first: the fields of an entry are written inside them.
	ns []string
}

var _ zapcore.Core = (*core)(nil)

// NewCore returns a Core that redacts every entry and field, with r, before
// handing them to next. If r is nil, a Redactor with the default
// configuration is used.
func NewCore(next zapcore.Core, r *redact.Redactor, opts ...Option) zapcore.Core {
	if r == nil {
		r = defaultRedactor()
	}
	c := &core{next: next, r: r, enc: zapcore.NewJSONEncoder(fieldEncoderConfig)}
	for _, o := range opts {
		o.apply(c)
	}
	return c
}

var defaultRedactor = sync.OnceValue(func() *redact.Redactor {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic("zapredact: default redactor: " + err.Error())
	}
	return r
})

// fieldEncoderConfig renders fields alone: no time, level, message or
// caller, no line ending.
var fieldEncoderConfig = zapcore.EncoderConfig{
	SkipLineEnding: true,
	EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
	EncodeDuration: zapcore.StringDurationEncoder,
}

// Enabled reports whether the wrapped core logs at level l.
func (c *core) Enabled(l zapcore.Level) bool { return c.next.Enabled(l) }

// Level reports the minimum enabled level of the wrapped core.
func (c *core) Level() zapcore.Level { return zapcore.LevelOf(c.next) }

// With redacts fields once and adds them to the wrapped core.
func (c *core) With(fields []zapcore.Field) zapcore.Core {
	var fs redact.Findings
	fields = c.redactFields(fields, &fs)
	c.report(fs)
	clone := *c
	clone.next = c.next.With(fields)
	for _, f := range fields {
		if f.Type == zapcore.NamespaceType {
			clone.ns = append(slices.Clip(clone.ns), f.Key)
		}
	}
	return &clone
}

// Check adds this core (not the wrapped one) to ce when the entry is
// enabled, so that Write redacts it.
func (c *core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

// Write redacts the entry's message and stack and its fields, and writes
// them to the wrapped core.
func (c *core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	var fs redact.Findings
	ent.Message = c.redactString(ent.Message, &fs)
	if ent.Stack != "" {
		ent.Stack = c.redactString(ent.Stack, &fs)
	}
	fields = c.redactFields(fields, &fs)
	c.report(fs)
	return c.next.Write(ent, fields)
}

// Sync flushes the wrapped core.
func (c *core) Sync() error { return c.next.Sync() }

func (c *core) report(fs redact.Findings) {
	if len(fs) > 0 && c.onFindings != nil {
		c.onFindings(fs)
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

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

// redactString redacts s as text (or as a JSON document, if it is one).
func (c *core) redactString(s string, fs *redact.Findings) string {
	p := getBuf()
	defer putBuf(p)
	in := append((*p)[:0], s...)
	*p = in
	out, f := c.r.Bytes(in)
	if same(in, out) && len(f) == 0 {
		return s
	}
	*fs = append(*fs, f...)
	return string(out)
}

// redactFields redacts fields as one JSON document, {"key": value, ...},
// with the members that follow a Namespace nested in it and everything
// nested in the namespaces opened by With, as the wrapped core will write
// them: key rules, and the rules that look at a member's siblings
// ({"name": "DB_PASSWORD", "value": "..."}), see what the reader of the
// line will see. It returns fields itself when nothing is to change.
func (c *core) redactFields(fields []zapcore.Field, fs *redact.Findings) []zapcore.Field {
	if len(fields) == 0 {
		return fields
	}
	p := getBuf()
	defer putBuf(p)
	var (
		counts [16]int // members each field renders to (-1: a namespace)
		n      []int
		frozen bool
	)
	if len(fields) <= len(counts) {
		n = counts[:len(fields)]
	} else {
		n = make([]int, len(fields))
	}
	doc, err := c.render((*p)[:0], fields, n, &frozen)
	*p = doc
	if err != nil {
		return failClosed(fields, `"[REDACTED]"`)
	}
	red, found := c.r.Bytes(doc)
	if same(doc, red) && len(found) == 0 && !frozen {
		return fields
	}
	*fs = append(*fs, found...)
	return rebuild(fields, n, doc, red, len(c.ns))
}

// render appends the JSON document of fields, noting in n how many members
// each renders to, and in frozen whether any holds a value computed by user
// code.
func (c *core) render(doc []byte, fields []zapcore.Field, n []int, frozen *bool) ([]byte, error) {
	doc = append(doc, '{')
	for _, ns := range c.ns {
		doc = jsonstr.Append(doc, ns)
		doc = append(doc, ':', '{')
	}
	first, open := true, 1+len(c.ns)
	sep := func() {
		if !first {
			doc = append(doc, ',')
		}
		first = false
	}
	for i, f := range fields {
		n[i] = 1
		switch f.Type {
		case zapcore.SkipType:
			n[i] = 0
		case zapcore.NamespaceType:
			sep()
			doc = jsonstr.Append(doc, f.Key)
			doc = append(doc, ':', '{')
			first, n[i] = true, -1
			open++
		case zapcore.StringType:
			sep()
			doc = jsonstr.Append(doc, f.Key)
			doc = append(doc, ':')
			doc = jsonstr.Append(doc, f.String)
		case zapcore.Int64Type, zapcore.Int32Type, zapcore.Int16Type, zapcore.Int8Type:
			sep()
			doc = jsonstr.Append(doc, f.Key)
			doc = append(doc, ':')
			doc = strconv.AppendInt(doc, f.Integer, 10)
		case zapcore.Uint64Type, zapcore.Uint32Type, zapcore.Uint16Type, zapcore.Uint8Type, zapcore.UintptrType:
			sep()
			doc = jsonstr.Append(doc, f.Key)
			doc = append(doc, ':')
			doc = strconv.AppendUint(doc, uint64(f.Integer), 10)
		case zapcore.BoolType:
			sep()
			doc = jsonstr.Append(doc, f.Key)
			doc = append(doc, ':')
			doc = strconv.AppendBool(doc, f.Integer == 1)
		default:
			// Everything else, as a JSON encoder renders it alone: one
			// member, or several (an error and its verbose form, an inline
			// object), or none.
			*frozen = *frozen || userComputed(f.Type)
			buf, err := c.enc.EncodeEntry(zapcore.Entry{}, []zapcore.Field{f})
			if err != nil {
				return doc, err
			}
			one := buf.Bytes()
			ms, err := jsonstr.Members(one)
			if err != nil || len(one) < 2 {
				buf.Free()
				return doc, jsonstr.ErrNotObject
			}
			if n[i] = len(ms); n[i] > 0 {
				sep()
				doc = append(doc, one[1:len(one)-1]...)
			}
			buf.Free()
		}
	}
	for range open {
		doc = append(doc, '}')
	}
	return doc, nil
}

// userComputed reports whether fields of type t hold a value computed by
// the caller's code, which must be rendered only once.
func userComputed(t zapcore.FieldType) bool {
	switch t {
	case zapcore.ErrorType, zapcore.StringerType, zapcore.ReflectType,
		zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType, zapcore.InlineMarshalerType:
		return true
	}
	return false
}

// rebuild maps red, the redaction of doc, back onto fields (n as render
// noted it, inside depth namespaces opened by With): a plain field whose member is unchanged is kept as it is, the
// others are replaced by the members they rendered to, redacted. Should
// the structure not match, every field is replaced by what red holds: it
// fails closed.
func rebuild(fields []zapcore.Field, n []int, doc, red []byte, depth int) []zapcore.Field {
	rm, err := jsonstr.Members(red)
	if err != nil {
		return failClosed(fields, `"[REDACTED]"`)
	}
	om, err := jsonstr.Members(doc)
	for range depth {
		if len(rm) != 1 || len(rm[0].Raw) == 0 || rm[0].Raw[0] != '{' {
			// The namespace's key took all of it (or the structure changed).
			if len(rm) == 1 {
				return failClosed(fields, string(rm[0].Raw))
			}
			return failClosed(fields, `"[REDACTED]"`)
		}
		if rm, err = jsonstr.Members(rm[0].Raw); err != nil {
			return failClosed(fields, `"[REDACTED]"`)
		}
		if len(om) != 1 {
			return fieldsFromMembers(nil, rm)
		}
		om, err = jsonstr.Members(om[0].Raw)
	}
	if err != nil || len(om) != len(rm) {
		return fieldsFromMembers(nil, rm)
	}
	out := make([]zapcore.Field, 0, len(fields)+2)
	j := 0
	for i, f := range fields {
		switch {
		case n[i] == 0:
			out = append(out, f)
		case j >= len(rm):
			return fieldsFromMembers(nil, rm)
		case n[i] < 0: // a namespace: what follows is inside it
			m := rm[j]
			if len(m.Raw) == 0 || m.Raw[0] != '{' {
				// The namespace's key took all of it.
				return append(out, failClosed(fields[i+1:], string(m.Raw))...)
			}
			out = append(out, zapcore.Field{Key: m.Key, Type: zapcore.NamespaceType})
			if rm, err = jsonstr.Members(m.Raw); err != nil {
				return append(out, failClosed(fields[i+1:], `"[REDACTED]"`)...)
			}
			if om, err = jsonstr.Members(om[j].Raw); err != nil || len(om) != len(rm) {
				return fieldsFromMembers(out, rm)
			}
			j = 0
		case j+n[i] > len(rm):
			return fieldsFromMembers(nil, rm)
		default:
			ms := rm[j : j+n[i]]
			if n[i] == 1 && !userComputed(f.Type) && om[j].Key == ms[0].Key && bytes.Equal(om[j].Raw, ms[0].Raw) {
				out = append(out, f)
			} else {
				out = fieldsFromMembers(out, ms)
			}
			j += n[i]
		}
	}
	return out
}

// failClosed gives every field (but skipped ones) the JSON value raw.
func failClosed(fields []zapcore.Field, raw string) []zapcore.Field {
	out := make([]zapcore.Field, 0, len(fields))
	for _, f := range fields {
		if f.Type != zapcore.SkipType {
			out = fieldsFromMembers(out, []jsonstr.Member{{Key: f.Key, Raw: json.RawMessage(raw)}})
		}
	}
	return out
}

// fieldsFromMembers appends a field for each member: a string field for a
// string, a reflected raw JSON value for anything else.
func fieldsFromMembers(out []zapcore.Field, ms []jsonstr.Member) []zapcore.Field {
	for _, m := range ms {
		var s string
		if len(m.Raw) > 0 && m.Raw[0] == '"' && json.Unmarshal(m.Raw, &s) == nil {
			out = append(out, zapcore.Field{Key: m.Key, Type: zapcore.StringType, String: s})
			continue
		}
		out = append(out, zapcore.Field{Key: m.Key, Type: zapcore.ReflectType, Interface: m.Raw})
	}
	return out
}

package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// decode decodes a valid document as encoding/json does, numbers kept as
// written so that no number is out of range.
func decode(t *testing.T, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json cannot decode a document it calls valid: %v", err)
	}
	return v
}

// walk follows path through a value decoded by encoding/json, with the rules
// of jsonscan.Lookup.
func walk(v any, path []string) (any, bool) {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || strconv.Itoa(n) != p || n >= len(x) {
				return nil, false
			}
			v = x[n]
		default:
			return nil, false
		}
	}
	return v, true
}

// FuzzLookup checks that the scanner never panics, that its validity verdict
// is encoding/json's, and that on valid documents Lookup (and String) find
// what encoding/json finds on the same path. The path is the second input
// split at "/".
func FuzzLookup(f *testing.F) {
	seeds := []struct{ doc, path string }{
		{`{"a":{"b":[1,{"c":"d"}]}}`, "a/b/1/c"},
		{`{"requestContext":{"identity":{"sourceIp":"1.2.3.4"}}}`, "requestContext/identity/sourceIp"},
		{`{"Records":[{"eventSource":"aws:sqs","attributes":{"SenderId":"AIDA"}}]}`, "Records/0/attributes/SenderId"},
		{`{"k\u0065y":"v\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, "key"},
		{`{"dup":1,"dup":[2]}`, "dup/0"},
		{`[[[]],{"":{"":0}}]`, "1//"},
		{"{\"\xff\":\"\xed\xa0\x80\"}", "\ufffd"},
		{`{"a":-0.5e-10,"b":true,"c":false,"d":null}`, "a"},
		{`{"a":1,}`, "a"},
		{`{"a" 1}`, "a"},
		{`["\uD800\uDC00", "\uDC00"]`, "0"},
		{`  {"body": "{\"nested\": \"json\"}"}  `, "body"},
		{`1e400`, ""},
		{`{"a":01}`, "a"},
	}
	for _, s := range seeds {
		f.Add([]byte(s.doc), s.path)
	}
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		var p []string
		if path != "" {
			p = strings.Split(path, "/")
		}
		got, gotOK := jsonscan.Lookup(doc, p...)
		gotS, gotSOK := jsonscan.String(doc, p...)
		for range jsonscan.Members(doc) {
		}
		for range jsonscan.Elements(doc) {
		}

		valid := json.Valid(doc)
		err := jsonscan.Validate(doc)
		if (err == nil) != valid {
			t.Fatalf("Validate: got %v, json.Valid says %v", err, valid)
		}
		if err != nil {
			se, ok := err.(*jsonscan.SyntaxError)
			if !ok || se.Offset < 0 || se.Offset > len(doc) {
				t.Fatalf("Validate: got %#v, want a *SyntaxError with an offset in the document", err)
			}
			return
		}

		// ValidateMembers sees the members ObjectIter sees.
		var fromValidate, fromIter []string
		if err := jsonscan.ValidateMembers(doc, func(k, v []byte) {
			fromValidate = append(fromValidate, string(k), string(v))
		}); err != nil {
			t.Fatalf("ValidateMembers: got %v, Validate said valid", err)
		}
		it := jsonscan.NewObjectIter(doc)
		for it.Next() {
			fromIter = append(fromIter, string(it.Key()), string(it.Value()))
		}
		if !reflect.DeepEqual(fromValidate, fromIter) {
			t.Fatalf("ValidateMembers saw %q, ObjectIter %q", fromValidate, fromIter)
		}

		want, wantOK := walk(decode(t, doc), p)
		if gotOK != wantOK {
			t.Fatalf("Lookup %q: got found=%v, encoding/json found=%v", p, gotOK, wantOK)
		}
		if !wantOK {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("Lookup %q: got %q, not a JSON value", p, got)
		}
		if v := decode(t, got); !reflect.DeepEqual(v, want) {
			t.Fatalf("Lookup %q: got %#v, encoding/json gives %#v", p, v, want)
		}
		ws, isString := want.(string)
		if gotSOK != isString || gotS != ws {
			t.Fatalf("String %q: got %q %v, encoding/json gives %#v", p, gotS, gotSOK, want)
		}
	})
}

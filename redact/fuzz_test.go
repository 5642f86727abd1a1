package redact

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzRedactJSON checks that the walk never panics, that valid JSON stays
// valid, and that redacting the output again changes nothing.
func FuzzRedactJSON(f *testing.F) {
	for _, s := range []string{
		`{"password":"hunter2","n":1}`,
		`{"pin":4821,"cvv":[1,2],"token":{"a":true}}`,
		`{"name":"Jane Doe","address":{"line1":"1 Main St"},"dob":"1980-01-02"}`,
		`{"body":"{\"password\":\"x\",\"fullName\":\"Ren\u00e9e\"}"}`,
		`{"Records":[{"body":"{\"Message\" : \"{\\\"secret\\\":\\\"s\\\"}\"}"}]}`,
		`{"rawQueryString":"name=Jane+Doe&password=p%40ss"}`,
		`{"body":"eyJwYXNzd29yZCI6InAifQ==","isBase64Encoded":true}`,
		`{"name":{"S":"Jane"},"x":{"N":"1"}}`,
		`[{"a":"\ud83d\ude00\u0000"},-1.5e-3,null]`,
		`{"a":"b\\","c":"%zz%4"}`,
		`not json password=x`,
		`{"":"nAme=+A%00"}`,
	} {
		f.Add([]byte(s))
	}
	r, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	others := make([]*Redactor, 0, 3)
	for _, op := range []Operator{Remove, Partial, HMAC} {
		o, err := New(Config{Operators: map[string]Operator{"*": op}, HMACKey: bytes.Repeat([]byte("k"), 32)})
		if err != nil {
			f.Fatal(err)
		}
		others = append(others, o)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, _ := r.Bytes(in)
		if _, doc := jsonDocument(in); !doc {
			return // a bare JSON scalar is redacted as text: "4111..." is a card in a log line
		}
		if !json.Valid(in) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid JSON in, invalid out:\n in %q\nout %q", in, out)
		}
		for _, o := range others {
			if out, _ := o.Bytes(in); !json.Valid(out) {
				t.Fatalf("valid JSON in, invalid out (operator %s):\n in %q\nout %q", o.ops[TypeSecret], in, out)
			}
		}
		again, _ := r.Bytes(out)
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n in %q\nout %q\nagain %q", in, out, again)
		}
	})
}

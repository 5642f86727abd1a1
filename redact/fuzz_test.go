package redact

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
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
			out, _ := o.Bytes(in)
			if !json.Valid(out) {
				t.Fatalf("valid JSON in, invalid out (operator %s):\n in %q\nout %q", o.ops[TypeSecret], in, out)
			}
			if again, _ := o.Bytes(out); o.ops[TypeSecret] != Remove && !bytes.Equal(again, out) {
				t.Fatalf("not idempotent (operator %s):\n in %q\nout %q\nagain %q", o.ops[TypeSecret], in, out, again)
			}
		}
		again, _ := r.Bytes(out)
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n in %q\nout %q\nagain %q", in, out, again)
		}
	})
}

// FuzzRedactText checks free text: no panic, findings inside the input, no
// value found survives in the output where it stands as a word of its own,
// and redacting the output again changes nothing, with the markers of the
// mask, partial and hmac operators. (Remove leaves nothing to recognise:
// "a= b=x" loses b's value, then "b=" becomes a's.)
func FuzzRedactText(f *testing.F) {
	for _, s := range []string{
		"user jane.doe@example.com paid with 4111 1111 1111 1111 from 203.0.113.7",
		"password=hunter2! retry with password hunter2!",
		"ssn 123-45-6789 and again 123-45-6789",
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
		"call me back at (415) 555-0100, order 4111111111111112",
		"AKIAQWERTYUIOPASDFGH aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
	} {
		f.Add(s)
	}
	r, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	var others []*Redactor
	for _, op := range []Operator{Partial, HMAC} {
		o, err := New(Config{Operators: map[string]Operator{"*": op}, HMACKey: bytes.Repeat([]byte("k"), 32)})
		if err != nil {
			f.Fatal(err)
		}
		others = append(others, o)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if _, doc := jsonDocument([]byte(in)); doc {
			return // FuzzRedactJSON's business
		}
		out, fs := r.String(in)
		segments := markerRE.Split(out, -1) // "secret" may be a value and a type
		for _, fd := range fs {
			if fd.Start < 0 || fd.End > len(in) || fd.Start >= fd.End {
				t.Fatalf("finding %v outside the input %q", fd, in)
			}
			v := in[fd.Start:fd.End]
			if len(v) >= minRepeat && slices.ContainsFunc(segments, func(seg string) bool { return containsWord(seg, v) }) {
				t.Fatalf("found %s value %q survives:\n in %q\nout %q", fd.Type, v, in, out)
			}
		}
		if again, _ := r.String(out); again != out {
			t.Fatalf("redacting twice changes the text:\n  in %q\n out %q\nout2 %q", in, out, again)
		}
		for _, o := range others {
			out, _ := o.String(in)
			if again, _ := o.String(out); again != out {
				t.Fatalf("redacting twice changes the text (operator %s):\n  in %q\n out %q\nout2 %q", o.ops[TypeSecret], in, out, again)
			}
		}
	})
}

var markerRE = regexp.MustCompile(`\[REDACTED:[a-z_]+\]`)

// containsWord reports whether v occurs in s not inside a longer word or number.
func containsWord(s, v string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], v)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(v)
		if !(isAlnum(v[0]) && at > 0 && isAlnum(s[at-1])) && !(isAlnum(v[len(v)-1]) && end < len(s) && isAlnum(s[end])) {
			return true
		}
		i = at + 1
	}
}

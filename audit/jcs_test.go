package audit

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestCanonicalizeRFC8785(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			name: "3.2.2 example",
			in: `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
			want: `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			name: "3.2.3 sorting",
			in: `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`,
			want: "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
		{name: "nested", in: ` { "b" : [ {"z":1,"a":2} ] , "a" : {} , "c":[] } `, want: `{"a":{},"b":[{"a":2,"z":1}],"c":[]}`},
		{name: "escapes", in: `"\b\t\n\f\r\u0001\u001f\u007f/"`, want: "\"\\b\\t\\n\\f\\r\\u0001\\u001f\u007f/\""},
		{name: "minus zero", in: `[-0, -0.0, 0e10, -1, 1.0, 100, 1e2]`, want: `[0,0,0,-1,1,100,100]`},
		{name: "big integer", in: `9007199254740993`, want: `9007199254740992`},
		{name: "literals", in: `[true,false,null]`, want: `[true,false,null]`},
	}
	for _, tt := range tests {
		got, err := Canonicalize([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: error %v", tt.name, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// TestES6Numbers checks the number examples of RFC 8785 Appendix B.
func TestES6Numbers(t *testing.T) {
	tests := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, tt := range tests {
		f := math.Float64frombits(tt.bits)
		if got := string(appendES6Number(nil, f)); got != tt.want {
			t.Errorf("%#016x: got %s, want %s", tt.bits, got, tt.want)
		}
		// The same through the parser, from Go's own rendering.
		in, _ := json.Marshal(f)
		got, err := Canonicalize(in)
		if err != nil || string(got) != tt.want {
			t.Errorf("Canonicalize(%s) = %s, %v; want %s", in, got, err, tt.want)
		}
	}
}

func TestCanonicalizeErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ``},
		{"duplicate", `{"a":1,"a":2}`},
		{"duplicate escaped", `{"a":1,"\u0061":2}`},
		{"duplicate sorted late", `{"b":1,"a":1,"b":2}`},
		{"lone high surrogate", `"\ud800"`},
		{"lone low surrogate", `"\udc00x"`},
		{"invalid utf8", "\"\xff\""},
		{"control char", "\"a\x01\""},
		{"trailing", `{} {}`},
		{"overflow", `1e400`},
		{"bad number", `01`},
		{"bad number 2", `1.`},
		{"bad number 3", `-`},
		{"bad escape", `"\x"`},
		{"unterminated", `{"a":1`},
		{"unterminated string", `"abc`},
		{"missing colon", `{"a" 1}`},
		{"trailing comma", `[1,]`},
		{"bare word", `nul`},
	}
	for _, tt := range tests {
		if got, err := Canonicalize([]byte(tt.in)); err == nil {
			t.Errorf("%s: got %s, want an error", tt.name, got)
		} else if _, ok := err.(*CanonicalError); !ok {
			t.Errorf("%s: error %T, want *CanonicalError", tt.name, err)
		}
	}
}

func TestCanonicalizeExclude(t *testing.T) {
	in := `{"z":1,"attestation":{"uid":"1","signatures":[1],"fingerprint":{"value":"x"},"chain_uid":"c"},"a":{"fingerprint":2}}`
	var p canonParser
	got, err := p.canonicalize(nil, []byte(in), fingerprintExclude)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"fingerprint":2},"attestation":{"chain_uid":"c","uid":"1"},"z":1}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// Excluded members still count for the duplicate check.
	if _, err := p.canonicalize(nil, []byte(`{"attestation":{"fingerprint":1,"fingerprint":2}}`), fingerprintExclude); err == nil {
		t.Error("duplicate excluded member accepted")
	}
}

func TestAppendValueMatchesCanonicalize(t *testing.T) {
	v := map[string]any{
		"b": []any{int64(1), 2.5, "x\u2028\n", nil, true},
		"a": map[string]any{"€": 1, "\r": uint64(2), "😀": "e", "\ufb33": false},
		"c": map[string]int{"y": 1, "x": 2},
	}
	got := appendValue(nil, v)
	again, err := Canonicalize(got)
	if err != nil || !bytes.Equal(got, again) {
		t.Errorf("appendValue not canonical:\n%s\n%s %v", got, again, err)
	}
	before, after := splitObject(v, "b")
	if want := `{"a":`; !bytes.HasPrefix(before, []byte(want)) || !bytes.HasSuffix(before, []byte(",")) {
		t.Errorf("before = %s", before)
	}
	joined := append(append(append([]byte(nil), before...), `"b":`...), appendValue(nil, v["b"])...)
	joined = append(joined, after...)
	if !bytes.Equal(joined, got) {
		t.Errorf("split and join:\n%s\n%s", joined, got)
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[1,2.5e10,"x"]}`, `"\ud83d\ude00"`, `[1e21,1e-7,-0]`, `{"\u20ac":1,"\r":2}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Canonicalize(in)
		if err != nil {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("invalid output %q from %q", got, in)
		}
		again, err := Canonicalize(got)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("not idempotent: %q -> %q (%v)", got, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil {
			if err := json.Unmarshal(got, &b); err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("value changed: %q -> %q", in, got)
			}
		}
	})
}

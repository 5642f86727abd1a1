package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

var validityCases = []struct {
	name string
	doc  string
}{
	{"empty", ``},
	{"space only", " \t\r\n"},
	{"null", `null`},
	{"true", ` true `},
	{"false", `false`},
	{"bad literal", `nul`},
	{"literal prefix", `nullx`},
	{"zero", `0`},
	{"negative", `-12.5e+3`},
	{"exponent", `1E9`},
	{"leading zero", `01`},
	{"minus only", `-`},
	{"dot without digits", `1.`},
	{"exponent without digits", `1e`},
	{"exponent sign only", `1e+`},
	{"plus", `+1`},
	{"string", `"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00"`},
	{"bad escape", `"\x"`},
	{"single-quote escape", `"\'"`},
	{"short unicode escape", `"\u12"`},
	{"bad unicode escape", `"\u12g4"`},
	{"unterminated string", `"abc`},
	{"escaped quote at end", `"abc\"`},
	{"control character", "\"a\x01b\""},
	{"raw newline in string", "\"a\nb\""},
	{"invalid UTF-8 in string", "\"\xff\xfe\""},
	{"DEL in string", "\"\x7f\""},
	{"empty object", `{}`},
	{"empty array", `[ ]`},
	{"nested", `{"a":[1,{"b":[[],{}]},"x"],"c":{"d":null}}`},
	{"trailing comma object", `{"a":1,}`},
	{"trailing comma array", `[1,]`},
	{"missing colon", `{"a" 1}`},
	{"missing comma", `[1 2]`},
	{"non-string key", `{1:2}`},
	{"mismatched brackets", `[1}`},
	{"mismatched brackets 2", `{"a":1]`},
	{"unclosed object", `{"a":1`},
	{"unclosed array", `[1,2`},
	{"two values", `1 2`},
	{"trailing garbage", `{} x`},
	{"colon in array", `[1:2]`},
	{"lone comma", `,`},
	{"lone closing", `]`},
	{"BOM", "\xef\xbb\xbf{}"},
	{"depth 10000", strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
	{"depth 10001", strings.Repeat("[", 10001) + strings.Repeat("]", 10001)},
	{"deep objects", strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)},
	{"deep objects 10001", strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)},
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validityCases {
		got, want := jsonscan.Valid([]byte(c.doc)), json.Valid([]byte(c.doc))
		if got != want {
			t.Errorf("%s: Valid got %v, want %v", c.name, got, want)
		}
	}
}

func TestValidateError(t *testing.T) {
	cases := []struct {
		doc    string
		offset int
		reason string
	}{
		{`{"a":1,}`, 7, jsonscan.ReasonKey},
		{`{"a" 1}`, 5, jsonscan.ReasonColon},
		{`[1 2]`, 3, jsonscan.ReasonSeparator},
		{`{"secret":"\q"}`, 12, jsonscan.ReasonEscape},
		{"\"a\x01\"", 2, jsonscan.ReasonControl},
		{`{"a":`, 5, jsonscan.ReasonEnd},
		{`{} x`, 3, jsonscan.ReasonAfterValue},
		{`@`, 0, jsonscan.ReasonChar},
		{`tru`, 0, jsonscan.ReasonLiteral},
		{`-x`, 1, jsonscan.ReasonNumber},
		{strings.Repeat("[", 10001), 10000, jsonscan.ReasonDepth},
	}
	for _, c := range cases {
		err := jsonscan.Validate([]byte(c.doc))
		var se *jsonscan.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a *SyntaxError", c.doc, err)
			continue
		}
		if se.Offset != c.offset || se.Reason != c.reason {
			t.Errorf("%q: got offset %d reason %q, want %d %q", c.doc, se.Offset, se.Reason, c.offset, c.reason)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), `\q`) {
			t.Errorf("%q: error %q carries document bytes", c.doc, err)
		}
	}
	if err := jsonscan.Validate([]byte(`{"ok":true}`)); err != nil {
		t.Errorf("valid document: got %v, want nil", err)
	}
}

func TestLookup(t *testing.T) {
	doc := []byte(` {
		"a": {"b": [10, {"c": "x\"y"}, [1,2]], "s": "q\\\"}"},
		"esc\u0061ped": 1,
		"dup": 1, "dup": {"k": 2},
		"arr": [],
		"0": "zero",
		"n": null
	} `)
	cases := []struct {
		path []string
		want string
		ok   bool
	}{
		{nil, string(jsonscan.TrimSpace(doc)), true},
		{[]string{"a", "b", "0"}, `10`, true},
		{[]string{"a", "b", "1", "c"}, `"x\"y"`, true},
		{[]string{"a", "b", "2", "1"}, `2`, true},
		{[]string{"a", "b", "3"}, ``, false},
		{[]string{"a", "b", "01"}, ``, false},
		{[]string{"a", "b", "-1"}, ``, false},
		{[]string{"a", "s"}, `"q\\\"}"`, true},
		{[]string{"escaped"}, `1`, true},
		{[]string{"dup"}, `{"k": 2}`, true},
		{[]string{"dup", "k"}, `2`, true},
		{[]string{"arr", "0"}, ``, false},
		{[]string{"0"}, `"zero"`, true},
		{[]string{"n"}, `null`, true},
		{[]string{"n", "x"}, ``, false},
		{[]string{"missing"}, ``, false},
		{[]string{"a", "b", "0", "x"}, ``, false},
	}
	for _, c := range cases {
		got, ok := jsonscan.Lookup(doc, c.path...)
		if string(got) != c.want || ok != c.ok {
			t.Errorf("Lookup %q: got %q %v, want %q %v", c.path, got, ok, c.want, c.ok)
		}
	}
	if s, ok := jsonscan.String(doc, "a", "b", "1", "c"); s != `x"y` || !ok {
		t.Errorf(`String a.b.1.c: got %q %v, want "x\"y" true`, s, ok)
	}
	if s, ok := jsonscan.String(doc, "n"); s != "" || ok {
		t.Errorf(`String n: got %q %v, want "" false`, s, ok)
	}
}

func TestUnquote(t *testing.T) {
	cases := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`""`, "", true},
		{`"plain"`, "plain", true},
		{`"a\"b\\c\/d"`, `a"b\c/d`, true},
		{`"\b\f\n\r\t"`, "\b\f\n\r\t", true},
		{`"\u00e9\u00E9"`, "éé", true},
		{`"\uD83D\uDE00"`, "😀", true},
		{`"\uD83D"`, "\uFFFD", true},
		{`"\uD83Dx"`, "\uFFFDx", true},
		{`"\uD83D\u0041"`, "\uFFFDA", true},
		{`"\uDE00\uD83D"`, "\uFFFD\uFFFD", true},
		{"\"\xff\"", "\uFFFD", true},
		{"\"\xed\xa0\x80\"", "\uFFFD\uFFFD\uFFFD", true},
		{`"é"`, "é", true},
		{`"\x"`, "", false},
		{`"\u12"`, "", false},
		{`"\"`, "", false},
		{"\"a\x01\"", "", false},
		{`abc`, "", false},
		{`"`, "", false},
	}
	for _, c := range cases {
		got, ok := jsonscan.Unquote([]byte(c.raw))
		if got != c.want || ok != c.ok {
			t.Errorf("Unquote %q: got %q %v, want %q %v", c.raw, got, ok, c.want, c.ok)
		}
		if !c.ok {
			continue
		}
		var std string
		if err := json.Unmarshal([]byte(c.raw), &std); err != nil || std != got {
			t.Errorf("Unquote %q: got %q, encoding/json gives %q (%v)", c.raw, got, std, err)
		}
		if !jsonscan.EqualString([]byte(c.raw), c.want) {
			t.Errorf("EqualString %q %q: got false, want true", c.raw, c.want)
		}
		if jsonscan.EqualString([]byte(c.raw), c.want+"x") {
			t.Errorf("EqualString %q %q: got true, want false", c.raw, c.want+"x")
		}
	}
}

func TestIterators(t *testing.T) {
	obj := []byte(`{"a": 1, "b\u0062": [1, 2], "c": {"d": "}"}, "e": "x\\"}`)
	var keys, values []string
	for k, v := range jsonscan.Members(obj) {
		keys = append(keys, string(k))
		values = append(values, string(v))
	}
	wantKeys := []string{"a", "bb", "c", "e"}
	wantValues := []string{`1`, `[1, 2]`, `{"d": "}"}`, `"x\\"`}
	if strings.Join(keys, ",") != strings.Join(wantKeys, ",") {
		t.Errorf("keys: got %q, want %q", keys, wantKeys)
	}
	if strings.Join(values, "|") != strings.Join(wantValues, "|") {
		t.Errorf("values: got %q, want %q", values, wantValues)
	}
	var elems []string
	for v := range jsonscan.Elements([]byte(` [ "a" , [ ] , {} ,-1.5e3,true ] `)) {
		elems = append(elems, string(v))
	}
	if got, want := strings.Join(elems, "|"), `"a"|[ ]|{}|-1.5e3|true`; got != want {
		t.Errorf("elements: got %q, want %q", got, want)
	}
	for range jsonscan.Members([]byte(`[1]`)) {
		t.Errorf("Members of an array: got a member, want none")
	}
	for range jsonscan.Elements([]byte(`{}`)) {
		t.Errorf("Elements of an object: got an element, want none")
	}
	it := jsonscan.NewObjectIter([]byte(`{"k\"":2}`))
	if !it.Next() || string(it.RawKey()) != `"k\""` || string(it.Key()) != `k"` || string(it.Value()) != "2" || it.Next() {
		t.Errorf("ObjectIter over an escaped key: got %q %q %q", it.RawKey(), it.Key(), it.Value())
	}
}

func TestValidateMembers(t *testing.T) {
	cases := []struct {
		doc  string
		want string // key=value pairs joined by "|"
		ok   bool
	}{
		{` { "a" : 1 , "b\u0062":{"c":[1,{"d":2}]}, "e":[], "f":{} ,"g":"x\"y" } `, `a=1|bb={"c":[1,{"d":2}]}|e=[]|f={}|g="x\"y"`, true},
		{`{}`, ``, true},
		{`[{"a":1}]`, ``, true},
		{`"a"`, ``, true},
		{`{"a":1,"b":`, `a=1`, false},
	}
	for _, c := range cases {
		var got []string
		err := jsonscan.ValidateMembers([]byte(c.doc), func(k, v []byte) {
			got = append(got, string(k)+"="+string(v))
		})
		if strings.Join(got, "|") != c.want || (err == nil) != c.ok {
			t.Errorf("%s: got %q, %v; want %q, ok=%v", c.doc, got, err, c.want, c.ok)
		}
	}
}

// TestNoPanicOnInvalid feeds truncations of a document to the functions that
// expect valid input: they may return anything but must not panic.
func TestNoPanicOnInvalid(t *testing.T) {
	doc := []byte(`{"a":{"b":["x\"",{"c":-1.5e3}],"d":"\u00e9"},"e":[true,false,null]}`)
	for i := range doc {
		for j := i; j <= len(doc); j++ {
			d := doc[i:j]
			jsonscan.Lookup(d, "a", "b", "1", "c")
			jsonscan.Lookup(d, "e", "2")
			jsonscan.String(d, "a", "d")
			jsonscan.Unquote(d)
			for range jsonscan.Members(d) {
			}
			for range jsonscan.Elements(d) {
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	doc := []byte(`{"requestContext":{"identity":{"sourceIp":"1.2.3.4","userAgent":"x\"y"}},"body":"{\"a\":1}"}`)
	allocs := testing.AllocsPerRun(100, func() {
		if jsonscan.Validate(doc) != nil {
			t.Fatal("invalid")
		}
		n := 0
		if jsonscan.ValidateMembers(doc, func(k, v []byte) { n += len(k) + len(v) }) != nil || n == 0 {
			t.Fatal("invalid")
		}
		if _, ok := jsonscan.Lookup(doc, "requestContext", "identity", "sourceIp"); !ok {
			t.Fatal("not found")
		}
		it := jsonscan.NewObjectIter(doc)
		for it.Next() {
			_ = it.Key()
		}
		if !jsonscan.EqualString([]byte(`"x\"y"`), `x"y`) {
			t.Fatal("not equal")
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocations, want 0", allocs)
	}
}

func BenchmarkValidate(b *testing.B) {
	doc := bytes.Repeat([]byte(`{"k":"value with \"escapes\"","n":[1,2.5,-3e4],"t":true},`), 40)
	doc = append(append([]byte{'['}, doc[:len(doc)-1]...), ']')
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := jsonscan.Validate(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPick(t *testing.T) {
	var v [3][]byte
	v[2] = []byte("stale")
	jsonscan.Pick([]byte(`{"a":1,"b":{"x":2},"a":"last","c\u0041":true}`), []string{"a", "b", "cA"}, v[:])
	if string(v[0]) != `"last"` || string(v[1]) != `{"x":2}` || string(v[2]) != "true" {
		t.Errorf("got %q %q %q", v[0], v[1], v[2])
	}
	jsonscan.Pick([]byte(`[1]`), []string{"a", "b", "cA"}, v[:])
	if v[0] != nil || v[1] != nil || v[2] != nil {
		t.Errorf("not an object: got %q, want all nil", v)
	}
}

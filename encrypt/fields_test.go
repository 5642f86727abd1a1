package encrypt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
)

func TestParseFieldPath(t *testing.T) {
	key := func(k string) segment { return segment{kind: segKey, key: k} }
	idx := func(i int) segment { return segment{kind: segIndex, index: i} }
	star := segment{kind: segWildcard}
	tests := []struct {
		path string
		want []segment // nil: invalid
	}{
		{"$", []segment{}},
		{"a", []segment{key("a")}},
		{"$.a", []segment{key("a")}},
		{"a.b.c", []segment{key("a"), key("b"), key("c")}},
		{"$.a.b", []segment{key("a"), key("b")}},
		{"*", []segment{star}},
		{"$.*.email", []segment{star, key("email")}},
		{"users[*].email", []segment{key("users"), star, key("email")}},
		{"$.users[12].email", []segment{key("users"), idx(12), key("email")}},
		{"[0]", []segment{idx(0)}},
		{"$[0][1]", []segment{idx(0), idx(1)}},
		{"$['a.b'].c", []segment{key("a.b"), key("c")}},
		{`$["a.b"]`, []segment{key("a.b")}},
		{`$['it\'s']`, []segment{key("it's")}},
		{`$['back\\slash']`, []segment{key(`back\slash`)}},
		{`$['*']`, []segment{key("*")}},
		{`$['']`, []segment{key("")}},
		{"$.émail.名前", []segment{key("émail"), key("名前")}},
		{"$x.y", []segment{key("$x"), key("y")}},
		{"a b.c", []segment{key("a b"), key("c")}},
		{"", nil},
		{".a", nil},
		{"a..b", nil},
		{"a.", nil},
		{"$.", nil},
		{"$a[", nil},
		{"a[", nil},
		{"a[*", nil},
		{"a[01]", nil},
		{"a[1", nil},
		{"a[-1]", nil},
		{"a[99999999999999999999]", nil},
		{"a[x]", nil},
		{"a['b", nil},
		{"a['b'", nil},
		{`a['\b']`, nil},
		{"a]", nil},
		{"a.b'c", nil},
		{"$[0]x", nil},
	}
	for _, tt := range tests {
		got, err := parseFieldPath(tt.path)
		if tt.want == nil {
			if err == nil {
				t.Errorf("parseFieldPath(%q) = %v, want an error", tt.path, got)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) || len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseFieldPath(%q) = %v, %v; want %v", tt.path, got, err, tt.want)
		}
	}
}

// TestConcretePathsParse checks that the concrete paths bound into contexts
// are themselves paths that select the same value.
func TestConcretePathsParse(t *testing.T) {
	doc := []byte(`{"a.b":{"it's":[1,{"x\\y":2}]},"*":3,"":4,"ü":5,"c d":6,"tab\t":7}`)
	spans, err := selectFields(doc, []string{"*", "$['a.b'].*[*]", "$['a.b'].*[1].*"})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range spans {
		paths = append(paths, s.path)
		again, err := selectFields(doc, []string{s.path})
		if err != nil || len(again) != 1 || again[0].start != s.start || again[0].end != s.end {
			t.Errorf("concrete path %q selects %v, %v; want the span %d:%d", s.path, again, err, s.start, s.end)
		}
	}
	want := []string{`$['a.b']`, `$['*']`, `$['']`, `$.ü`, `$.c d`, "$['tab\t']"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("concrete paths %q, want %q", paths, want)
	}
}

const fieldsDoc = `{
  "id": 9007199254740993,
  "user": {"email": "alice@example.com", "name": "Alice", "tags": ["a", "b"]},
  "users": [
    {"email": "bob@example.com", "age": 42},
    {"name": "no email"},
    {"email": "carol@example.com", "age": null}
  ],
  "a.b": {"c": "dotted"},
  "uni": {"名前": "花子", "esc\"aped": "q"},
  "dup": {"k": 1, "k": 2},
  "n": 1.5e300, "t": true, "f": false, "z": null, "o": {}, "arr": []
}`

func TestSelectFields(t *testing.T) {
	tests := []struct {
		paths []string
		want  []string // "concrete path=raw value"
	}{
		{[]string{"$.user.email"}, []string{`$.user.email="alice@example.com"`}},
		{[]string{"user.email"}, []string{`$.user.email="alice@example.com"`}},
		{[]string{"$.users[*].email"}, []string{`$.users[0].email="bob@example.com"`, `$.users[2].email="carol@example.com"`}},
		{[]string{"$.users.*.email"}, []string{`$.users[0].email="bob@example.com"`, `$.users[2].email="carol@example.com"`}},
		{[]string{"$.users[2].age"}, []string{`$.users[2].age=null`}},
		{[]string{"$.users[3].email"}, nil},
		{[]string{"$.nope"}, nil},
		{[]string{"$.user.email.deeper"}, nil},
		{[]string{"$.user[0]"}, nil},
		{[]string{"$.users.email"}, nil},
		{[]string{"$.user.tags[1]"}, []string{`$.user.tags[1]="b"`}},
		{[]string{"$.user.*"}, []string{`$.user.email="alice@example.com"`, `$.user.name="Alice"`, `$.user.tags=["a", "b"]`}},
		{[]string{"$['a.b'].c"}, []string{`$['a.b'].c="dotted"`}},
		{[]string{`$["a.b"]["c"]`}, []string{`$['a.b'].c="dotted"`}},
		{[]string{"$.uni.名前"}, []string{`$.uni.名前="花子"`}},
		{[]string{`$.uni['esc"aped']`}, []string{`$.uni['esc"aped']="q"`}},
		{[]string{"$.dup.k"}, []string{`$.dup.k=1`, `$.dup.k=2`}},
		{[]string{"id", "n", "t", "f", "z", "o", "arr"}, []string{`$.id=9007199254740993`, `$.n=1.5e300`, `$.t=true`, `$.f=false`, `$.z=null`, `$.o={}`, `$.arr=[]`}},
		// Nested and repeated selections: the outermost, once.
		{[]string{"$.user.email", "$.user", "$.user.*"}, []string{`$.user={"email": "alice@example.com", "name": "Alice", "tags": ["a", "b"]}`}},
		{[]string{"$.user.email", "$.user.email", "user['email']"}, []string{`$.user.email="alice@example.com"`}},
		// In document order, whatever the order of the paths.
		{[]string{"t", "id"}, []string{`$.id=9007199254740993`, `$.t=true`}},
	}
	for _, tt := range tests {
		spans, err := selectFields([]byte(fieldsDoc), tt.paths)
		if err != nil {
			t.Errorf("%q: %v", tt.paths, err)
			continue
		}
		var got []string
		for _, s := range spans {
			got = append(got, s.path+"="+fieldsDoc[s.start:s.end])
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q selects %q, want %q", tt.paths, got, tt.want)
		}
	}
	spans, err := selectFields([]byte(" [1, 2] "), []string{"$"})
	if err != nil || len(spans) != 1 || spans[0].start != 1 || spans[0].end != 7 || spans[0].path != "$" {
		t.Errorf("$ selects %v, %v; want the whole value", spans, err)
	}
}

// encryptedFields returns the values of doc that are now base64 of messages,
// decoded, by their concrete path.
func messagesAt(t *testing.T, doc []byte, paths ...string) [][]byte {
	t.Helper()
	spans, err := selectFields(doc, paths)
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for _, s := range spans {
		var str string
		if err := json.Unmarshal(doc[s.start:s.end], &str); err != nil {
			t.Fatalf("%s is not a string: %v", s.path, err)
		}
		msg, err := base64.StdEncoding.Strict().DecodeString(str)
		if err != nil || len(msg) == 0 || msg[0] != 2 {
			t.Fatalf("%s is not the base64 of a message: %v", s.path, err)
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

func TestEncryptFieldsRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, plain := range []bool{false, true} {
		var opts []Option
		if plain {
			opts = append(opts, WithPlainFieldContext())
		}
		e := newTestEncryptor(t, opts...)
		for _, paths := range [][]string{
			{"$.user.email"},
			{"$.users[*].email", "$.users[*].age"},
			{"id", "n", "t", "f", "z", "o", "arr"},
			{"$.user"},
			{"*"},
			{"$"},
			{"$.uni.*", "$['a.b'].c", "dup.k"},
			{"$.nothing"},
			{},
		} {
			ec := map[string]string{"tenant": "acme"}
			enc, err := e.EncryptFields(ctx, []byte(fieldsDoc), paths, ec)
			if err != nil {
				t.Fatalf("plain=%v %q: %v", plain, paths, err)
			}
			if !json.Valid(enc) {
				t.Fatalf("plain=%v %q: output is not JSON", plain, paths)
			}
			// Every selected value is now the base64 of a message.
			if len(paths) > 0 && paths[0] != "$.nothing" {
				if msgs := messagesAt(t, enc, paths...); len(msgs) == 0 {
					t.Errorf("plain=%v %q: nothing encrypted", plain, paths)
				}
			}
			if maps.Equal(ec, map[string]string{"tenant": "acme"}) == false {
				t.Errorf("EncryptFields modified the caller's context: %v", ec)
			}
			dec, err := e.DecryptFields(ctx, enc, paths, map[string]string{"tenant": "acme"})
			if err != nil {
				t.Fatalf("plain=%v %q: decrypt: %v", plain, paths, err)
			}
			if string(dec) != fieldsDoc {
				t.Errorf("plain=%v %q: round trip gives\n%s\nwant\n%s", plain, paths, dec, fieldsDoc)
			}
		}
	}
}

// TestEncryptFieldsBytesKept checks that nothing outside the replaced value
// is re-encoded: spacing, key order, big numbers, escapes.
func TestEncryptFieldsBytesKept(t *testing.T) {
	doc := "\t{ \"z\" :9007199254740993 ,\"a\":\"\\u00e9\\n\",  \"secret\" :  \"s3cr3t\\\"\" , \"b\":[ 1.0,2e5 ] }\n"
	e := newTestEncryptor(t)
	enc, err := e.EncryptFields(context.Background(), []byte(doc), []string{"secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(doc, `"s3cr3t`)
	end := start + len(`"s3cr3t\""`)
	if !bytes.HasPrefix(enc, []byte(doc[:start])) || !bytes.HasSuffix(enc, []byte(doc[end:])) {
		t.Errorf("bytes outside the field changed:\n%s\nfrom\n%s", enc, doc)
	}
	if bytes.Contains(enc, []byte("s3cr3t")) {
		t.Errorf("the plaintext is still in %s", enc)
	}
	dec, err := e.DecryptFields(context.Background(), enc, []string{"secret"}, nil)
	if err != nil || string(dec) != doc {
		t.Errorf("round trip: %s, %v; want %s", dec, err, doc)
	}
}

// TestEncryptFieldsPlaintext checks what each message holds: a string's
// value unquoted (as Powertools TypeScript encrypts it), any other value's
// JSON text with the type marker, and the path unless the context is plain.
func TestEncryptFieldsPlaintext(t *testing.T) {
	ctx := context.Background()
	doc := []byte(`{"email":"alice@example.com","esc":"a\"b\u00e9","n":9007199254740993,"o":{"k": [1, "x"]}}`)
	tests := []struct {
		path, plaintext string
		json            bool
	}{
		{"email", "alice@example.com", false},
		{"esc", "a\"bé", false},
		{"n", "9007199254740993", true},
		{"o", `{"k": [1, "x"]}`, true},
	}
	for _, plain := range []bool{false, true} {
		var opts []Option
		if plain {
			opts = append(opts, WithPlainFieldContext())
		}
		e := newTestEncryptor(t, opts...)
		for _, tt := range tests {
			enc, err := e.EncryptFields(ctx, doc, []string{tt.path}, map[string]string{"tenant": "acme"})
			if err != nil {
				t.Fatal(err)
			}
			msg := messagesAt(t, enc, tt.path)[0]
			pt, ec, err := e.Decrypt(ctx, msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"tenant": "acme"}
			if !plain {
				want[FieldPathContextKey] = "$." + tt.path
			}
			if tt.json {
				want[FieldJSONContextKey] = "1"
			}
			if string(pt) != tt.plaintext || !maps.Equal(ec, want) {
				t.Errorf("plain=%v %s: plaintext %q context %v; want %q %v", plain, tt.path, pt, ec, tt.plaintext, want)
			}
		}
	}
}

// TestDecryptFieldsPowertools decrypts a field encrypted as Powertools
// TypeScript does: a message of the string's bytes under the caller's
// context only.
func TestDecryptFieldsPowertools(t *testing.T) {
	ctx := context.Background()
	e := newTestEncryptor(t, WithPlainFieldContext())
	msg, err := e.Encrypt(ctx, []byte("alice@example.com"), map[string]string{"tenant": "acme"})
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"email":"` + base64.StdEncoding.EncodeToString(msg) + `"}`)
	dec, err := e.DecryptFields(ctx, doc, []string{"$.email"}, map[string]string{"tenant": "acme"})
	if err != nil || string(dec) != `{"email":"alice@example.com"}` {
		t.Errorf("got %s, %v", dec, err)
	}
	// The default, path-bound, Encryptor wants the path in the context.
	_, err = newTestEncryptor(t).DecryptFields(ctx, doc, []string{"$.email"}, nil)
	if ce, ok := errors.AsType[*ContextError](err); !ok || ce.Key != FieldPathContextKey {
		t.Errorf("path-bound decrypt of a plain field: %v, want a *ContextError on %s", err, FieldPathContextKey)
	}
}

// TestEncryptFieldsSwap moves encrypted values between fields: refused when
// the path is bound, accepted with WithPlainFieldContext.
func TestEncryptFieldsSwap(t *testing.T) {
	ctx := context.Background()
	doc := []byte(`{"users":[{"email":"bob@example.com"},{"email":"carol@example.com"}],"ssn":"123-45-6789"}`)
	paths := []string{"users[*].email", "ssn"}
	for _, plain := range []bool{false, true} {
		var opts []Option
		if plain {
			opts = append(opts, WithPlainFieldContext())
		}
		e := newTestEncryptor(t, opts...)
		enc, err := e.EncryptFields(ctx, doc, paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Users []struct {
				Email string `json:"email"`
			} `json:"users"`
			SSN string `json:"ssn"`
		}
		if err := json.Unmarshal(enc, &v); err != nil {
			t.Fatal(err)
		}
		for name, swapped := range map[string]string{
			"two elements": fmt.Sprintf(`{"users":[{"email":%q},{"email":%q}],"ssn":%q}`, v.Users[1].Email, v.Users[0].Email, v.SSN),
			"two fields":   fmt.Sprintf(`{"users":[{"email":%q},{"email":%q}],"ssn":%q}`, v.SSN, v.Users[1].Email, v.Users[0].Email),
		} {
			dec, err := e.DecryptFields(ctx, []byte(swapped), paths, nil)
			if plain {
				if err != nil {
					t.Errorf("plain, %s swapped: %v", name, err)
				}
				continue
			}
			ce, ok := errors.AsType[*ContextError](err)
			fe, okf := errors.AsType[*FieldError](err)
			if dec != nil || !ok || ce.Key != FieldPathContextKey || !okf || fe.Path != paths[0] {
				t.Errorf("%s swapped: %s, %v; want nothing and a *FieldError on %q wrapping a *ContextError on %s", name, dec, err, paths[0], FieldPathContextKey)
			}
			if err != nil && (strings.Contains(err.Error(), "example.com") || strings.Contains(err.Error(), "6789")) {
				t.Errorf("the error quotes plaintext: %v", err)
			}
		}
	}
}

func TestFieldsErrors(t *testing.T) {
	ctx := context.Background()
	e := newTestEncryptor(t)
	good, err := e.EncryptFields(ctx, []byte(`{"a":"secret-a","b":"secret-b"}`), []string{"a", "b"}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal(good, &v); err != nil {
		t.Fatal(err)
	}
	other := newTestEncryptorKey(t, bytes.Repeat([]byte{1}, 32))
	tests := []struct {
		name    string
		e       *Encryptor
		decrypt bool
		doc     string
		paths   []string
		ec      map[string]string
		path    string // of the *FieldError; "-" for none
		is      error
		as      any
	}{
		{"invalid JSON", e, false, `{"a":"secret-value",}`, []string{"a"}, nil, "", nil, new(*FieldError)},
		{"invalid JSON, decrypt", e, true, `{"a":"secret-value"`, []string{"a"}, nil, "", nil, new(*FieldError)},
		{"invalid path", e, false, `{"a":1}`, []string{"a[x]"}, nil, "a[x]", nil, new(*FieldError)},
		{"reserved key", e, false, `{"a":1}`, []string{"a"}, map[string]string{FieldPathContextKey: "$.b"}, "-", nil, new(*ContextError)},
		{"reserved key, decrypt", e, true, `{"a":1}`, []string{"a"}, map[string]string{FieldJSONContextKey: "1"}, "-", nil, new(*ContextError)},
		{"aws-crypto- key", e, false, `{"a":1}`, []string{"a"}, map[string]string{"aws-crypto-x": "1"}, "a", nil, new(*ContextError)},
		{"not a string", e, true, `{"a":"` + v["a"] + `","b":12345}`, []string{"a", "b"}, map[string]string{"k": "v"}, "b", nil, nil},
		{"not base64", e, true, `{"a":"` + v["a"] + `","b":"secret-value"}`, []string{"a", "b"}, map[string]string{"k": "v"}, "b", nil, nil},
		{"empty string", e, true, `{"a":""}`, []string{"a"}, nil, "a", nil, nil},
		{"base64 of no message", e, true, `{"a":"` + v["a"] + `","b":"c2VjcmV0LXZhbHVl"}`, []string{"a", "b"}, map[string]string{"k": "v"}, "b", nil, new(*FormatError)},
		{"wrong key", other, true, string(good), []string{"a", "b"}, nil, "a", ErrDecrypt, nil},
		{"required pair missing", e, true, string(good), []string{"a", "b"}, map[string]string{"k": "v", "x": "y"}, "a", nil, new(*ContextError)},
		{"required pair differs", e, true, string(good), []string{"a", "b"}, map[string]string{"k": "w"}, "a", nil, new(*ContextError)},
	}
	for _, tt := range tests {
		var out []byte
		var err error
		if tt.decrypt {
			out, err = tt.e.DecryptFields(ctx, []byte(tt.doc), tt.paths, tt.ec)
		} else {
			out, err = tt.e.EncryptFields(ctx, []byte(tt.doc), tt.paths, tt.ec)
		}
		if err == nil || out != nil {
			t.Errorf("%s: got %s, %v; want an error and no output", tt.name, out, err)
			continue
		}
		if tt.path != "-" {
			if fe, ok := errors.AsType[*FieldError](err); !ok || fe.Path != tt.path {
				t.Errorf("%s: %v, want a *FieldError on %q", tt.name, err, tt.path)
			}
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.is)
		}
		if tt.as != nil && !errors.As(err, tt.as) {
			t.Errorf("%s: %v, want a %T", tt.name, err, tt.as)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "encrypt: ") || strings.Contains(msg, "secret") || strings.Contains(msg, "c2Vj") {
			t.Errorf("%s: error %q is not prefixed or quotes the document", tt.name, msg)
		}
	}
}

func newTestEncryptorKey(tb testing.TB, key []byte, opts ...Option) *Encryptor {
	tb.Helper()
	kr, err := RawAESKeyring("test-ns", "test-key", key)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(append([]Option{WithKeyring(kr)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestDecryptFieldsTamperedType refuses a message whose type marker says
// JSON over a plaintext that is not JSON.
func TestDecryptFieldsTamperedType(t *testing.T) {
	ctx := context.Background()
	e := newTestEncryptor(t, WithPlainFieldContext())
	msg, err := e.Encrypt(ctx, []byte("not json"), map[string]string{FieldJSONContextKey: "1"})
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"a":"` + base64.StdEncoding.EncodeToString(msg) + `"}`)
	out, err := e.DecryptFields(ctx, doc, []string{"a"}, nil)
	if fe, ok := errors.AsType[*FieldError](err); out != nil || !ok || fe.Path != "a" || strings.Contains(err.Error(), "not json") {
		t.Errorf("got %s, %v; want a *FieldError on a and no plaintext", out, err)
	}
}

func BenchmarkEncryptFields(b *testing.B) {
	ctx := context.Background()
	// About 1 KB, with one 64-byte string field to encrypt.
	var doc bytes.Buffer
	doc.WriteString(`{"requestContext":{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","stage":"prod"},"user":{"email":"`)
	doc.WriteString(strings.Repeat("x", 64-len("@example.com")) + "@example.com")
	doc.WriteString(`"},"items":[`)
	for i := 0; doc.Len() < 1000; i++ {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `{"sku":"SKU-%06d","qty":%d,"price":%d.99}`, i, i+1, i*3)
	}
	doc.WriteString(`]}`)
	paths := []string{"$.user.email"}
	ec := map[string]string{"tenant": "acme"}
	for _, plain := range []bool{false, true} {
		opts := []Option{WithCache(CacheConfig{})}
		if plain {
			opts = append(opts, WithPlainFieldContext())
		}
		e := newTestEncryptor(b, opts...)
		b.Run(fmt.Sprintf("plain=%v/size=%d", plain, doc.Len()), func(b *testing.B) {
			if _, err := e.EncryptFields(ctx, doc.Bytes(), paths, ec); err != nil { // warm the cache
				b.Fatal(err)
			}
			b.SetBytes(int64(doc.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.EncryptFields(ctx, doc.Bytes(), paths, ec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecryptFields(b *testing.B) {
	ctx := context.Background()
	doc := []byte(`{"user":{"email":"` + strings.Repeat("x", 52) + `@example.com"},"n":1}`)
	paths := []string{"$.user.email"}
	e := newTestEncryptor(b, WithCache(CacheConfig{}))
	enc, err := e.EncryptFields(ctx, doc, paths, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.DecryptFields(ctx, enc, paths, nil); err != nil {
			b.Fatal(err)
		}
	}
}

package redact

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"math/rand"
	"strings"
	"testing"
)

func newDefault(t testing.TB) *Redactor {
	t.Helper()
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRedactJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // exact output
	}{
		{"secret string", `{"password":"hunter2!"}`, `{"password":"[REDACTED:secret]"}`},
		{"secret number", `{"pin":4821,"orderId":4111111111111112}`, `{"pin":"[REDACTED:secret]","orderId":4111111111111112}`},
		{"secret bool and null", `{"token":true,"secret":null}`, `{"token":"[REDACTED:secret]","secret":null}`},
		{"secret array", `{"revoked_tokens":["a1","b2"],"n":1}`, `{"revoked_tokens":"[REDACTED:secret]","n":1}`},
		{"secret object: every value", `{"credentials":{"password":"p4ss","user":"app"},"secret":{"username":"app","password":"x9","port":5432,"tls":true,"v":{"w":"hunter22"}}}`,
			`{"credentials":{"password":"[REDACTED:secret]","user":"app"},"secret":{"username":"[REDACTED:secret]","password":"[REDACTED:secret]","port":"[REDACTED:secret]","tls":"[REDACTED:secret]","v":{"w":"[REDACTED:secret]"}}}`},
		{"secret json in string", `{"secret_string":"{\"username\":\"app\",\"password\":\"p4ss\"}"}`,
			`{"secret_string":"{\"username\":\"[REDACTED:secret]\",\"password\":\"[REDACTED:secret]\"}"}`},
		{"name of a setting", `{"name":"DB_PASSWORD","value":"hunter22"}`, `{"name":"DB_PASSWORD","value":"[REDACTED:secret]"}`},
		{"names of things", `{"metadata":{"product":{"name":"Lambda Compliance"}},"writer":{"name":"Audit Writer"},"user":{"name":"Jane Doe"}}`,
			`{"metadata":{"product":{"name":"Lambda Compliance"}},"writer":{"name":"Audit Writer"},"user":{"name":"[REDACTED:person_name]"}}`},
		{"metadata keys kept", `{"SecretId":"prod/db","token_type":"Bearer","nextToken":"abc123","ClientRequestToken":"4c3c0a2e-cd31-4234-8fa8-3af4e0270934"}`,
			`{"SecretId":"prod/db","token_type":"Bearer","nextToken":"abc123","ClientRequestToken":"4c3c0a2e-cd31-4234-8fa8-3af4e0270934"}`},
		{"names", `{"firstName":"Jürgen","name":"Jane Doe","userName":"4c3c0a2e-cd31-4234-8fa8-3af4e0270934"}`,
			`{"firstName":"[REDACTED:person_name]","name":"[REDACTED:person_name]","userName":"4c3c0a2e-cd31-4234-8fa8-3af4e0270934"}`},
		{"non-person names", `{"bucket":{"name":"my-bucket"},"headers":[{"name":"From","value":"x"}]}`,
			`{"bucket":{"name":"my-bucket"},"headers":[{"name":"From","value":"x"}]}`},
		{"structured address", `{"address":{"line1":"2613 Maple Drive","line2":null,"city":"Miami"},"dob":"1987-10-02"}`,
			`{"address":{"line1":"[REDACTED:street_address]","line2":null,"city":"Miami"},"dob":"[REDACTED:date_of_birth]"}`},
		{"dynamodb wrappers", `{"name":{"S":"Jane Doe"},"pin":{"N":"1234"},"sk":{"S":"PROFILE"}}`,
			`{"name":{"S":"[REDACTED:person_name]"},"pin":{"N":"[REDACTED:secret]"},"sk":{"S":"PROFILE"}}`},
		{"name value pairs", `{"environment-variables":[{"name":"STAGE","value":"prod"},{"name":"API_TOKEN","value":"s3cr3t"}]}`,
			`{"environment-variables":[{"name":"STAGE","value":"prod"},{"name":"API_TOKEN","value":"[REDACTED:secret]"}]}`},
		{"escaped name re-escaped", `{"body":"{\"fullName\":\"Ren\u00e9e \\\"Q\\\" Roy\",\"id\":\"a\\u0026b\"}"}`,
			`{"body":"{\"fullName\":\"[REDACTED:person_name]\",\"id\":\"a\\u0026b\"}"}`},
		{"sns in sqs", `{"Records":[{"body":"{\"Type\" : \"Notification\", \"Message\" : \"{\\\"password\\\":\\\"p4ss\\\",\\\"n\\\":1}\"}"}]}`,
			`{"Records":[{"body":"{\"Type\" : \"Notification\", \"Message\" : \"{\\\"password\\\":\\\"[REDACTED:secret]\\\",\\\"n\\\":1}\"}"}]}`},
		{"url encoded", `{"rawQueryString":"name=Jane+Doe&password=p%40ss%21&page=2"}`,
			`{"rawQueryString":"name=[REDACTED:person_name]&password=[REDACTED:secret]&page=2"}`},
		{"clean", `{"a":[1,2.5e3,-0,true,false,null,"x"],"b":{}}`, `{"a":[1,2.5e3,-0,true,false,null,"x"],"b":{}}`},
		{"white space", " \n{ \"password\" : \"x1\" }\t", " \n{ \"password\" : \"[REDACTED:secret]\" }\t"},
		{"invalid json falls back to text", `{"password":"x1", oops}`, `{"password":"[REDACTED:secret]", oops}`},
	}
	r := newDefault(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := r.String(tt.in)
			if got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

func TestRedactJSONBase64Body(t *testing.T) {
	r := newDefault(t)
	body := base64.StdEncoding.EncodeToString([]byte(`{"password":"p4ss","firstName":"Jane"}`))
	for _, in := range []string{
		`{"body":"` + body + `","isBase64Encoded":true}`, // the flag after the body
		`{"isBase64Encoded":true,"headers":{"a":"b"},"body":"` + body + `"}`,
	} {
		got, fs := r.String(in)
		var ev struct{ Body string }
		if err := json.Unmarshal([]byte(got), &ev); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		dec, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(dec) != `{"password":"[REDACTED:secret]","firstName":"[REDACTED:person_name]"}` {
			t.Errorf("decoded body %s", dec)
		}
		at := strings.Index(in, body)
		if len(fs) != 2 || fs[0].Start != at-1 || fs[0].End != at+len(body)+1 {
			t.Errorf("findings %v, want two on the body token [%d,%d)", fs, at-1, at+len(body)+1)
		}
	}
	// Without the flag the body is text.
	in := `{"body":"` + body + `","isBase64Encoded":false}`
	if got, _ := r.String(in); got != in {
		t.Errorf("got %s", got)
	}
}

func TestRedactJSONFindings(t *testing.T) {
	r := newDefault(t)
	in := `{"password":"abc","body":"{\"pin\":1234}"}`
	_, fs := r.String(in)
	want := Findings{
		{Type: "secret", Start: 13, End: 16},          // the content of "abc"
		{Type: "secret", Start: 25, End: len(in) - 1}, // the whole body token
	}
	if len(fs) != len(want) || fs[0] != want[0] || fs[1] != want[1] {
		t.Errorf("findings %v, want %v", fs, want)
	}
}

func TestRedactJSONOperators(t *testing.T) {
	r, err := New(Config{Operators: map[string]Operator{"*": Remove}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.String(`{"password":"x1","pin":1234,"cvv":[1]}`)
	if want := `{"password":"","pin":null,"cvv":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRedactJSONSensitiveKeys(t *testing.T) {
	r, err := New(Config{SensitiveKeys: []string{"internal-ref"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.String(`{"InternalRef":77,"x":"internal_ref=abc"}`)
	if want := `{"InternalRef":"[REDACTED:secret]","x":"internal_ref=[REDACTED:secret]"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRedactJSONDeep(t *testing.T) {
	r := newDefault(t)
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if got, _ := r.String(deep); got != deep {
		t.Error("a deep document changed")
	}
	in := strings.Repeat(`{"a":`, 500) + `{"password":"x1"}` + strings.Repeat("}", 500)
	got, _ := r.String(in)
	if !json.Valid([]byte(got)) || strings.Contains(got, "x1") {
		t.Errorf("nested: %s", got[2400:])
	}
}

func TestRedactJSONCleanNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	r := newDefault(t)
	in := []byte(`{"requestId":"4c3c0a2e-cd31-4234-8fa8-3af4e0270934","n":[1,2,3],"ok":true,"msg":"nothing here"}`)
	r.Bytes(in)
	if n := testing.AllocsPerRun(100, func() { r.Bytes(in) }); n != 0 {
		t.Errorf("a clean document costs %v allocations", n)
	}
}

func TestStringSpecial(t *testing.T) {
	// The first special byte of a word is exact, wherever the others are.
	first := func(b []byte, special func(byte) bool) int {
		for i, c := range b {
			if special(c) {
				return i
			}
		}
		return 8
	}
	isSpecial := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	isBackslash := func(c byte) bool { return c == '\\' }
	rng := rand.New(rand.NewSource(1))
	const alphabet = "a\"\\\x00\x1f\x20\x21\x5b\x5d\x7f\x80\xff"
	var b [8]byte
	for n := 0; n < 200000; n++ {
		for k := range b {
			b[k] = alphabet[rng.Intn(len(alphabet))]
		}
		if n < 256*8 { // every byte value at every position, among plain bytes
			b = [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
			b[n%8] = byte(n / 8)
		}
		x := binary.LittleEndian.Uint64(b[:])
		if got, want := bits.TrailingZeros64(stringSpecial(x))>>3, first(b[:], isSpecial); got != want {
			t.Fatalf("stringSpecial(%q): first special byte at %d, want %d", b, got, want)
		}
		if got, want := bits.TrailingZeros64(backslashes(x))>>3, first(b[:], isBackslash); got != want {
			t.Fatalf("backslashes(%q): first backslash at %d, want %d", b, got, want)
		}
	}
}

// TestEscapeRoundTrip checks appendEscaped and appendUnescaped against
// encoding/json on texts of every length around the eight-byte steps.
func TestEscapeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	const alphabet = "ab \"\\/\n\t\x01\x1fé€😀<>&"
	for n := 0; n < 20000; n++ {
		var v []byte
		for len(v) < n%40+n%7*n%23 { // up to 171: several words
			v = append(v, alphabet[rng.Intn(len(alphabet))])
		}
		v = []byte(strings.ToValidUTF8(string(v), "?"))
		pre := append(make([]byte, 0, 3+n%9), "pre"...) // what dst holds stays, with room or without
		esc := appendEscaped(pre, v)
		if string(esc[:3]) != "pre" {
			t.Fatalf("appendEscaped(%q) lost its destination: %q", v, esc)
		}
		esc = esc[3:]
		var viaJSON string
		if err := json.Unmarshal([]byte(`"`+string(esc)+`"`), &viaJSON); err != nil || viaJSON != string(v) {
			t.Fatalf("appendEscaped(%q) = %q: encoding/json reads %q, %v", v, esc, viaJSON, err)
		}
		std, _ := json.Marshal(string(v))
		if got := appendUnescaped(make([]byte, 0, n%13), std[1:len(std)-1]); string(got) != string(v) {
			t.Fatalf("appendUnescaped(%s) = %q, want %q", std, got, v)
		}
		if end, _, ok := scanString(std, 0); !ok || end != len(std) {
			t.Fatalf("scanString(%s) = %d, %v; want %d, true", std, end, ok, len(std))
		}
	}
}

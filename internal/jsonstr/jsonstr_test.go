package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "tab\tnl\ncr\r\x00\x1f", "Renée 😀", "bad \xff utf8", "<&>\u2028"} {
		out := Append([]byte("x"), s)
		if out[0] != 'x' {
			t.Fatalf("Append(%q) overwrote its destination", s)
		}
		var got string
		if err := json.Unmarshal(out[1:], &got); err != nil {
			t.Fatalf("Append(%q) = %s: not a JSON string: %v", s, out[1:], err)
		}
		if want := valid(s); got != want {
			t.Errorf("Append(%q) decodes to %q, want %q", s, got, want)
		}
	}
}

// valid is s with each byte of invalid UTF-8 replaced by U+FFFD, as
// encoding/json decodes it.
func valid(s string) string {
	var b strings.Builder
	for _, r := range s { // ranging over a string yields U+FFFD per bad byte
		b.WriteRune(r)
	}
	return b.String()
}

func FuzzAppend(f *testing.F) {
	f.Add("a\"b\\c\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var got string
		if err := json.Unmarshal(Append(nil, s), &got); err != nil || got != valid(s) {
			t.Fatalf("Append(%q): got %q, %v", s, got, err)
		}
	})
}

func TestMembers(t *testing.T) {
	ms, err := Members([]byte(`{"b": 1, "a": {"x": [true]}, "b": "dup"}`))
	if err != nil || len(ms) != 3 || ms[0].Key != "b" || string(ms[1].Raw) != `{"x": [true]}` || string(ms[2].Raw) != `"dup"` {
		t.Fatalf("got %v, %v", ms, err)
	}
	if _, err := Members([]byte(`[1]`)); err != ErrNotObject {
		t.Errorf("array: got %v, want ErrNotObject", err)
	}
	if _, err := Members([]byte(`{"a":`)); err == nil {
		t.Error("truncated object: no error")
	}
}

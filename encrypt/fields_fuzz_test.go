package encrypt

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseFieldPath feeds arbitrary paths to the path parser and to the
// selection: neither may panic, and every concrete path of a selected value
// must parse and select that value again.
func FuzzParseFieldPath(f *testing.F) {
	for _, p := range []string{"$", "a", "$.a.b", "users[*].email", "$.*[0]", `$['a.b']["c"]`, `$['it\'s']`, "a[01]", "a[", "名前", "$x"} {
		f.Add(p)
	}
	doc := []byte(`{"a":{"b":[1,{"c":"d"}],"a.b":{"c":2}},"users":[{"email":"e"}],"*":[[0]],"it's":{"x\\y":null}}`)
	f.Fuzz(func(t *testing.T, p string) {
		segs, err := parseFieldPath(p)
		if err != nil {
			if segs != nil {
				t.Fatalf("segments with an error: %v", segs)
			}
			return
		}
		spans, err := selectFields(doc, []string{p})
		if err != nil {
			t.Fatalf("valid path %q: %v", p, err)
		}
		for _, s := range spans {
			again, err := selectFields(doc, []string{s.path})
			if err != nil || len(again) != 1 || again[0].start != s.start || again[0].end != s.end {
				t.Fatalf("concrete path %q of %q selects %v, %v", s.path, p, again, err)
			}
		}
	})
}

// FuzzDecryptFields feeds arbitrary documents and paths to DecryptFields (no
// panic; all or nothing) and to EncryptFields, whose output must be JSON and
// decrypt back to the document, byte for byte.
func FuzzDecryptFields(f *testing.F) {
	e := newTestEncryptor(f, WithFrameLength(16))
	plain := []byte(`{"a":"secret","b":[1,2.5e3,{"c":null}],"d":true}`)
	enc, err := e.EncryptFields(ctxBG, plain, []string{"a", "b[*]", "d"}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc, "a")
	f.Add(enc, "b[*]")
	f.Add(plain, "*")
	f.Add([]byte(`["AgR4", "x"]`), "[*]")
	f.Add([]byte(`{"a":"AgR4"}`), "$.a")
	f.Add([]byte(` "x" `), "$")
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		paths := []string{path}
		out, err := e.DecryptFields(ctxBG, doc, paths, nil)
		if (err == nil) == (out == nil) {
			t.Fatalf("DecryptFields: output %q with error %v", out, err)
		}
		if err == nil && !json.Valid(out) {
			t.Fatalf("DecryptFields output is not JSON: %q", out)
		}
		enc, err := e.EncryptFields(ctxBG, doc, paths, nil)
		if err != nil {
			return
		}
		if !json.Valid(enc) {
			t.Fatalf("EncryptFields output is not JSON: %q", enc)
		}
		dec, err := e.DecryptFields(ctxBG, enc, paths, nil)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if !bytes.Equal(dec, doc) && !stringsReencoded(doc, dec) {
			t.Fatalf("round trip gives %q, want %q", dec, doc)
		}
	})
}

// stringsReencoded reports whether a and b are the same JSON value: a
// decrypted string comes back in the canonical escaping of its value, not in
// the escaping it had.
func stringsReencoded(a, b []byte) bool {
	var va, vb any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

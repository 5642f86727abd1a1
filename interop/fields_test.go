package interop

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"testing"

	"github.com/lambda-compliance/compliance/encrypt"
)

// fieldDoc is a small event with two sensitive fields: a string and a number.
const fieldDoc = `{"orderId":"4711","user":{"email":"zoë.martin@example.com","name":"Zoë"},"amount":42.5}`

var fieldPaths = []string{"$.user.email", "$.amount"}

// TestFields checks the field-level shape that Powertools for AWS Lambda
// (TypeScript) reads and writes: a field's value is a JSON string, the
// standard base64 of a complete message whose plaintext is the string's
// value (a number's JSON text), which the oracles decrypt; and a document
// whose field holds the base64 of a message of the ESDK for JavaScript
// decrypts with DecryptFields.
func TestFields(t *testing.T) {
	ctx := context.Background()
	js, jsMissing := startJS(t)
	gor := newGoOracle(t, namespace, keyName, key[:])
	for _, plain := range []bool{true, false} {
		name, opts := "bound-context", []encrypt.Option{encrypt.WithKeyring(rawKeyring(t, keyName, key[:]))}
		if plain {
			name, opts = "plain-context", append(opts, encrypt.WithPlainFieldContext())
		}
		t.Run(name, func(t *testing.T) {
			e, err := encrypt.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.EncryptFields(ctx, []byte(fieldDoc), fieldPaths, nonASCII)
			if err != nil {
				t.Fatalf("EncryptFields: %v", err)
			}
			var doc struct {
				User   struct{ Email any }
				Amount any
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("EncryptFields wrote invalid JSON: %v", err)
			}
			fields := []struct {
				path      string
				text      string // the value's JSON text in fieldDoc
				plaintext string
				value     any
				extra     map[string]string // context beyond nonASCII
			}{
				{"$.user.email", `"zoë.martin@example.com"`, "zoë.martin@example.com", doc.User.Email, map[string]string{}},
				{"$.amount", "42.5", "42.5", doc.Amount, map[string]string{encrypt.FieldJSONContextKey: "1"}},
			}
			var reqs []jsRequest
			for i, f := range fields {
				if !plain {
					fields[i].extra[encrypt.FieldPathContextKey] = f.path
				}
				s, ok := f.value.(string)
				if !ok {
					t.Fatalf("%s is %T after EncryptFields, want a string", f.path, f.value)
				}
				msg, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					t.Fatalf("%s is not standard base64: %v", f.path, err)
				}
				c := tcase{suite: encrypt.SuiteCommit, pt: []byte(f.plaintext), ec: maps.Clone(nonASCII)}
				maps.Copy(c.ec, fields[i].extra)
				pt, ec, err := gor.decrypt(msg)
				checkOpened(t, f.path+": ours→esdk-go", c, pt, ec, err)
				reqs = append(reqs, jsRequest{Op: "decrypt", Key: key[:], Namespace: namespace, Name: keyName, Data: msg})
				reqs = append(reqs, jsRequest{Op: "encrypt", Key: key[:], Namespace: namespace, Name: keyName,
					Suite: uint16(encrypt.SuiteCommit), FrameLength: 4096, Context: c.ec, Data: c.pt})
			}
			back, err := e.DecryptFields(ctx, out, fieldPaths, nonASCII)
			if err != nil || !bytes.Equal(back, []byte(fieldDoc)) {
				t.Errorf("DecryptFields(EncryptFields(doc)) = %s, %v; want the document back", back, err)
			}
			if js == nil {
				return
			}
			res := js.do(t, reqs)
			jsDoc := []byte(fieldDoc)
			for i, f := range fields {
				c := tcase{suite: encrypt.SuiteCommit, pt: []byte(f.plaintext), ec: reqs[2*i+1].Context}
				r := res[2*i]
				checkOpened(t, f.path+": ours→esdk-js", c, r.Data, r.Context, r.err())
				if err := res[2*i+1].err(); err != nil {
					t.Fatal(err)
				}
				// The document as Powertools TypeScript would write it: the
				// field replaced by the base64 of the oracle's message.
				b64 := `"` + base64.StdEncoding.EncodeToString(res[2*i+1].Data) + `"`
				jsDoc = bytes.Replace(jsDoc, []byte(f.text), []byte(b64), 1)
			}
			back, err = e.DecryptFields(ctx, jsDoc, fieldPaths, nonASCII)
			if err != nil || !bytes.Equal(back, []byte(fieldDoc)) {
				t.Errorf("DecryptFields of esdk-js's fields = %s, %v; want %s", back, err, fieldDoc)
			}
		})
	}
	if js == nil {
		t.Skip(jsMissing)
	}
}

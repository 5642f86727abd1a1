package encrypt

import (
	"bytes"
	"context"
	"encoding/base64"
	"maps"
	"slices"
	"unsafe"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
	"github.com/lambda-compliance/compliance/internal/jsonstr"
)

// The encryption context keys EncryptFields adds to the caller's context.
// Callers may not set them themselves.
const (
	// FieldPathContextKey binds a field's message to the concrete path of the
	// field ("$.user.email", "$.users[2].email", "$['a.b']"), unless the
	// Encryptor has [WithPlainFieldContext].
	FieldPathContextKey = "compliance:path"
	// FieldJSONContextKey is set to "1" when the encrypted value was not a
	// JSON string: the plaintext is then the value's JSON text, put back as
	// it was by DecryptFields.
	FieldJSONContextKey = "compliance:json"
)

// FieldError reports a field that EncryptFields or DecryptFields cannot
// handle, or a document that is not JSON (Path is then empty). Path is the
// path as the caller gave it; the error never carries document content, and
// Err (matched with errors.Is and errors.As: [ErrDecrypt], [*ContextError],
// [*KMSError], ...) never carries plaintext.
type FieldError struct {
	Path   string // the caller's path; "" for the document as a whole
	Reason string
	Err    error
}

// Error returns "encrypt: field Path: Reason: Err".
func (e *FieldError) Error() string {
	msg := "encrypt: "
	if e.Path != "" {
		msg += "field " + e.Path + ": "
	}
	msg += e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// EncryptFields returns doc, a JSON document, with the value at each of paths
// replaced by a JSON string: the standard base64 of a message of its own,
// under the encryption context ec (which may be nil) plus the pairs below.
// Outside the replaced values the document is unchanged, byte for byte (key
// order, spacing, numbers). doc itself is not modified.
//
// A path is a chain of steps, optionally after "$": ".key" (or "key" first),
// "['key']" for keys with dots, brackets or quotes (\' and \\ escape in it;
// "[\"key\"]" works too), "[N]" for the element N of an array, and "*" or
// "[*]" for every member of an object or element of an array. Examples:
// "$.user.email", "users[*].email", "$['a.b'].c", "$.cards[0]". A path that
// selects nothing is not an error: the document has no such field. Where an
// object repeats a key, every occurrence is encrypted. Where paths select
// values nested in each other, the outermost is encrypted, once.
//
// Any JSON value may be selected. The plaintext of a string is its value in
// UTF-8, without quotes (what Powertools for AWS Lambda TypeScript
// encrypts); that of a number, boolean, null, object or array is its JSON
// text, and the context gets [FieldJSONContextKey]="1" so that DecryptFields
// restores the type. Unless the Encryptor has [WithPlainFieldContext], the
// context also binds the field's concrete path ([FieldPathContextKey]), so
// a value moved to another field, or another element of an array, does not
// decrypt there. Each distinct context is a distinct entry of a data key
// cache ([WithCache]): for arrays of many encrypted elements, size
// CacheConfig.Capacity accordingly.
//
// On any error (an invalid path or document: a [*FieldError]) nothing is
// returned.
func (e *Encryptor) EncryptFields(ctx context.Context, doc []byte, paths []string, ec map[string]string) ([]byte, error) {
	if err := checkFieldContext(ec); err != nil {
		return nil, err
	}
	spans, err := selectFields(doc, paths)
	if err != nil {
		return nil, err
	}
	if len(spans) == 0 {
		return bytes.Clone(doc), nil
	}
	// A message of a small field is about 540 bytes of base64; append grows
	// the rest.
	out := make([]byte, 0, len(doc)+min(len(spans), 64)*600)
	var scratch, msg []byte
	prev := 0
	for _, s := range spans {
		v := doc[s.start:s.end]
		fec := ec
		isString := v[0] == '"'
		if !e.cfg.plainFieldContext || !isString {
			fec = make(map[string]string, len(ec)+2)
			maps.Copy(fec, ec)
			if !e.cfg.plainFieldContext {
				fec[FieldPathContextKey] = s.path
			}
		}
		pt := v
		if isString {
			scratch, _ = jsonscan.AppendUnquote(scratch[:0], v)
			pt = scratch
		} else {
			fec[FieldJSONContextKey] = "1"
		}
		msg, err = e.AppendEncrypt(ctx, msg[:0], pt, fec)
		if err != nil {
			clear(scratch[:cap(scratch)])
			return nil, &FieldError{Path: paths[s.pattern], Reason: "cannot encrypt", Err: err}
		}
		out = append(out, doc[prev:s.start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, msg)
		out = append(out, '"')
		prev = s.end
	}
	clear(scratch[:cap(scratch)])
	return append(out, doc[prev:]...), nil
}

// DecryptFields reverses EncryptFields: it returns doc with the value at each
// of paths, a string that EncryptFields wrote, replaced by the value it
// encrypted, of its original type. Every pair of required must be in each
// field's encryption context; unless the Encryptor has
// [WithPlainFieldContext], so must the field's concrete path (a message that
// was moved from another field fails with a [*ContextError]).
//
// Paths are those of EncryptFields; one that selects nothing is not an
// error. A selected value that is not a string holding the base64 of a
// message is a [*FieldError]. DecryptFields succeeds or fails as a whole: on
// any error, nothing of any plaintext is returned, and the error names the
// path, never the content.
func (e *Encryptor) DecryptFields(ctx context.Context, doc []byte, paths []string, required map[string]string) ([]byte, error) {
	if err := checkFieldContext(required); err != nil {
		return nil, err
	}
	spans, err := selectFields(doc, paths)
	if err != nil {
		return nil, err
	}
	if len(spans) == 0 {
		return bytes.Clone(doc), nil
	}
	out := make([]byte, 0, len(doc))
	fail := func(s fieldSpan, reason string, err error) ([]byte, error) {
		clear(out[:cap(out)])
		return nil, &FieldError{Path: paths[s.pattern], Reason: reason, Err: err}
	}
	var b64, msg []byte
	prev := 0
	for _, s := range spans {
		v := doc[s.start:s.end]
		if v[0] != '"' {
			return fail(s, "not an encrypted field: not a string", nil)
		}
		b64, _ = jsonscan.AppendUnquote(b64[:0], v)
		msg, err = base64.StdEncoding.Strict().AppendDecode(msg[:0], b64)
		if err != nil || len(msg) == 0 {
			return fail(s, "not an encrypted field: not the base64 of a message", nil)
		}
		req := required
		if !e.cfg.plainFieldContext {
			req = make(map[string]string, len(required)+1)
			maps.Copy(req, required)
			req[FieldPathContextKey] = s.path
		}
		pt, mec, err := e.Decrypt(ctx, msg, req)
		if err != nil {
			return fail(s, "cannot decrypt", err)
		}
		// Worst case: every byte escaped as \u00XX, and the quotes.
		out = growClearing(out, s.start-prev+6*len(pt)+2)
		out = append(out, doc[prev:s.start]...)
		switch mec[FieldJSONContextKey] {
		case "":
			if len(pt) > 0 {
				// No copy of the plaintext: pt is cleared below.
				out = jsonstr.Append(out, unsafe.String(&pt[0], len(pt)))
			} else {
				out = append(out, `""`...)
			}
		case "1":
			if jsonscan.Validate(pt) != nil {
				clear(pt)
				return fail(s, "the decrypted value is not JSON", nil)
			}
			out = append(out, pt...)
		default:
			clear(pt)
			return fail(s, "unknown value of encryption context key "+FieldJSONContextKey, nil)
		}
		clear(pt)
		prev = s.end
	}
	out = growClearing(out, len(doc)-prev)
	return append(out, doc[prev:]...), nil
}

// growClearing makes room for n more bytes in out, which holds decrypted
// plaintext: the array it leaves behind is cleared, not left to the GC.
func growClearing(out []byte, n int) []byte {
	if cap(out)-len(out) >= n {
		return out
	}
	bigger := make([]byte, len(out), 2*cap(out)+n)
	copy(bigger, out)
	clear(out[:cap(out)])
	return bigger
}

// checkFieldContext refuses a caller's context that sets the keys
// EncryptFields sets.
func checkFieldContext(ec map[string]string) error {
	for _, k := range [...]string{FieldPathContextKey, FieldJSONContextKey} {
		if _, ok := ec[k]; ok {
			return &ContextError{Key: k, Reason: "reserved for field encryption"}
		}
	}
	return nil
}

// fieldSpan is one value selected in a document.
type fieldSpan struct {
	start, end int    // byte offsets of the value in the document
	path       string // its concrete path
	pattern    int    // the index of the caller's path that selected it
}

// selectFields validates doc and returns the values that paths select, in
// document order, without duplicates or values nested in others.
func selectFields(doc []byte, paths []string) ([]fieldSpan, error) {
	if err := jsonscan.Validate(doc); err != nil {
		return nil, &FieldError{Reason: "the document is not valid JSON", Err: err}
	}
	var spans []fieldSpan
	top := jsonscan.TrimSpace(doc)
	buf := make([]byte, 1, 64)
	buf[0] = '$'
	for i, p := range paths {
		segs, err := parseFieldPath(p)
		if err != nil {
			return nil, &FieldError{Path: p, Reason: "invalid path: " + err.Error()}
		}
		w := walker{doc: doc, pattern: i, spans: spans}
		w.walk(top, segs, buf)
		spans = w.spans
	}
	if len(spans) < 2 {
		return spans, nil
	}
	slices.SortFunc(spans, func(a, b fieldSpan) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	kept := spans[:1]
	for _, s := range spans[1:] {
		if s.start >= kept[len(kept)-1].end {
			kept = append(kept, s)
		}
	}
	return kept, nil
}

// walker collects the values a parsed path selects.
type walker struct {
	doc     []byte
	pattern int
	spans   []fieldSpan
}

// walk follows segs from v, a value of w.doc at the concrete path path.
func (w *walker) walk(v []byte, segs []segment, path []byte) {
	if len(segs) == 0 {
		start := cap(w.doc) - cap(v) // v is a slice of w.doc
		w.spans = append(w.spans, fieldSpan{start: start, end: start + len(v), path: string(path), pattern: w.pattern})
		return
	}
	s, rest := segs[0], segs[1:]
	switch v[0] {
	case '{':
		if s.kind == segIndex {
			return
		}
		for it := jsonscan.NewObjectIter(v); it.Next(); {
			k := it.Key()
			if s.kind == segKey && string(k) != s.key {
				continue
			}
			w.walk(it.Value(), rest, appendPathKey(path, k))
		}
	case '[':
		if s.kind == segKey {
			return
		}
		i := 0
		for it := jsonscan.NewArrayIter(v); it.Next(); i++ {
			if s.kind == segIndex && i != s.index {
				continue
			}
			w.walk(it.Value(), rest, appendPathIndex(path, i))
			if s.kind == segIndex {
				return
			}
		}
	}
}

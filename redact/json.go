package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"
)

// The JSON walk: one pass over the raw bytes of a document that copies what
// it does not change in bulk, classifies each member's key, and sees through
// the layers a string can hold (JSON, URL encoding, base64 bodies).

// maxDepth is the nesting the walk accepts, as encoding/json does.
const maxDepth = 10000

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

var findingsPool = sync.Pool{New: func() any { return new(Findings) }}

func getBuf() *[]byte  { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) { *b = (*b)[:0]; bufPool.Put(b) }

func isJSONSpace(c byte) bool { return c <= ' ' && jsonSpaces>>c&1 != 0 }

// jsonSpaces has the bits of the four bytes of JSON white space set.
const jsonSpaces = 1<<' ' | 1<<'\t' | 1<<'\n' | 1<<'\r'

// jsonDocument reports whether s is a JSON object or array (after white
// space), and returns it trimmed. Only the first and last bytes are looked
// at: the walk finds out whether it is valid.
func jsonDocument(s []byte) ([]byte, bool) {
	if len(s) < 2 {
		return nil, false
	}
	if first, last := s[0], s[len(s)-1]; first > ' ' && last > ' ' { // nothing to trim, the common case
		if first == '{' && last == '}' || first == '[' && last == ']' {
			return s, true
		}
		return nil, false
	}
	i, j := 0, len(s)
	for i < j && isJSONSpace(s[i]) {
		i++
	}
	for j > i && isJSONSpace(s[j-1]) {
		j--
	}
	if j-i < 2 {
		return nil, false
	}
	if s[i] == '{' && s[j-1] == '}' || s[i] == '[' && s[j-1] == ']' {
		return s[i:j], true
	}
	return nil, false
}

// redactJSON appends the redaction of the JSON document doc (s trimmed).
// When doc is not valid JSON, s is redacted as text.
func (r *Redactor) redactJSON(dst, s, doc []byte, fs *Findings, base int) ([]byte, bool) {
	out, changed, ok := r.walkDoc(dst, s, keyNone, 0, fs, base)
	if !ok {
		return r.redactText(dst, s, keyNone, fs, base)
	}
	return out, changed
}

// walkDoc walks the JSON text s (one value, white space around it) that sits
// under a key of class kc. It reports whether s was valid JSON; when it was
// not, dst and fs are as given.
func (r *Redactor) walkDoc(dst, s []byte, kc keyClass, ctx uint8, fs *Findings, base int) ([]byte, bool, bool) {
	n0, f0 := len(dst), len(*fs)
	w := walker{r: r, s: s, base: base, out: dst}
	i := w.ws(0)
	i, ok := w.value(i, kc, ctx, fs)
	if ok {
		i = w.ws(i)
		ok = i == len(s)
	}
	if w.m != nil {
		matchPool.Put(w.m)
	}
	if !ok {
		*fs = (*fs)[:f0]
		return dst[:n0], false, false
	}
	if !w.changed {
		return dst[:n0], false, true
	}
	w.out = append(w.out, s[w.last:]...)
	return w.out, true, true
}

type walker struct {
	r       *Redactor
	s       []byte
	base    int
	out     []byte
	last    int // s[last:] is not yet in out
	changed bool
	depth   int
	b64     uint8     // whether the document mentions isBase64Encoded: 0 not known yet, b64Yes, b64No
	m       *matchSet // from the pool, for the strings' matches
}

const (
	b64Yes = 1 + iota
	b64No
)

// mentionsBase64 reports whether the document mentions isBase64Encoded.
func (w *walker) mentionsBase64() bool {
	if w.b64 == 0 {
		w.b64 = b64No
		if indexAnchored(w.s, "isBase64Encoded", 2) >= 0 { // on the rare 'B'
			w.b64 = b64Yes
		}
	}
	return w.b64 == b64Yes
}

func (w *walker) ws(i int) int {
	for i < len(w.s) && isJSONSpace(w.s[i]) {
		i++
	}
	return i
}

// copyTo appends s[last:i] to out, making room for the rest of the
// document (and some growth) at the first change.
func (w *walker) copyTo(i int) {
	if !w.changed {
		w.out = slices.Grow(w.out, len(w.s)-w.last+len(w.s)/16+64)
	}
	w.out = append(w.out, w.s[w.last:i]...)
}

// put replaces s[start:end] with b.
func (w *walker) put(start, end int, b []byte) {
	w.copyTo(start)
	w.out = append(w.out, b...)
	w.last = end
	w.changed = true
}

// value walks the value at s[i] under a key of class kc.
func (w *walker) value(i int, kc keyClass, ctx uint8, fs *Findings) (int, bool) {
	if i >= len(w.s) {
		return i, false
	}
	switch c := w.s[i]; {
	case c == '{':
		return w.object(i, kc, ctx, fs)
	case c == '[':
		if kc == keySecret {
			end, ok := skipValue(w.s, i, 0)
			if ok {
				w.replaceToken(i, end, TypeSecret, fs)
			}
			return end, ok
		}
		return w.array(i, kc, ctx, fs)
	case c == '"':
		end, esc, ok := scanString(w.s, i)
		if !ok {
			return end, false
		}
		w.stringToken(i, end, esc, kc, ctx, false, fs)
		return end, true
	case c == '-' || isDigitByte(c):
		end, ok := scanNumber(w.s, i)
		if !ok {
			return end, false
		}
		if t, ok := numberType(kc, w.s[i:end]); ok {
			w.replaceToken(i, end, t, fs)
		}
		return end, true
	default:
		var n int // the literal's length
		switch rest := w.s[i:]; {
		case len(rest) >= 4 && string(rest[:4]) == "true", len(rest) >= 4 && string(rest[:4]) == "null":
			n = 4
		case len(rest) >= 5 && string(rest[:5]) == "false":
			n = 5
		default:
			return i, false
		}
		if kc == keySecret && c != 'n' {
			w.replaceToken(i, i+n, TypeSecret, fs)
		}
		return i + n, true
	}
}

// numberType says whether a JSON number under kc is redacted, and as what.
func numberType(kc keyClass, num []byte) (Type, bool) {
	digits := 0
	for _, c := range num {
		if isDigitByte(c) {
			digits++
		}
	}
	switch kc {
	case keySecret:
		return TypeSecret, true
	case keySSN:
		return TypeSSN, digits >= 6
	case keyPhone:
		return TypePhone, digits >= 6
	case keyCard:
		return TypeCreditCard, digits >= 12
	case keyDOB:
		return TypeDateOfBirth, digits >= 6
	}
	return 0, false
}

// replaceToken replaces the non-string token s[start:end] with a JSON string
// holding the marker (null for Remove).
func (w *walker) replaceToken(start, end int, t Type, fs *Findings) {
	v := w.s[start:end]
	if w.r.allow[string(v)] {
		return
	}
	*fs = append(*fs, Finding{Type: w.r.typeName(t), Start: w.base + start, End: w.base + end})
	if w.r.ops[t] == Remove {
		w.put(start, end, []byte("null"))
		return
	}
	b := getBuf()
	rep := w.r.replace(*b, t, v)
	w.copyTo(start)
	w.out = append(w.out, '"')
	w.out = appendEscaped(w.out, rep)
	w.out = append(w.out, '"')
	w.last, w.changed = end, true
	*b = rep
	putBuf(b)
}

func (w *walker) enter() bool {
	w.depth++
	return w.depth <= maxDepth
}

func (w *walker) array(i int, kc keyClass, ctx uint8, fs *Findings) (int, bool) {
	if !w.enter() {
		return i, false
	}
	i, ok := w.elements(i, kc, ctx, fs)
	w.depth--
	return i, ok
}

// elements walks the elements of the array at s[i].
func (w *walker) elements(i int, kc keyClass, ctx uint8, fs *Findings) (int, bool) {
	i = w.ws(i + 1)
	if i < len(w.s) && w.s[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = w.value(i, kc, ctx, fs); !ok {
			return i, false
		}
		i = w.ws(i)
		if i >= len(w.s) {
			return i, false
		}
		switch w.s[i] {
		case ',':
			i = w.ws(i + 1)
		case ']':
			return i + 1, true
		default:
			return i, false
		}
	}
}

func (w *walker) object(i int, kc keyClass, ctx uint8, fs *Findings) (int, bool) {
	if !w.enter() {
		return i, false
	}
	i, ok := w.members(i, kc, ctx, fs)
	w.depth--
	return i, ok
}

// members walks the members of the object at s[i].
func (w *walker) members(i int, kc keyClass, ctx uint8, fs *Findings) (int, bool) {
	var kb [maxKeyLen]byte // an escaped key, unescaped
	secretName := false
	b64True := false    // a member "isBase64Encoded": true was seen
	b64Scanned := false // the members after a body were scanned for it
	i = w.ws(i + 1)
	if i < len(w.s) && w.s[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(w.s) || w.s[i] != '"' {
			return i, false
		}
		kend, esc, ok := scanString(w.s, i)
		if !ok {
			return kend, false
		}
		key := w.s[i+1 : kend-1]
		if esc {
			key = appendUnescaped(kb[:0], key)
		}
		ckc, nonPerson := w.r.keys.lookup(key, w.r.sensitiveKeys, ctx)
		var cctx uint8
		if ckc == keyNone && kc != keyNone && isWrapperKey(key) {
			ckc, cctx = kc, ctx
		}
		if ckc == keyNone && kc == keySecret {
			ckc = keySecret // {"password": {"v": ...}}: what a sensitive key holds is
		}
		switch ckc {
		case keyAddress:
			cctx |= ctxAddress
		case keyName:
			cctx |= ctxName
		}
		i = w.ws(kend)
		if i >= len(w.s) || w.s[i] != ':' {
			return i, false
		}
		i = w.ws(i + 1)
		if i < len(w.s) && (w.s[i] == '{' || w.s[i] == '[') && nonPerson {
			cctx |= ctxNonPerson
		}
		body := false // a string body of an event
		switch string(key) {
		case "value", "Value":
			if secretName {
				ckc = keySecret
			}
		case "name", "Name", "key", "Key":
			// {"name": "DB_PASSWORD", "value": "..."}: the name says what the value is.
			if i < len(w.s) && w.s[i] == '"' {
				if end, esc, ok := scanString(w.s, i); ok && !esc {
					secretName = w.r.keys.classify(w.s[i+1:end-1], w.r.sensitiveKeys, 0) == keySecret
				}
			}
		case "isBase64Encoded":
			if !esc && bytes.HasPrefix(w.s[i:], []byte("true")) {
				b64True = true
			}
		case "body":
			body = i < len(w.s) && w.s[i] == '"' && w.depth <= 3
		}
		// Events carry isBase64Encoded near their top: looking deeper would
		// cost a scan of each object per level. The object is scanned for it
		// only when it has a string body.
		// The members before the body were walked; those after it are
		// scanned, once per object (a second body has the same answer).
		if body && !b64True && !b64Scanned && w.mentionsBase64() {
			b64True, b64Scanned = base64After(w.s, i), true
		}
		if body && b64True {
			end, esc, ok := scanString(w.s, i)
			if !ok {
				return end, false
			}
			w.stringToken(i, end, esc, ckc, cctx, true, fs)
			i = end
		} else if i, ok = w.value(i, ckc, cctx, fs); !ok {
			return i, false
		}
		i = w.ws(i)
		if i >= len(w.s) {
			return i, false
		}
		switch w.s[i] {
		case ',':
			i = w.ws(i + 1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

// base64After reports whether a member "isBase64Encoded": true follows the
// value at s[i] in its object.
func base64After(s []byte, i int) bool {
	i, ok := skipValue(s, i, 0)
	if !ok {
		return false
	}
	i = jsonSkipWS(s, i)
	if i >= len(s) || s[i] != ',' {
		return false
	}
	return base64Members(s, jsonSkipWS(s, i+1))
}

// base64Members reports whether the members of an object from the one at
// s[i] on hold "isBase64Encoded": true.
func base64Members(s []byte, i int) bool {
	for i < len(s) && s[i] == '"' {
		kend, _, ok := scanString(s, i)
		if !ok {
			return false
		}
		key := s[i+1 : kend-1]
		i = jsonSkipWS(s, kend)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i = jsonSkipWS(s, i+1)
		if string(key) == "isBase64Encoded" && bytes.HasPrefix(s[i:], []byte("true")) {
			return true
		}
		if i, ok = skipValue(s, i, 0); !ok {
			return false
		}
		i = jsonSkipWS(s, i)
		if i >= len(s) || s[i] != ',' {
			return false
		}
		i = jsonSkipWS(s, i+1)
	}
	return false
}

// stringToken redacts the string token s[start:end] under kc.
func (w *walker) stringToken(start, end int, esc bool, kc keyClass, ctx uint8, b64 bool, wfs *Findings) {
	raw := w.s[start+1 : end-1]
	if len(raw) == 0 {
		return
	}
	if !esc && kc == keyNone && !b64 && w.inPlace(start, end, raw, wfs) {
		return
	}
	text := raw
	var tb *[]byte
	if esc {
		tb = getBuf()
		*tb = appendUnescaped(*tb, raw)
		text = *tb
	}
	// Offsets inside a layer are those of the whole token.
	fs, base := wfs, w.base+start+1
	var lf *Findings
	if esc || b64 {
		lf = findingsPool.Get().(*Findings)
		fs, base = lf, 0
	}
	b := getBuf()
	var red []byte
	var changed bool
	if b64 {
		red, changed = w.r.redactBase64(*b, text, fs)
	} else {
		red, changed = w.r.redactValue(*b, text, kc, ctx, fs, base)
	}
	if lf != nil {
		for _, f := range *lf {
			*wfs = append(*wfs, Finding{Type: f.Type, Start: w.base + start, End: w.base + end})
		}
		*lf = (*lf)[:0]
		findingsPool.Put(lf)
	}
	if changed {
		w.copyTo(start + 1)
		w.out = appendEscaped(w.out, red)
		w.last, w.changed = end-1, true
	}
	*b = red
	putBuf(b)
	if tb != nil {
		putBuf(tb)
	}
}

// inPlace redacts the common string token s[start:end], with content raw:
// no escape, no sensitive key, no base64. Unless raw holds a layer (JSON or
// URL encoding), in which case it reports false and does nothing, it
// redacts raw in place: there is no byte to escape, and neither have the
// replacements (markers, masks of its own bytes), so they go straight to
// the output.
func (w *walker) inPlace(start, end int, raw []byte, wfs *Findings) bool {
	if plainValue(raw) {
		return true // nor has a UUID or a timestamp a layer
	}
	if w.m == nil {
		w.m = matchPool.Get().(*matchSet)
	}
	m := w.m
	m.reset(keyNone, w.r.sensitiveKeys, w.r.keepPrivateIPs)
	if sum := m.summary(raw); layerMayStart(raw[0], sum) && mayHoldLayer(raw, sum) {
		return false
	}
	w.r.findRest(m, raw)
	if len(m.ms) > 0 {
		n := len(w.out)
		w.copyTo(start + 1)
		var changed bool
		if w.out, changed = w.r.apply(m, w.out, raw, wfs, w.base+start+1); changed {
			w.last, w.changed = end-1, true
		} else {
			w.out = w.out[:n] // every match allowed
		}
	}
	return true
}

// layerMayStart is mayHoldLayer's first test, small enough to be inlined:
// a string whose first byte c is neither a bracket nor white space, and
// with no '%', holds no layer. Most strings leave here.
func layerMayStart(c byte, sum *textSum) bool {
	return c == '{' || c == '[' || c <= ' ' || sum.has(fPercent)
}

// mayHoldLayer reports whether a string's raw content, summarised by sum,
// may be JSON or URL encoded.
func mayHoldLayer(raw []byte, sum *textSum) bool {
	if _, ok := jsonDocument(raw); ok {
		return true
	}
	return sum.has(fPercent) && hasPercentEscape(raw)
}

// redactValue appends the redaction of the (unescaped) string value v under
// a key of class kc.
func (r *Redactor) redactValue(dst, v []byte, kc keyClass, ctx uint8, fs *Findings, base int) ([]byte, bool) {
	switch kc {
	case keySecret:
		if t := bytes.TrimLeft(v, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			if out, changed, ok := r.walkDoc(dst, v, keySecret, ctx, fs, base); ok {
				return out, changed
			}
		}
		return r.replaceWhole(dst, v, TypeSecret, fs, base)
	case keyName, keyAddress, keyDOB:
		if _, ok := jsonDocument(v); ok {
			if out, changed, ok := r.walkDoc(dst, v, kc, ctx, fs, base); ok {
				return out, changed
			}
		}
		if plausible(v, kc) {
			t := TypePersonName
			switch kc {
			case keyAddress:
				t = TypeStreetAddress
			case keyDOB:
				t = TypeDateOfBirth
			}
			return r.replaceWhole(dst, v, t, fs, base)
		}
	}
	if _, ok := jsonDocument(v); ok {
		if out, changed, ok := r.walkDoc(dst, v, keyNone, 0, fs, base); ok {
			return out, changed
		}
	}
	if hasPercentEscape(v) {
		return r.redactURL(dst, v, kc, fs, base)
	}
	return r.redactText(dst, v, kc, fs, base)
}

// replaceWhole appends the replacement of all of v as type t, unless v is
// empty, allowed, or the marker of an earlier redaction.
func (r *Redactor) replaceWhole(dst, v []byte, t Type, fs *Findings, base int) ([]byte, bool) {
	if len(v) == 0 || r.allow[string(v)] || isMarker(v) {
		return dst, false
	}
	*fs = append(*fs, Finding{Type: r.typeName(t), Start: base, End: base + len(v)})
	return r.replace(dst, t, v), true
}

// plausible reports whether v can be a name, address or date of birth: not
// empty, not a number, a boolean, a UUID or a marker.
func plausible(v []byte, kc keyClass) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return false
	}
	switch string(v) {
	case "true", "false", "null", "True", "False", "None", "nil", "<nil>":
		return false
	}
	if v[0] == '[' && v[len(v)-1] == ']' || containsMarker(v) {
		return false // a marker
	}
	letters, digits := 0, 0
	for _, c := range v {
		switch {
		case isDigitByte(c):
			digits++
		case isLowerByte(c) || isUpperByte(c):
			letters++
		}
	}
	if isUUID(v) {
		return false
	}
	switch kc {
	case keyDOB:
		return digits > 0
	case keyName:
		// DB_PASSWORD, order_total: identifiers, not people
		return letters > 0 && bytes.IndexByte(v, '_') < 0
	}
	return letters > 0
}

func isUUID(v []byte) bool {
	if len(v) != 36 || v[8] != '-' || v[13] != '-' || v[18] != '-' || v[23] != '-' {
		return false
	}
	hex := cHex
	for _, part := range [...][]byte{v[:8], v[9:13], v[14:18], v[19:23], v[24:]} {
		for _, c := range part {
			hex &= class[c]
		}
	}
	return hex != 0
}

// redactBase64 appends the base64 of the redaction of the base64 body v.
func (r *Redactor) redactBase64(dst, v []byte, fs *Findings) ([]byte, bool) {
	enc := base64.StdEncoding
	if len(v)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	db := getBuf()
	defer putBuf(db)
	dec, err := enc.AppendDecode(*db, v)
	*db = dec
	if err != nil {
		return r.redactValue(dst, v, keyNone, 0, fs, 0)
	}
	rb := getBuf()
	defer putBuf(rb)
	red, changed := r.redactValue(*rb, dec, keyNone, 0, fs, 0)
	*rb = red
	if !changed {
		return dst, false
	}
	return enc.AppendEncode(dst, red), true
}

// scanString returns the end (after the closing quote) of the string at
// s[i], whether it has escapes, and whether it is valid.
func scanString(s []byte, i int) (int, bool, bool) {
	esc := false
	j := i + 1
	for {
		// skip eight plain bytes at a time, straight to the special one
		// (t is what is left of s: its length needs no bounds check)
		t := s[j:]
		for ; len(t) >= 8; t = t[8:] {
			if x := stringSpecial(binary.LittleEndian.Uint64(t)); x != 0 {
				j = len(s) - len(t) + bits.TrailingZeros64(x)>>3
				goto special
			}
		}
		j = len(s) - len(t)
		for j < len(s) && !jsonSpecial[s[j]] {
			j++
		}
		if j >= len(s) {
			return len(s), esc, false
		}
	special:
		switch s[j] {
		case '"':
			return j + 1, esc, true
		case '\\':
		default: // a control character
			return j, esc, false
		}
		esc = true
		if j+1 >= len(s) {
			return j + 1, esc, false
		}
		switch s[j+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			j += 2
		case 'u':
			if j+5 >= len(s) || !isHexByte(s[j+2]) || !isHexByte(s[j+3]) || !isHexByte(s[j+4]) || !isHexByte(s[j+5]) {
				return j + 1, esc, false
			}
			j += 6
		default:
			return j + 1, esc, false
		}
	}
}

// stringSpecial returns 0x80 in each byte of x (little-endian: the first
// byte lowest) that ends or escapes a JSON string or is a control
// character: '"', '\\' or < 0x20; the bytes above the first such byte may
// be wrong, as the borrows of the subtractions run upwards.
//
// Flipping bit 1 turns '"' (0x22) into 0x20 and keeps the control
// characters below 0x20, so one test for bytes below 0x21 finds both.
func stringSpecial(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	y := x ^ (ones * 0x02)
	b := x ^ (ones * '\\')
	return ((y-ones*0x21)&^y | (b-ones)&^b) & high
}

// backslashes returns 0x80 in each byte of x that is a backslash, exact up
// to the first one (as stringSpecial).
func backslashes(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	b := x ^ (ones * '\\')
	return (b - ones) &^ b & high
}

// jsonSpecial holds the bytes that end or escape a string or are control
// characters.
var jsonSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHexByte(c byte) bool { return isDigitByte(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhexByte(c byte) byte {
	switch {
	case isDigitByte(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// scanNumber returns the end of the JSON number at s[i].
func scanNumber(s []byte, i int) (int, bool) {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	if j >= len(s) || !isDigitByte(s[j]) {
		return j, false
	}
	if s[j] == '0' {
		j++
	} else {
		for j < len(s) && isDigitByte(s[j]) {
			j++
		}
	}
	if j < len(s) && s[j] == '.' {
		j++
		if j >= len(s) || !isDigitByte(s[j]) {
			return j, false
		}
		for j < len(s) && isDigitByte(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || !isDigitByte(s[j]) {
			return j, false
		}
		for j < len(s) && isDigitByte(s[j]) {
			j++
		}
	}
	return j, true
}

func jsonSkipWS(s []byte, i int) int {
	for i < len(s) && isJSONSpace(s[i]) {
		i++
	}
	return i
}

// skipValue validates the value at s[i] and returns its end.
func skipValue(s []byte, i, depth int) (int, bool) {
	if i >= len(s) || depth > maxDepth {
		return i, false
	}
	switch c := s[i]; {
	case c == '"':
		end, _, ok := scanString(s, i)
		return end, ok
	case c == '-' || isDigitByte(c):
		return scanNumber(s, i)
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = jsonSkipWS(s, i+1)
		if i < len(s) && s[i] == closer {
			return i + 1, true
		}
		for {
			var ok bool
			if c == '{' {
				if i >= len(s) || s[i] != '"' {
					return i, false
				}
				if i, _, ok = scanString(s, i); !ok {
					return i, false
				}
				i = jsonSkipWS(s, i)
				if i >= len(s) || s[i] != ':' {
					return i, false
				}
				i = jsonSkipWS(s, i+1)
			}
			if i, ok = skipValue(s, i, depth+1); !ok {
				return i, false
			}
			i = jsonSkipWS(s, i)
			if i >= len(s) {
				return i, false
			}
			switch s[i] {
			case ',':
				i = jsonSkipWS(s, i+1)
			case closer:
				return i + 1, true
			default:
				return i, false
			}
		}
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(s[i:], []byte(lit)) {
			return i + len(lit), true
		}
	}
	return i, false
}

// appendUnescaped appends the unescaped content of a valid JSON string.
func appendUnescaped(dst, raw []byte) []byte {
	dst = slices.Grow(dst, len(raw))
	i := 0
	for {
		// Eight bytes at a time, each word stored whole: when it holds a
		// backslash, what follows it is overwritten next.
		for i+8 <= len(raw) {
			if cap(dst)-len(dst) < 8 {
				dst = slices.Grow(dst, len(raw)-i+8)
			}
			x := binary.LittleEndian.Uint64(raw[i:])
			n := len(dst)
			binary.LittleEndian.PutUint64(dst[n:n+8], x)
			if b := backslashes(x); b != 0 {
				k := bits.TrailingZeros64(b) >> 3
				dst, i = dst[:n+k], i+k
				goto escape
			}
			dst, i = dst[:n+8], i+8
		}
		for i < len(raw) && raw[i] != '\\' {
			dst = append(dst, raw[i])
			i++
		}
		if i >= len(raw) {
			return dst
		}
	escape:
		if i+1 >= len(raw) {
			return append(dst, raw[i:]...)
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if i+4 >= len(raw) {
				return append(dst, raw[i:]...)
			}
			r := rune(hex4Val(raw[i+1:]))
			i += 4
			if 0xD800 <= r && r < 0xDC00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				r2 := rune(hex4Val(raw[i+3:]))
				if 0xDC00 <= r2 && r2 < 0xE000 {
					r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, raw[i])
		}
		i++
	}
}

func hex4Val(b []byte) uint16 {
	return uint16(unhexByte(b[0]))<<12 | uint16(unhexByte(b[1]))<<8 | uint16(unhexByte(b[2]))<<4 | uint16(unhexByte(b[3]))
}

// appendEscaped appends v as the content of a JSON string.
func appendEscaped(dst, v []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = slices.Grow(dst, len(v)+8)
	i := 0
	for {
		// Eight bytes at a time, each word stored whole: when it holds a
		// byte to escape, what follows it is overwritten next.
		for i+8 <= len(v) {
			if cap(dst)-len(dst) < 8 {
				dst = slices.Grow(dst, len(v)-i+8)
			}
			x := binary.LittleEndian.Uint64(v[i:])
			n := len(dst)
			binary.LittleEndian.PutUint64(dst[n:n+8], x)
			if sp := stringSpecial(x); sp != 0 {
				k := bits.TrailingZeros64(sp) >> 3
				dst, i = dst[:n+k], i+k
				goto special
			}
			dst, i = dst[:n+8], i+8
		}
		for i < len(v) && !jsonSpecial[v[i]] {
			dst = append(dst, v[i])
			i++
		}
		if i >= len(v) {
			return dst
		}
	special:
		switch c := v[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
	}
}

// hasPercentEscape reports whether v holds a %XX escape.
func hasPercentEscape(v []byte) bool {
	for i := bytes.IndexByte(v, '%'); i >= 0 && i+2 < len(v); {
		if isHexByte(v[i+1]) && isHexByte(v[i+2]) {
			return true
		}
		j := bytes.IndexByte(v[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// redactURL redacts the URL-encoded text v: the detectors run on its
// decoding, and what they find is replaced in v itself.
func (r *Redactor) redactURL(dst, v []byte, kc keyClass, fs *Findings, base int) ([]byte, bool) {
	db := getBuf()
	defer putBuf(db)
	dec := (*db)[:0]
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%' && i+2 < len(v) && isHexByte(v[i+1]) && isHexByte(v[i+2]):
			dec = append(dec, unhexByte(v[i+1])<<4|unhexByte(v[i+2]))
			i += 2
		case c == '+':
			dec = append(dec, ' ')
		default:
			dec = append(dec, c)
		}
	}
	*db = dec
	m := r.find(dec, kc)
	defer matchPool.Put(m)
	if len(m.ms) == 0 {
		return dst, false
	}
	changed := false
	last := 0
	for _, mt := range m.ms {
		if r.allow[string(dec[mt.start:mt.end])] {
			continue
		}
		rs, re := rawOffset(v, mt.start), rawOffset(v, mt.end)
		changed = true
		*fs = append(*fs, Finding{Type: r.typeName(mt.typ), Start: base + rs, End: base + re})
		dst = append(dst, v[last:rs]...)
		rb := getBuf()
		rep := r.replaceIn(*rb, dec, mt)
		dst = appendURLEscaped(dst, rep)
		*rb = rep
		putBuf(rb)
		last = re
	}
	if changed {
		dst = append(dst, v[last:]...)
	}
	return dst, changed
}

// rawOffset returns the offset in the URL-encoded v of byte d of its
// decoding.
func rawOffset(v []byte, d int) int {
	i := 0
	for n := 0; n < d && i < len(v); n++ {
		if v[i] == '%' && i+2 < len(v) && isHexByte(v[i+1]) && isHexByte(v[i+2]) {
			i += 3
		} else {
			i++
		}
	}
	return i
}

// appendURLEscaped appends v percent-encoding what a query would misread.
func appendURLEscaped(dst, v []byte) []byte {
	const hexDigits = "0123456789ABCDEF"
	for _, c := range v {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte("%&=+#?\"\\"), c) >= 0 {
			dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&0xf])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

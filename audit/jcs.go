package audit

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalError reports JSON that has no RFC 8785 canonical form: invalid
// syntax, invalid UTF-8, a lone surrogate, a duplicate member name or a
// number outside the IEEE 754 double range. It never quotes the input.
type CanonicalError struct {
	Offset int // byte offset in the input
	Reason string
	// semantic is set for valid JSON without a canonical form (duplicate
	// names, lone surrogates, numbers out of range), unset for bad syntax.
	semantic bool
}

// Error describes the failure; it carries no data.
func (e *CanonicalError) Error() string {
	return fmt.Sprintf("audit: canonical JSON: offset %d: %s", e.Offset, e.Reason)
}

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme) form of
// the JSON text data: members sorted by the UTF-16 code units of their names,
// no insignificant white space, strings with the minimal escaping, numbers as
// ECMAScript prints IEEE 754 doubles. Input with duplicate member names,
// invalid UTF-8 or numbers that do not fit a double is rejected with a
// [*CanonicalError].
func Canonicalize(data []byte) ([]byte, error) {
	var p canonParser
	return p.canonicalize(nil, data, nil)
}

// maxDepth bounds the nesting of the JSON the canonicalizer accepts.
const maxDepth = 256

// canonMember is one member of an object being canonicalized: its decoded
// name and where its `"name":value` text sits in the output.
type canonMember struct {
	key        []byte
	start, end int
}

// canonParser is a strict JSON parser that writes the canonical form as it
// goes. Its buffers are reused from one call to the next.
type canonParser struct {
	data    []byte
	pos     int
	depth   int
	err     *CanonicalError
	members []canonMember
	tmp     []byte
	// exclude lists member paths (from the top-level object) left out of
	// the output; path is the path of the object being parsed.
	exclude [][]string
	path    []string
}

func (p *canonParser) fail(reason string) {
	if p.err == nil {
		p.err = &CanonicalError{Offset: p.pos, Reason: reason}
	}
}

// failSemantic records an error in JSON whose syntax is valid.
func (p *canonParser) failSemantic(reason string) {
	if p.err == nil {
		p.err = &CanonicalError{Offset: p.pos, Reason: reason, semantic: true}
	}
}

// canonicalize appends the canonical form of data to dst, leaving out the
// members at the paths in exclude.
func (p *canonParser) canonicalize(dst, data []byte, exclude [][]string) ([]byte, error) {
	p.data, p.pos, p.depth, p.err = data, 0, 0, nil
	p.exclude, p.path = exclude, p.path[:0]
	p.members = p.members[:0]
	p.space()
	dst = p.value(dst)
	p.space()
	if p.err == nil && p.pos != len(p.data) {
		p.fail("data after the top-level value")
	}
	p.data = nil
	if p.err != nil {
		return dst, p.err
	}
	return dst, nil
}

func (p *canonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *canonParser) value(dst []byte) []byte {
	if p.err != nil {
		return dst
	}
	if p.pos >= len(p.data) {
		p.fail("unexpected end of input")
		return dst
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(dst)
	case c == '[':
		return p.array(dst)
	case c == '"':
		return p.string(dst)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(dst)
	case c == 't':
		return p.literal(dst, "true")
	case c == 'f':
		return p.literal(dst, "false")
	case c == 'n':
		return p.literal(dst, "null")
	default:
		p.fail("invalid character")
		return dst
	}
}

func (p *canonParser) literal(dst []byte, lit string) []byte {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		p.fail("invalid literal")
		return dst
	}
	p.pos += len(lit)
	return append(dst, lit...)
}

// begin skips the white space after '[' or '{' and reports whether an
// element or member follows; if not, it consumes close.
func (p *canonParser) begin(close byte) bool {
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == close {
		p.pos++
		return false
	}
	return true
}

// next consumes the ',' or the close that ends an element or member and
// reports whether another follows; it reports false on an error.
func (p *canonParser) next(close byte, unterminated, unexpected string) bool {
	if p.err != nil {
		return false
	}
	p.space()
	if p.pos >= len(p.data) {
		p.fail(unterminated)
		return false
	}
	p.pos++
	switch p.data[p.pos-1] {
	case ',':
		p.space()
		return true
	case close:
		return false
	}
	p.fail(unexpected)
	return false
}

func (p *canonParser) array(dst []byte) []byte {
	p.pos++
	if p.depth++; p.depth > maxDepth {
		p.failSemantic("nesting too deep")
		return dst
	}
	d := len(p.path)
	p.path = append(p.path, "\x00[]") // arrays never match an excluded path
	dst = append(dst, '[')
	start := len(dst)
	for more := p.begin(']'); more; more = p.next(']', "unterminated array", "expected , or ]") {
		if len(dst) > start {
			dst = append(dst, ',')
		}
		dst = p.value(dst)
	}
	p.path = p.path[:d]
	p.depth--
	return append(dst, ']')
}

// excluded reports whether the member key of the object at p.path is to be
// left out.
func (p *canonParser) excluded(key []byte) bool {
	for _, ex := range p.exclude {
		if len(ex) != len(p.path)+1 || ex[len(p.path)] != string(key) {
			continue
		}
		if slices.Equal(ex[:len(p.path)], p.path) {
			return true
		}
	}
	return false
}

// inExcludedPrefix reports whether some excluded path goes through the
// member key of the object at p.path.
func (p *canonParser) inExcludedPrefix(key []byte) bool {
	for _, ex := range p.exclude {
		if len(ex) > len(p.path)+1 && ex[len(p.path)] == string(key) && slices.Equal(ex[:len(p.path)], p.path) {
			return true
		}
	}
	return false
}

func (p *canonParser) object(dst []byte) []byte {
	p.pos++
	if p.depth++; p.depth > maxDepth {
		p.failSemantic("nesting too deep")
		return dst
	}
	base := len(p.members)
	dst = append(dst, '{')
	start := len(dst)
	sorted := true
	emitted := 0
	for more := p.begin('}'); more; more = p.next('}', "unterminated object", "expected , or }") {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			p.fail("expected a member name")
			break
		}
		key := p.key()
		p.space()
		if p.err == nil && (p.pos >= len(p.data) || p.data[p.pos] != ':') {
			p.fail("expected :")
		}
		p.pos++
		p.space()
		if p.err != nil {
			break
		}
		drop := len(p.exclude) > 0 && p.excluded(key)
		mstart := len(dst)
		if emitted > 0 {
			dst = append(dst, ',')
		}
		kstart := len(dst)
		dst = appendString(dst, key)
		dst = append(dst, ':')
		d := len(p.path)
		if len(p.exclude) > 0 && p.inExcludedPrefix(key) {
			p.path = append(p.path, string(key))
		} else {
			p.path = append(p.path, "\x00") // no excluded path below
		}
		dst = p.value(dst)
		p.path = p.path[:d]
		if drop {
			// Keep the name for the duplicate check, drop the text.
			dst = dst[:mstart]
			kstart = mstart
		} else {
			emitted++
		}
		if n := len(p.members); n > base && compareUTF16(p.members[n-1].key, key) >= 0 {
			sorted = false
		}
		p.members = append(p.members, canonMember{key: key, start: kstart, end: len(dst)})
	}
	if p.err == nil && !sorted {
		dst = p.sortMembers(dst, start, p.members[base:])
	}
	p.members = p.members[:base]
	p.depth--
	return append(dst, '}')
}

// sortMembers rewrites dst[start:], which holds the members ms in input
// order, in canonical order; it rejects duplicate names.
func (p *canonParser) sortMembers(dst []byte, start int, ms []canonMember) []byte {
	sort.Slice(ms, func(i, j int) bool { return compareUTF16(ms[i].key, ms[j].key) < 0 })
	for i := 1; i < len(ms); i++ {
		if compareUTF16(ms[i-1].key, ms[i].key) == 0 {
			p.failSemantic("duplicate member name")
			return dst
		}
	}
	p.tmp = append(p.tmp[:0], dst[start:]...)
	dst = dst[:start]
	first := true
	for _, m := range ms {
		if m.start == m.end { // excluded
			continue
		}
		text := p.tmp[m.start-start : m.end-start]
		if text[0] == ',' {
			text = text[1:]
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, text...)
	}
	return dst
}

// key parses a member name and returns it decoded. It aliases the input when
// the name has no escapes.
func (p *canonParser) key() []byte {
	s, ok := p.scanString()
	if !ok {
		return nil
	}
	raw := p.data[s+1 : p.pos-1]
	if !hasBackslash(raw) {
		return raw
	}
	dec, ok := decodeString(raw)
	if !ok {
		p.pos = s
		p.fail("invalid escape in string")
	}
	return dec
}

// scanString checks the string at p.pos (a '"') up to its closing quote,
// leaving p.pos after it; it returns where the string started.
func (p *canonParser) scanString() (start int, ok bool) {
	start = p.pos
	i := p.pos + 1
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return start, true
		case c == '\\':
			i += 2
		case c < 0x20:
			p.pos = i
			p.fail("control character in string")
			return start, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(p.data[i:])
			if r == utf8.RuneError && n == 1 {
				p.pos = i
				p.fail("invalid UTF-8")
				return start, false
			}
			i += n
		}
	}
	p.pos = len(p.data)
	p.fail("unterminated string")
	return start, false
}

func hasBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

func (p *canonParser) string(dst []byte) []byte {
	s, ok := p.scanString()
	if !ok {
		return dst
	}
	raw := p.data[s+1 : p.pos-1]
	if !hasBackslash(raw) {
		// Without escapes the input is already canonical: it has no
		// control characters, quotes or backslashes, and valid UTF-8.
		dst = append(dst, '"')
		dst = append(dst, raw...)
		return append(dst, '"')
	}
	dec, ok := decodeString(raw)
	if !ok {
		p.pos = s
		p.fail("invalid escape in string")
		return dst
	}
	return appendString(dst, dec)
}

// decodeString decodes the escapes of a JSON string body already checked for
// control characters and UTF-8. It rejects lone surrogates.
func decodeString(raw []byte) ([]byte, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return nil, false
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			out = append(out, raw[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw[i+2:])
			if !ok {
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || i+1 >= len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					return nil, false
				}
				r2, ok := hex4(raw[i+2:])
				if !ok {
					return nil, false
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, false
				}
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return out, true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (p *canonParser) number(dst []byte) []byte {
	start := p.pos
	i := p.pos
	if p.data[i] == '-' {
		i++
	}
	digits := i
	switch {
	case i < len(p.data) && p.data[i] == '0':
		i++
	case i < len(p.data) && p.data[i] >= '1' && p.data[i] <= '9':
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		p.fail("invalid number")
		return dst
	}
	integer := true
	if i < len(p.data) && p.data[i] == '.' {
		integer = false
		i++
		j := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == j {
			p.pos = i
			p.fail("invalid number")
			return dst
		}
	}
	if i < len(p.data) && (p.data[i] == 'e' || p.data[i] == 'E') {
		integer = false
		i++
		if i < len(p.data) && (p.data[i] == '+' || p.data[i] == '-') {
			i++
		}
		j := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == j {
			p.pos = i
			p.fail("invalid number")
			return dst
		}
	}
	p.pos = i
	text := p.data[start:i]
	// Small integers print as they are read (no "-0": it prints as "0").
	if integer && i-digits <= 15 && !(p.data[digits] == '0' && start != digits) {
		return append(dst, text...)
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || math.IsInf(f, 0) {
		p.pos = start
		p.failSemantic("number out of range")
		return dst
	}
	return appendES6Number(dst, f)
}

// appendES6Number appends f as ECMAScript's Number.prototype.toString prints
// it, as RFC 8785 requires. f must be finite.
func appendES6Number(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // also -0
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	if f == math.Trunc(f) && f < 1<<53 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d.ddde±xx
	mant, exp := e, 0
	for i, c := range e {
		if c == 'e' {
			mant = e[:i]
			x, _ := strconv.Atoi(string(e[i+1:]))
			exp = x
			break
		}
	}
	var digits [24]byte
	k := 0
	for _, c := range mant {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	d := digits[:k]
	n := exp + 1 // f = 0.d × 10^n
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, d[:n]...)
		dst = append(dst, '.')
		dst = append(dst, d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// appendString appends s (valid UTF-8) as an RFC 8785 string: only '"', '\'
// and control characters are escaped, the latter as \b \t \n \f \r or \u00xx.
func appendString[S ~string | ~[]byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[last:i]...)
		last = i + 1
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	dst = append(dst, s[last:]...)
	return append(dst, '"')
}

// compareUTF16 compares two UTF-8 strings by their UTF-16 code units, the
// order RFC 8785 sorts member names in.
func compareUTF16(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		if a[0] < utf8.RuneSelf && b[0] < utf8.RuneSelf {
			if a[0] != b[0] {
				return int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if ra != rb {
			ua1, ua2 := utf16Units(ra)
			ub1, ub2 := utf16Units(rb)
			if ua1 != ub1 {
				return int(ua1) - int(ub1)
			}
			return int(ua2) - int(ub2)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

func utf16Units(r rune) (rune, rune) {
	if r < 0x10000 {
		return r, 0
	}
	return utf16.EncodeRune(r)
}

// Value trees: records are built as map[string]any / []any of strings,
// integers, booleans and nil, then encoded canonically by appendValue.

// appendValue appends the canonical JSON of a value tree. Strings must be
// valid UTF-8 (record builders pass them through validUTF8) and integers
// within ±2^53.
func appendValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, v)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case uint64:
		return strconv.AppendUint(dst, v, 10)
	case float64:
		return appendES6Number(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, e)
		}
		return append(dst, ']')
	case []string:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		return appendObject(dst, v, "")
	case map[string]int:
		m := make(map[string]any, len(v))
		for k, n := range v {
			m[k] = n
		}
		return appendObject(dst, m, "")
	default:
		panic(fmt.Sprintf("audit: appendValue: unsupported type %T", v))
	}
}

// sortedKeys returns the keys of m in RFC 8785 order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if isASCII(a) && isASCII(b) {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
		return compareUTF16([]byte(a), []byte(b))
	})
	return keys
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendObject appends the canonical JSON of m, leaving out the member skip.
func appendObject(dst []byte, m map[string]any, skip string) []byte {
	dst = append(dst, '{')
	first := true
	for _, k := range sortedKeys(m) {
		if k == skip && skip != "" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendValue(dst, m[k])
	}
	return append(dst, '}')
}

// splitObject encodes m canonically around the member split, which it
// leaves out: before ends where `"split":value` belongs (with a trailing
// comma when members precede it), after starts after it.
func splitObject(m map[string]any, split string) (before, after []byte) {
	keys := sortedKeys(m)
	before = append(make([]byte, 0, 2048), '{')
	i := 0
	for ; i < len(keys) && keys[i] < split; i++ {
		before = appendString(before, keys[i])
		before = append(before, ':')
		before = appendValue(before, m[keys[i]])
		before = append(before, ',')
	}
	after = make([]byte, 0, 1024)
	for ; i < len(keys); i++ {
		if keys[i] == split {
			continue
		}
		after = append(after, ',')
		after = appendString(after, keys[i])
		after = append(after, ':')
		after = appendValue(after, m[keys[i]])
	}
	return before, append(after, '}')
}

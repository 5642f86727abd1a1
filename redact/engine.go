package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"regexp"
	"slices"
	"sync"
)

// match is one value found in a text: s[start:end] is of type typ.
type match struct {
	start, end int
	typ        Type
}

// matchSet collects the matches of one text. Detectors add to it; the engine
// resolves overlaps and applies the operators. It is pooled, so a text with
// nothing in it costs no allocation.
type matchSet struct {
	ms []match
	// key is what the key the text is the value of says about it
	// (keyPhone when the text sits under "phone"), keyNone in free text.
	key keyClass
	// sensitive holds the normalised Config.SensitiveKeys, for the key rules.
	sensitive map[string]bool
	// keepPrivateIPs keeps loopback, private and link-local addresses
	// (Config.KeepPrivateIPs).
	keepPrivateIPs bool
	// sum summarises the text (see textSum) and digits caches where its runs
	// of digits are, for the detectors of numbers; sumDone and runsDone say
	// they are filled for this text.
	sum      textSum
	digits   []digitRun
	sumDone  bool
	runsDone bool
}

// reset readies m for a new text under a key of class key.
func (m *matchSet) reset(key keyClass, sensitive map[string]bool, keepPrivateIPs bool) {
	m.ms, m.key, m.sensitive, m.keepPrivateIPs = m.ms[:0], key, sensitive, keepPrivateIPs
	m.sumDone, m.runsDone = false, false
}

func (m *matchSet) add(t Type, start, end int) {
	if start < end {
		m.ms = append(m.ms, match{start: start, end: end, typ: t})
	}
}

var matchPool = sync.Pool{New: func() any { return &matchSet{ms: make([]match, 0, 16)} }}

// keyClass is what a key name says about the value under it.
type keyClass uint8

const (
	keyNone    keyClass = iota
	keySecret           // password, token, secret ...: the whole value goes
	keyPhone            // phone, mobile, tel ...: national phone formats count
	keyDOB              // dob, birthdate ...: the value is a date of birth
	keyName             // name, firstName, cardholder_name ...: the value is a person's name
	keyAddress          // address, street, line1 ...: the value is a street address
	keySSN              // ssn, social security number: bare 9 digits count
	keyCard             // card, cardNumber, pan: the card detectors relax
)

// detector finds values of one type in a text and adds them to m.
type detector struct {
	typ  Type
	find func(s []byte, m *matchSet)
	gate
}

// Redactor finds and replaces sensitive values. Build it with [New]; it is
// safe for concurrent use.
type Redactor struct {
	detectors      []detector // the built-in ones turned on
	gates          *gates     // of detectors
	custom         []detector
	sensitiveKeys  map[string]bool // normalised extra key names
	keys           *keyCache
	allow          map[string]bool
	ops            [256]Operator // by Type
	names          []string      // by Type: built-in names, then custom types
	hmacKey        []byte
	keepPrivateIPs bool
}

// New returns a Redactor for c, or a [*ConfigError].
func New(c Config) (*Redactor, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	r := &Redactor{
		hmacKey:        slices.Clone(c.HMACKey),
		keepPrivateIPs: c.KeepPrivateIPs,
		names:          typeNames[:],
	}
	on := make(map[Type]bool)
	for t := Type(1); t < numBuiltinTypes; t++ {
		on[t] = !optIn(t)
	}
	for _, n := range c.Enable {
		if ts, ok := packs[n]; ok {
			for _, t := range ts {
				on[t] = true
			}
		} else {
			on[typeByName[n]] = true
		}
	}
	for _, n := range c.Disable {
		on[typeByName[n]] = false
	}
	for _, d := range builtinDetectors {
		if d.find != nil && on[d.typ] {
			r.detectors = append(r.detectors, d)
		}
	}
	r.gates = newGates(r.detectors)
	r.names = slices.Clone(r.names)
	for _, cu := range c.Custom {
		re, err := regexp.Compile(cu.Pattern)
		if err != nil {
			return nil, &ConfigError{Field: "Custom", Reason: "pattern of " + cu.Type + ": " + err.Error()}
		}
		if len(r.names) >= 255 {
			return nil, &ConfigError{Field: "Custom", Reason: "too many custom detectors"}
		}
		t := Type(len(r.names))
		r.names = append(r.names, cu.Type)
		r.custom = append(r.custom, customDetector(t, re, cu.Validate))
	}
	def := Mask
	if op, ok := c.Operators["*"]; ok {
		def = op
	}
	for t := range r.names {
		r.ops[t] = def
		if op, ok := c.Operators[r.names[t]]; ok {
			r.ops[t] = op
		}
	}
	r.keys = newKeyCache(false)
	r.sensitiveKeys = make(map[string]bool, len(c.SensitiveKeys))
	for _, k := range c.SensitiveKeys {
		r.sensitiveKeys[normalizeKey(k)] = true
	}
	r.allow = make(map[string]bool, len(c.Allow))
	for _, v := range c.Allow {
		r.allow[v] = true
	}
	return r, nil
}

func customDetector(t Type, re *regexp.Regexp, validate func([]byte) bool) detector {
	return detector{typ: t, find: func(s []byte, m *matchSet) {
		for _, loc := range re.FindAllIndex(s, -1) {
			if validate == nil || validate(s[loc[0]:loc[1]]) {
				m.add(t, loc[0], loc[1])
			}
		}
	}}
}

// typeName returns the name of t for this Redactor (custom types included).
func (r *Redactor) typeName(t Type) string {
	if int(t) < len(r.names) {
		return r.names[t]
	}
	return "unknown"
}

// Bytes returns b with every sensitive value replaced, and what was found.
// b may be free text or a JSON document (then walked as one). When nothing
// is found, Bytes returns b itself and allocates nothing.
func (r *Redactor) Bytes(b []byte) ([]byte, Findings) {
	// The findings gather in a pooled slice and leave in one of their exact
	// size: growing a new one finding by finding cost more allocations
	// than the output itself.
	pfs := findingsPool.Get().(*Findings)
	out, changed := r.redact(nil, b, keyNone, pfs, 0)
	var fs Findings
	if len(*pfs) > 0 {
		fs = slices.Clone(*pfs)
	}
	*pfs = (*pfs)[:0]
	findingsPool.Put(pfs)
	if !changed {
		return b, fs
	}
	return out, fs
}

// Append appends to dst b with every sensitive value replaced, and to fs
// what was found, and returns both. It is [Redactor.Bytes] for a caller
// that keeps its buffers: with room in dst and fs, it allocates nothing.
// dst and b must not overlap.
func (r *Redactor) Append(dst []byte, fs Findings, b []byte) ([]byte, Findings) {
	n := len(fs)
	out, changed := r.redact(dst, b, keyNone, &fs, 0)
	if !changed {
		return append(dst, b...), fs[:n]
	}
	return out, fs
}

// String is [Redactor.Bytes] for strings.
func (r *Redactor) String(s string) (string, Findings) {
	out, fs := r.Bytes([]byte(s))
	return string(out), fs
}

// redact appends to dst the redaction of s, which sits under a key of class
// key, and reports whether anything changed. Findings are appended to fs
// with offsets shifted by base. When nothing changes, dst is returned as
// given, without s appended.
func (r *Redactor) redact(dst, s []byte, key keyClass, fs *Findings, base int) ([]byte, bool) {
	if key == keySecret {
		return r.replaceWhole(dst, s, TypeSecret, fs, base)
	}
	if doc, ok := jsonDocument(s); ok {
		return r.redactJSON(dst, s, doc, fs, base)
	}
	return r.redactText(dst, s, key, fs, base)
}

// redactText runs the detectors over free text.
func (r *Redactor) redactText(dst, s []byte, key keyClass, fs *Findings, base int) ([]byte, bool) {
	m := matchPool.Get().(*matchSet)
	dst, changed := r.redactTextIn(m, dst, s, key, fs, base)
	matchPool.Put(m)
	return dst, changed
}

// redactTextIn is redactText with the matchSet m to work in.
func (r *Redactor) redactTextIn(m *matchSet, dst, s []byte, key keyClass, fs *Findings, base int) ([]byte, bool) {
	r.findIn(m, s, key)
	return r.apply(m, dst, s, fs, base)
}

// apply appends s with the matches of m replaced, and reports whether any
// was (an allowed value is not). When none was, dst is returned as given.
func (r *Redactor) apply(m *matchSet, dst, s []byte, fs *Findings, base int) ([]byte, bool) {
	if len(m.ms) == 0 {
		return dst, false
	}
	changed := false
	last := 0
	for _, mt := range m.ms {
		v := s[mt.start:mt.end]
		if r.allow[string(v)] {
			continue
		}
		if !changed {
			dst = slices.Grow(dst, len(s)+32)
			changed = true
		}
		*fs = append(*fs, Finding{Type: r.typeName(mt.typ), Start: base + mt.start, End: base + mt.end})
		dst = append(dst, s[last:mt.start]...)
		dst = r.replaceIn(dst, s, mt)
		last = mt.end
	}
	if changed {
		dst = append(dst, s[last:]...)
	}
	return dst, changed
}

// find runs the detectors over s, which sits under a key of class key, and
// returns a pooled matchSet holding the resolved matches, repeats included.
// The caller puts it back in matchPool.
func (r *Redactor) find(s []byte, key keyClass) *matchSet {
	m := matchPool.Get().(*matchSet)
	r.findIn(m, s, key)
	return m
}

// findIn is find into m.
func (r *Redactor) findIn(m *matchSet, s []byte, key keyClass) {
	m.reset(key, r.sensitiveKeys, r.keepPrivateIPs)
	if !plainValue(s) {
		r.findRest(m, s)
	}
}

// findRest is findIn once m is reset for s, which is no plain value.
func (r *Redactor) findRest(m *matchSet, s []byte) {
	r.detect(s, m)
	if len(m.ms) > 0 {
		m.ms = resolve(withRepeats(s, m.ms))
		for range 2 {
			if !alnumOutside(s, m.ms) || !r.lookAgain(s, m) {
				break
			}
		}
	}
}

// withRepeats turns what the detectors found in s into the matches to
// replace: without the markers of an earlier redaction, with the repeats of
// each value. The result needs resolving.
func withRepeats(s []byte, ms []match) []match {
	var buf [8]markerSpan
	spans := buf[:0]
	if bytes.IndexByte(s, '[') >= 0 || bytes.IndexByte(s, '*') >= 0 {
		spans = appendMarkers(spans, s)
	}
	ms = resolve(dropMarkers(s, ms, spans))
	return dropMarkers(s, addRepeats(s, ms), spans)
}

// dropMarkers drops the matches that are a marker of s (give or take the
// punctuation around it) or lie inside one; spans are the markers of s.
func dropMarkers(s []byte, ms []match, spans []markerSpan) []match {
	if len(spans) == 0 {
		return ms
	}
	out := ms[:0]
	for _, mt := range ms {
		if !isMarker(s[mt.start:mt.end]) && !insideMarker(spans, mt) {
			out = append(out, mt)
		}
	}
	return out
}

// insideMarker reports whether mt lies inside one of spans.
func insideMarker(spans []markerSpan, mt match) bool {
	for _, sp := range spans {
		if sp.start <= mt.start && mt.end <= sp.end {
			return true
		}
	}
	return false
}

// alnumOutside reports whether a letter or digit of s lies outside the
// sorted matches ms: every detector needs one, so without it looking again
// finds nothing (a value that is all match, the common case in documents).
func alnumOutside(s []byte, ms []match) bool {
	last := 0
	for _, mt := range ms {
		for _, c := range s[last:mt.start] {
			if isAlnum(c) {
				return true
			}
		}
		last = mt.end
	}
	for _, c := range s[last:] {
		if isAlnum(c) {
			return true
		}
	}
	return false
}

// lookAgain runs the detectors over s as redacted by the matches of m, as
// redacting the output again would, and adds what they find there outside
// the replacements (and its repeats) to m, at its offsets in s. It reports
// whether it added anything. A value can hide a neighbour
// ("+15550100 123-45-6789": one run of digits too long to be a phone until
// the SSN is gone): without this, redacting twice would redact more than
// once. What lies across a replacement is left to the next redaction.
func (r *Redactor) lookAgain(s []byte, m *matchSet) bool {
	bp := getBuf()
	var buf [16]replaced
	reps := buf[:0]
	o := (*bp)[:0]
	last := 0
	for _, mt := range m.ms {
		if r.allow[string(s[mt.start:mt.end])] {
			continue
		}
		o = append(o, s[last:mt.start]...)
		start := len(o)
		o = r.replaceIn(o, s, mt)
		reps = append(reps, replaced{start: start, end: len(o), shift: mt.end - len(o)})
		last = mt.end
	}
	o = append(o, s[last:]...)
	m2 := matchPool.Get().(*matchSet)
	m2.reset(m.key, m.sensitive, m.keepPrivateIPs)
	r.detect(o, m2)
	if len(m2.ms) > 0 {
		m2.ms = withRepeats(o, m2.ms)
	}
	n := len(m.ms)
	for _, mt := range m2.ms {
		if mt, ok := outsideReplaced(reps, mt); ok && !overlaps(m.ms[:n], mt) {
			m.ms = append(m.ms, mt)
		}
	}
	*bp = o
	putBuf(bp)
	matchPool.Put(m2)
	if len(m.ms) == n {
		return false
	}
	m.ms = resolve(m.ms)
	return true
}

// replaced is where a replacement lies in a redacted text, o[start:end],
// and what to add to an offset of o after it for the offset in the text
// before redaction.
type replaced struct{ start, end, shift int }

// outsideReplaced maps the match mt of a redacted text to the text before
// redaction; it reports false when mt touches a replacement of reps
// (sorted).
func outsideReplaced(reps []replaced, mt match) (match, bool) {
	k, _ := slices.BinarySearchFunc(reps, mt.start, func(r replaced, at int) int {
		if r.end <= at {
			return -1
		}
		return 1
	})
	// reps[k] is the first replacement that ends after mt starts
	if k < len(reps) && reps[k].start < mt.end {
		return mt, false
	}
	if k > 0 {
		mt.start += reps[k-1].shift
		mt.end += reps[k-1].shift
	}
	return mt, true
}

// overlaps reports whether mt overlaps one of the sorted matches ms.
func overlaps(ms []match, mt match) bool {
	i, _ := slices.BinarySearchFunc(ms, mt.start, func(a match, start int) int { return a.end - 1 - start })
	return i < len(ms) && ms[i].start < mt.end
}

// plainValue reports whether s is a whole value of a shape that holds
// nothing to find: a UUID, or an ISO 8601 date or timestamp. A tenth of the
// strings of Lambda events are one of these.
func plainValue(s []byte) bool {
	// lengths and a dash first, inlined: most strings go no further
	return len(s) >= 10 && (len(s) == 36 || s[4] == '-') && plainShape(s)
}

// plainShape is plainValue past its first tests.
func plainShape(s []byte) bool {
	switch {
	case len(s) == 36:
		return isUUID(s)
	case len(s) > 35:
		return false
	}
	return isTimestamp(s)
}

// isTimestamp reports whether s is 2006-01-02, optionally followed by
// T15:04 (or a space), seconds, a fraction and a zone (Z, +07:00, +0700).
func isTimestamp(s []byte) bool {
	digits := func(i, n int) bool {
		if i+n > len(s) {
			return false
		}
		for _, c := range s[i : i+n] {
			if !isDigitByte(c) {
				return false
			}
		}
		return true
	}
	if !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) {
		return false
	}
	i := 10
	if i == len(s) {
		return true
	}
	if (s[i] != 'T' && s[i] != ' ') || !digits(i+1, 2) || i+3 >= len(s) || s[i+3] != ':' || !digits(i+4, 2) {
		return false
	}
	i += 6
	if i+2 < len(s) && s[i] == ':' && digits(i+1, 2) {
		i += 3
		if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && isDigitByte(s[i+1]) {
			i++
			for i < len(s) && isDigitByte(s[i]) {
				i++
			}
		}
	}
	switch rest := s[i:]; {
	case len(rest) == 0 || string(rest) == "Z":
		return true
	case rest[0] == '+' || rest[0] == '-':
		rest = rest[1:]
		return len(rest) == 4 && digits(len(s)-4, 4) || len(rest) == 5 && rest[2] == ':' && digits(len(s)-5, 2) && digits(len(s)-2, 2)
	}
	return false
}

// detect runs over s the built-in detectors whose gate s passes, then the
// custom ones.
func (r *Redactor) detect(s []byte, m *matchSet) {
	if len(s) >= r.gates.shortest {
		for open := r.gates.open(len(s), m.summary(s), m.key); open != 0; open &= open - 1 {
			r.detectors[bits.TrailingZeros64(open)].find(s, m)
		}
	}
	for i := range r.custom {
		r.custom[i].find(s, m)
	}
}

// minRepeat is the shortest found value whose other occurrences in the same
// text are redacted too.
const minRepeat = 6

// addRepeats adds, for every value found, its other occurrences in s as
// matches of the same type: a value recognised once by its context (a
// password after its key, an SSN after its keyword) is as sensitive where
// the context is missing. Occurrences inside a longer word or number are
// left alone. ms must be resolved; the result needs resolving again.
func addRepeats(s []byte, ms []match) []match {
	n := len(ms)
next:
	for k := 0; k < n; k++ {
		mt := ms[k]
		v := s[mt.start:mt.end]
		if len(v) < minRepeat || len(v) == len(s) {
			continue
		}
		for _, prev := range ms[:k] {
			if prev.end-prev.start == len(v) && bytes.Equal(s[prev.start:prev.end], v) {
				continue next // its repeats are in already
			}
		}
		a := rareByte(v)
		for i := 0; ; {
			j := indexAnchored(s[i:], v, a)
			if j < 0 {
				break
			}
			at, end := i+j, i+j+len(v)
			i = at + 1
			if at == mt.start || isAlnum(v[0]) && at > 0 && isAlnum(s[at-1]) || isAlnum(v[len(v)-1]) && end < len(s) && isAlnum(s[end]) {
				continue
			}
			ms = append(ms, match{start: at, end: end, typ: mt.typ})
		}
	}
	return ms
}

// rareByte returns the index in v of a byte that is rare in logs, to search
// for v with indexAnchored: the '@' of an address, else punctuation, else an
// upper-case letter or a digit, else the first byte. Any byte of v anchors
// the search: only the first 32 are looked at.
func rareByte(v []byte) int {
	best, rank := 0, uint8(0)
	for i, c := range v[:min(len(v), 32)] {
		if r := byteRank[c]; r > rank {
			if c == '@' {
				return i
			}
			best, rank = i, r
		}
	}
	return best
}

// byteRank ranks bytes by how rare they are in logs, for rareByte.
var byteRank = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 2
	}
	for _, c := range []byte("+/=_%~!$*") {
		t[c] = 3
	}
	t['@'] = 4
	return t
}()

// resolve sorts matches by start and drops those that overlap an earlier
// (or, at the same start, a longer) one.
func resolve(ms []match) []match {
	slices.SortFunc(ms, func(a, b match) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	out := ms[:0]
	end := -1
	for _, m := range ms {
		if m.start < end {
			continue
		}
		out = append(out, m)
		end = m.end
	}
	return out
}

// replaceIn appends the operator's replacement of the match mt of the text
// s. A partial mask keeps its digits only where what follows the value
// cannot join them: the end of the text, or white space, a quote or a
// closing bracket, and no digit close behind. Kept elsewhere, its last four
// digits would read as the start of what follows ("1111@0.AC" an address,
// "4000 00000 3000" a number), and redacting again would find it.
func (r *Redactor) replaceIn(dst, s []byte, mt match) []byte {
	v := s[mt.start:mt.end]
	if r.ops[mt.typ] == Partial && partialTypes[mt.typ] && !endsAlone(s, mt.end) {
		return appendPartial(dst, v, 0)
	}
	return r.replace(dst, mt.typ, v)
}

// endsAlone reports whether a value ending at s[e] is followed by nothing
// that could continue it: the end of s, or a delimiter (a sentence's full
// stop included) with no digit within the next two bytes.
func endsAlone(s []byte, e int) bool {
	if e == len(s) {
		return true
	}
	switch s[e] {
	case ' ', '\t', '\n', '\r', '"', '\'', ',', ';', ')', ']', '}':
	case '.':
		if e+1 < len(s) && s[e+1] != ' ' && s[e+1] != '\n' {
			return false
		}
	default:
		return false
	}
	for k := e + 1; k < min(len(s), e+3); k++ {
		if isDigitByte(s[k]) {
			return false
		}
	}
	return true
}

// partialTypes are the types the partial operator applies to; it masks the
// others.
var partialTypes = [256]bool{TypeCreditCard: true, TypePhone: true}

// replace appends the operator's replacement of value v of type t.
func (r *Redactor) replace(dst []byte, t Type, v []byte) []byte {
	switch r.ops[t] {
	case Remove:
		return dst
	case Partial:
		if partialTypes[t] {
			return appendPartial(dst, v, min(4, len(v)-len(bytes.TrimRight(v, "0123456789"))))
		}
	case HMAC:
		mac := hmac.New(sha256.New, r.hmacKey)
		mac.Write([]byte(r.typeName(t)))
		mac.Write([]byte{0})
		mac.Write(v)
		var sum [sha256.Size]byte
		dst = append(dst, '[')
		dst = append(dst, r.typeName(t)...)
		dst = append(dst, ':')
		dst = hex.AppendEncode(dst, mac.Sum(sum[:0])[:8])
		return append(dst, ']')
	}
	dst = append(dst, "[REDACTED:"...)
	dst = append(dst, r.typeName(t)...)
	return append(dst, ']')
}

// appendPartial masks every digit of v but the last keep, keeping
// separators. The partial operator keeps the last four digits when they end
// the value in one group, fewer when its last group is shorter: the digits
// kept never span a separator, so they cannot read as a number of their own
// ("+*****0.0.1.0" would be an address).
func appendPartial(dst, v []byte, keep int) []byte {
	digits := 0
	for _, c := range v {
		if isDigitByte(c) {
			digits++
		}
	}
	for _, c := range v {
		if isDigitByte(c) {
			if digits > keep {
				c = '*'
			}
			digits--
		}
		dst = append(dst, c)
	}
	return dst
}

// indexAnchored is bytes.Index(s, pat) stepping on pat[a] rather than on the
// first byte: with a byte that is rare in logs ('G' of "BEGIN", 'z' of
// "AIza") it skips most of s in IndexByte's fast path.
func indexAnchored[P string | []byte](s []byte, pat P, a int) int {
	hi := len(s) - len(pat) + a + 1 // pat[a] at or past hi leaves no room
	for i := a; i < hi; {
		j := bytes.IndexByte(s[i:hi], pat[a])
		if j < 0 {
			return -1
		}
		if st := i + j - a; string(s[st:st+len(pat)]) == string(pat) {
			return st
		}
		i += j + 1
	}
	return -1
}

package redact

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// The key-value detector of free text: logfmt (key=value), headers and YAML
// (key: value), JSON and escaped JSON inside text ("key":"value",
// \"key\":\"value\"), Go's %+v structs ({Key:value}) and %v maps
// (map[key:value]), and a few phrases ("my password X", "API key X").

func isKeyByte(c byte) bool { return keyByteClass[c] != 0 }

// keyByteClass is 1 for the bytes of a key (isKeyByte), 3 for its letters.
var keyByteClass = func() (t [256]uint8) {
	for c := range t {
		b := byte(c)
		switch {
		case 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z':
			t[c] = 3
		case isDigitByte(b) || b == '_' || b == '-' || b == '.':
			t[c] = 1
		}
	}
	return t
}()

// findKeyed adds the values of the keys the key rules classify.
func findKeyed(s []byte, m *matchSet) {
	sum := m.summary(s)
	if sum.any(fEq | fColon) {
		findKeyedSeps(s, m)
	}
	if sum.has(fPhrase) {
		findPhrases(s, m)
	}
}

func findKeyedSeps(s []byte, m *matchSet) {
	for i := 0; i < len(s); i++ {
		// skip eight bytes at a time, straight to the next separator
		for i+8 <= len(s) {
			if x := separators(binary.LittleEndian.Uint64(s[i:])); x != 0 {
				i += bits.TrailingZeros64(x) >> 3
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c != '=' && c != ':' {
			continue
		}
		if end := keyedAt(s, i, m); end > i {
			i = end - 1
		}
	}
}

// separators returns 0x80 in each byte of x that is '=' or ':', exact up
// to the first one (as stringSpecial).
func separators(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	e := x ^ (ones * '=')
	c := x ^ (ones * ':')
	return ((e-ones)&^e | (c-ones)&^c) & high
}

// keyedAt looks at the separator s[p]; when the key before it is sensitive
// it adds its value and returns the value's end.
func keyedAt(s []byte, p int, m *matchSet) int {
	sep := s[p]
	if noValueAfter(s, p) { // before the key is looked at
		return p
	}
	// The key: skip back over spaces (key : value), a closing quote and its
	// backslashes, then the key's bytes.
	ke := p
	if sep == ':' {
		for n := 0; ke > 0 && s[ke-1] == ' ' && n < 2; n++ {
			ke--
		}
	}
	quoted := false
	if ke > 0 && (s[ke-1] == '"' || s[ke-1] == '\'') {
		quoted = true
		ke--
		for ke > 0 && s[ke-1] == '\\' {
			ke--
		}
	}
	// rest shrinks from its end while its last byte is a key's
	lo, letters := max(0, ke-maxKeyLen), 0
	rest := s[lo:ke]
	for ; len(rest) > 0; rest = rest[:len(rest)-1] {
		c := rest[len(rest)-1]
		k := keyByteClass[c]
		if k == 0 && !(quoted && c == ' ') {
			break
		}
		letters += int(k >> 1)
	}
	ks := lo + len(rest)
	if ke-ks < 2 || sep == ':' && ks > 0 && s[ks-1] == ':' {
		return p // too short, or a colon chain (arn:aws:secretsmanager:...)
	}
	key := s[ks:ke]
	if letters < 2 {
		return p // a time (12:30), a number
	}
	kc := classifyTextKey(key, m.sensitive)
	if kc == keyNone || kc == keyCard {
		return p
	}
	return keyedValue(s, p, key, kc, m)
}

// noValueAfter reports whether the separator s[p] has no value after it:
// it ends the text, or begins https://, :: or base64 padding (==).
func noValueAfter(s []byte, p int) bool {
	vs := p + 1
	return vs >= len(s) || s[vs] == '/' || s[vs] == ':' || s[vs] == '='
}

// keyedValue adds the value after the separator s[p] of a key of class kc
// and returns its end.
func keyedValue(s []byte, p int, key []byte, kc keyClass, m *matchSet) int {
	sep := s[p]
	if noValueAfter(s, p) {
		return p
	}
	// The value.
	vs := p + 1
	spaced := false
	for n := 0; vs < len(s) && s[vs] == ' ' && n < 2; n++ {
		vs++
		spaced = true
	}
	if vs >= len(s) {
		return p
	}
	var ve int
	switch c := s[vs]; {
	case c == '"' || c == '\\' || c == '\'':
		q := 0
		for vs+q < len(s) && s[vs+q] == '\\' {
			q++
		}
		if vs+q >= len(s) || s[vs+q] != '"' && s[vs+q] != '\'' {
			return p
		}
		quote := s[vs+q]
		vs += q + 1
		ve = -1
		for j := vs; j < len(s); j++ {
			if s[j] != quote {
				continue
			}
			run := 0
			for k := j - 1; k >= vs && s[k] == '\\'; k-- {
				run++
			}
			if run == q {
				ve = j - q
				break
			}
		}
		if ve < 0 {
			ve = len(s) // unclosed: the rest goes (and the scan stays linear)
		}
	case c == '{':
		// A wrapper ({"S":"x"} of DynamoDB) takes the key's class; other
		// objects are left to their own keys.
		k := vs + 1
		for k < len(s) && (s[k] == '\\' || s[k] == '"') {
			k++
		}
		k0 := k
		for k < len(s) && isKeyByte(s[k]) {
			k++
		}
		if k == k0 || !isWrapperKey(s[k0:k]) {
			return p
		}
		for k < len(s) && (s[k] == '\\' || s[k] == '"' || s[k] == ' ') {
			k++
		}
		if k >= len(s) || s[k] != ':' {
			return p
		}
		return keyedValue(s, k, key, kc, m)
	case c == '[':
		if kc != keySecret {
			return p
		}
		e := bytes.IndexByte(s[vs:min(len(s), vs+4096)], ']')
		if e < 0 || bytes.ContainsAny(s[vs+1:vs+e], "{[") {
			return p
		}
		if in := s[vs+1 : vs+e]; bytes.IndexByte(in, ':') >= 0 && bytes.IndexByte(in, '"') < 0 {
			return vs + e + 1 // a marker: [REDACTED:secret], [secret:9f2c...]
		}
		vs, ve = vs+1, vs+e
		for vs < ve && (s[vs] == '"' || s[vs] == '\\') {
			vs++
		}
		for ve > vs && (s[ve-1] == '"' || s[ve-1] == '\\') {
			ve--
		}
	default:
		ve = bareEnd(s, vs)
		if kc == keySecret && sep == ':' && isAuthScheme(s[vs:ve]) && ve+1 < len(s) && s[ve] == ' ' {
			ve = bareEnd(s, ve+1) // Authorization: Bearer xyz
		}
		ks := p - len(key)
		goStruct := sep == ':' && !spaced && ks > 0 && (s[ks-1] == '{' || s[ks-1] == ' ')
		if goStruct {
			ve = goFieldEnd(s, vs)
		} else if kc == keyName || kc == keyAddress || kc == keyDOB {
			ve = extendBare(s, ve)
		}
	}
	v := s[vs:ve]
	if len(v) == 0 || containsMarker(v) || ve < len(s) && s[ve] == ']' && containsMarker(s[vs:ve+1]) {
		return ve // nothing, or an earlier redaction ("+[REDACTED:secret]" ends at its bracket)
	}
	switch kc {
	case keySecret:
		m.add(TypeSecret, vs, ve)
	case keyName:
		if plausible(v, kc) {
			m.add(TypePersonName, vs, ve)
		}
	case keyAddress:
		if plausible(v, kc) {
			m.add(TypeStreetAddress, vs, ve)
		}
	case keyDOB:
		if plausible(v, kc) {
			m.add(TypeDateOfBirth, vs, ve)
		}
	case keySSN:
		if d, other := keyedDigits(v); d == 9 && other <= 2 {
			m.add(TypeSSN, vs, ve)
		}
	case keyPhone:
		if d, other := keyedDigits(v); d >= 7 && d <= 15 && other <= 5 {
			m.add(TypePhone, vs, ve)
		}
	}
	return ve
}

func keyedDigits(v []byte) (digits, other int) {
	for _, c := range v {
		switch {
		case isDigitByte(c):
			digits++
		case c == '-' || c == ' ' || c == '.' || c == '(' || c == ')' || c == '+':
			other++
		default:
			return 0, len(v)
		}
	}
	return digits, other
}

func isAuthScheme(v []byte) bool {
	for _, w := range [...]string{"bearer", "basic", "token", "digest", "negotiate", "aws4-hmac-sha256"} {
		if len(v) == len(w) && bytes.EqualFold(v, []byte(w)) {
			return true
		}
	}
	return false
}

// bareEnd returns the end of an unquoted value starting at s[i].
func bareEnd(s []byte, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', ',', ';', '&', '}', ']', ')', '"', '\'', '\\', '<', '>':
			return i
		}
	}
	return i
}

// extendBare extends an unquoted value at end over the following words
// until one that looks like the next key (Key: or key=) or a closing
// bracket: {Name:Jane Doe Email:...}.
func extendBare(s []byte, end int) int {
	for end+1 < len(s) && s[end] == ' ' {
		next := bareEnd(s, end+1)
		if next == end+1 {
			return end
		}
		w := s[end+1 : next]
		if bytes.IndexByte(w, ':') >= 0 || bytes.IndexByte(w, '=') >= 0 {
			return end
		}
		end = next
	}
	return end
}

// findPhrases adds the secret that follows "password" or "API key" in
// prose ("I've tried my password X", "Use API key X") when it has a digit
// or a symbol (so that "password authentication failed" stays).
func findPhrases(s []byte, m *matchSet) {
	sum := m.summary(s)
	if sum.has(fW) {
		// on the 'w' of "password ", rarer than its 'a'
		for i := 0; ; {
			j := indexAnchored(s[i:], "assword ", 4)
			if j < 0 {
				break
			}
			i += j + len("assword ")
			phraseValue(s, i-len("assword "), i, m)
		}
	}
	if sum.has(fY) {
		// "PI key ", "pi key ", "PI Key ", on their 'y'
		for i := 5; i+1 < len(s); {
			j := bytes.IndexByte(s[i:len(s)-1], 'y')
			if j < 0 {
				break
			}
			at := i + j
			i = at + 1
			if s[at+1] != ' ' {
				continue
			}
			switch string(s[at-5 : at]) {
			case "PI ke", "pi ke", "PI Ke":
				phraseValue(s, at-5, at+2, m)
			}
		}
	}
}

// phraseValue adds the value at s[vs] of the phrase s[ps:vs] ("assword ",
// "PI key "), when the phrase ends the word password or api key and what
// follows looks like a secret.
func phraseValue(s []byte, ps, vs int, m *matchSet) {
	if at := ps - 1; at < 0 || s[at] != 'p' && s[at] != 'P' && s[at] != 'a' && s[at] != 'A' ||
		at > 0 && isLowerByte(s[at-1]) {
		return // not the word password / api key
	}
	for _, filler := range [...]string{"is ", "was ", "of "} {
		if bytes.HasPrefix(s[vs:], []byte(filler)) {
			vs += len(filler)
		}
	}
	ve := vs
	for ve < len(s) && s[ve] != ' ' && s[ve] != '"' && s[ve] != '\\' && s[ve] != '\'' && s[ve] != '\n' {
		ve++
	}
	for ve > vs && (s[ve-1] == '.' || s[ve-1] == ',') && ve-vs > 1 && !hasDigitOrSymbol(s[vs:ve-1]) {
		ve--
	}
	if v := s[vs:ve]; len(v) >= 4 && hasDigitOrSymbol(v) && !containsMarker(v) {
		m.add(TypeSecret, vs, ve)
	}
}

func hasDigitOrSymbol(v []byte) bool {
	for _, c := range v {
		if !isLowerByte(c) && !isUpperByte(c) {
			return true
		}
	}
	return false
}

// goFieldEnd returns the end of the value of a field of a Go %+v struct
// starting at s[i]: the next " Field:" or the closing brace.
func goFieldEnd(s []byte, i int) int {
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '}', '\n':
			return j
		case ' ':
			k := j + 1
			if k < len(s) && isUpperByte(s[k]) {
				for k < len(s) && (isKeyByte(s[k]) && s[k] != '-' && s[k] != '.') {
					k++
				}
				if k < len(s) && s[k] == ':' {
					return j
				}
			}
		}
	}
	return len(s)
}

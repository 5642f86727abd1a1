package redact

import "bytes"

// The operators leave markers where values stood: "[REDACTED:email]"
// (mask), "[email:9f2c3a1b7e6d5c4b]" (hmac) and "************1111"
// (partial). Redacting a redacted text must change nothing, so nothing
// inside a marker is a finding and a marker is never replaced again: the
// engine drops the matches that are, or lie inside, a marker.

// maxTypeName bounds a type name in a marker (and a custom type's name).
const maxTypeName = 40

// hmacHex is the number of hex digits of an hmac token.
const hmacHex = 16

// markerEnd returns the end of the mask or hmac marker that starts at s[i],
// or 0 when none does.
func markerEnd(s []byte, i int) int {
	if i >= len(s) || s[i] != '[' {
		return 0
	}
	rest := s[i+1:]
	if bytes.HasPrefix(rest, []byte("REDACTED:")) {
		n := typeNameLen(rest[len("REDACTED:"):])
		if e := i + 1 + len("REDACTED:") + n; n > 0 && e < len(s) && s[e] == ']' {
			return e + 1
		}
		return 0
	}
	n := typeNameLen(rest)
	if n == 0 || n+1+hmacHex >= len(rest) || rest[n] != ':' || rest[n+1+hmacHex] != ']' {
		return 0
	}
	for _, c := range rest[n+1 : n+1+hmacHex] {
		if !isDigitByte(c) && (c < 'a' || c > 'f') {
			return 0
		}
	}
	return i + 1 + n + 1 + hmacHex + 1
}

// typeNameLen returns the length of the type name s starts with.
func typeNameLen(s []byte) int {
	n := 0
	for n < len(s) && n <= maxTypeName && isTypeNameByte(s[n]) {
		n++
	}
	if n > maxTypeName {
		return 0
	}
	return n
}

func isTypeNameByte(c byte) bool {
	return isAlnum(c) && c < 0x80 || c == '_' || c == '-' || c == '.'
}

// validTypeName reports whether name can name a custom type: its markers
// must be recognisable as such.
func validTypeName(name string) bool {
	return name != "" && typeNameLen([]byte(name)) == len(name)
}

// isMarker reports whether v, give or take the punctuation around it, is
// one mask or hmac marker: "password :[REDACTED:secret]" is redacted already.
func isMarker(v []byte) bool {
	v = bytes.Trim(v, ` :=,;'"`)
	return len(v) > 0 && markerEnd(v, 0) == len(v)
}

// containsMarker reports whether v holds a mask or hmac marker.
func containsMarker(v []byte) bool {
	for i := bytes.IndexByte(v, '['); i >= 0; {
		if markerEnd(v, i) > 0 {
			return true
		}
		j := bytes.IndexByte(v[i+1:], '[')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// markerSpan is where a marker lies in a text.
type markerSpan struct{ start, end int }

// appendMarkers appends the markers of s to spans: mask and hmac markers,
// and the digits a partial mask left ("****-****-1111": the whole run from
// the first '*' to the last digit).
func appendMarkers(spans []markerSpan, s []byte) []markerSpan {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			if e := markerEnd(s, i); e > 0 {
				spans = append(spans, markerSpan{i, e})
				i = e - 1
			}
		case '*':
			if e := partialEnd(s, i); e > 0 {
				spans = append(spans, markerSpan{i, e})
				i = e - 1
			}
		}
	}
	return spans
}

// minPartialStars is the fewest stars of a partial mask: the shortest
// number it masks, a seven-digit phone, keeps four digits of seven.
const minPartialStars = 3

// partialEnd returns the end of what a partial mask kept, when the stars at
// s[i] (at least minPartialStars, and the separators between them) are
// followed by digits ("****-****-1111"): the first four of them at most, the
// most the mask keeps, all in one group (see appendPartial); else 0. A star
// or two before a number ("*4111 1111 1111 1111") is no mask.
func partialEnd(s []byte, i int) int {
	isSep := func(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' }
	j, stars := i, 0
	for j < len(s) && (s[j] == '*' || isSep(s[j]) && j+1 < len(s) && (s[j+1] == '*' || isDigitByte(s[j+1]))) {
		if s[j] == '*' {
			stars++
		}
		j++
	}
	if stars < minPartialStars {
		return 0
	}
	e := j
	for e < len(s) && e < j+4 && isDigitByte(s[e]) {
		e++
	}
	if e == j {
		return 0
	}
	return e
}

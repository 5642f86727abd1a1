package jsonscan

import (
	"unicode/utf16"
	"unicode/utf8"
)

// plain reports whether the inside of a JSON string (without its quotes)
// decodes to itself: no escapes, no control characters, valid UTF-8.
func plain(s []byte) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c < ' ' {
			return false
		}
		if c >= utf8.RuneSelf {
			return utf8.Valid(s[i:]) && plainASCIIRest(s[i:])
		}
	}
	return true
}

// plainASCIIRest reports whether s, known to be valid UTF-8, has no escape,
// quote or control character.
func plainASCIIRest(s []byte) bool {
	for _, c := range s {
		if c == '\\' || c == '"' || c < ' ' {
			return false
		}
	}
	return true
}

// Unquote decodes raw, a JSON string value quotes included, as
// encoding/json does: escapes are decoded, and invalid UTF-8 and unpaired
// surrogates become U+FFFD. ok is false if raw is not a well-formed string.
func Unquote(raw []byte) (s string, ok bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && plain(raw[1:len(raw)-1]) {
		return string(raw[1 : len(raw)-1]), true
	}
	b, ok := AppendUnquote(nil, raw)
	if !ok {
		return "", false
	}
	return string(b), true
}

// AppendUnquote appends the decoded string raw (see [Unquote]) to dst. On
// failure it returns dst unchanged and false.
func AppendUnquote(dst, raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return dst, false
	}
	s := raw[1 : len(raw)-1]
	n := len(dst)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			if r >= len(s) {
				return dst[:n], false
			}
			switch s[r] {
			case '"', '\\', '/':
				dst = append(dst, s[r])
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
				rr := getu4(s[r-1:])
				if rr < 0 {
					return dst[:n], false
				}
				r += 4 // now at the last hex digit
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r+1:])
					if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
						dst = utf8.AppendRune(dst, dec)
						r += 6
						break
					}
					rr = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, rr)
			default:
				return dst[:n], false
			}
			r++
		case c == '"' || c < ' ':
			return dst[:n], false
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			dst = utf8.AppendRune(dst, rr)
			r += size
		}
	}
	return dst, true
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// EqualString reports whether raw, a JSON string value quotes included,
// decodes to s. It allocates nothing for strings without escapes and for
// short strings with them.
func EqualString(raw []byte, s string) bool {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return false
	}
	in := raw[1 : len(raw)-1]
	if plain(in) {
		return string(in) == s
	}
	var buf [128]byte
	u, ok := AppendUnquote(buf[:0], raw)
	return ok && string(u) == s
}

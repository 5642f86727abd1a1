package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// SyntaxError describes why a document is not valid JSON. It carries the
// byte offset where the problem was found and a fixed reason, never bytes of
// the document.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Reason string // one of a fixed set of phrases, e.g. "invalid character"
}

// Error returns "jsonscan: " followed by the reason and the offset.
func (e *SyntaxError) Error() string {
	return "jsonscan: " + e.Reason + " at offset " + strconv.Itoa(e.Offset)
}

// The reasons a [SyntaxError] can give.
const (
	ReasonEnd        = "unexpected end of input"
	ReasonChar       = "invalid character"
	ReasonAfterValue = "invalid character after top-level value"
	ReasonKey        = "object key is not a string"
	ReasonColon      = "missing colon after object key"
	ReasonSeparator  = "missing comma or closing bracket"
	ReasonControl    = "control character in string"
	ReasonEscape     = "invalid escape in string"
	ReasonNumber     = "invalid number"
	ReasonLiteral    = "invalid literal"
	ReasonDepth      = "exceeded max depth"
)

// Valid reports whether data is one valid JSON value, with optional
// whitespace around it. It agrees with encoding/json.Valid.
func Valid(data []byte) bool { return Validate(data) == nil }

// Validate walks data once and returns nil if it is one valid JSON value
// (with optional whitespace around it), else a [*SyntaxError]. Nesting deeper
// than 10000 levels is an error, as in encoding/json. It allocates nothing
// unless it fails.
func Validate(data []byte) error { return ValidateMembers(data, nil) }

// ValidateMembers is [Validate] that also, in the same pass, calls fn with
// the key (unquoted, as [ObjectIter.Key] returns it) and the raw value of
// each member of data, when data is an object, in document order. When data
// turns out to be invalid, fn may already have been called for the members
// before the error: discard what it collected. Like ObjectIter.Key, key is
// a slice of data when it needs no unquoting; fn must not modify it.
func ValidateMembers(data []byte, fn func(key, value []byte)) error {
	off, reason := validate(data, fn)
	if reason == "" {
		return nil
	}
	return &SyntaxError{Offset: off, Reason: reason}
}

// validate returns the offset and reason of the first error, reason "" if
// there is none. If fn is not nil it is called for each member of the
// top-level object.
func validate(data []byte, fn func(key, value []byte)) (int, string) {
	// stack holds one bit per open container: 1 for an object, 0 for an array.
	var stack [(maxDepth + 63) / 64]uint64
	depth := 0
	n := len(data)
	// The member of the top-level object whose value is being read.
	var keyStart, keyEnd, valueStart int
	pending := false
	i := skipSpace(data, 0)
	for {
		// A value starts at i.
		if i >= n {
			return i, ReasonEnd
		}
		switch c := data[i]; {
		case c == '{' || c == '[':
			if depth == maxDepth {
				return i, ReasonDepth
			}
			if c == '{' {
				stack[depth/64] |= 1 << (depth % 64)
			} else {
				stack[depth/64] &^= 1 << (depth % 64)
			}
			depth++
			i = skipSpace(data, i+1)
			if i >= n {
				return i, ReasonEnd
			}
			if c == '{' {
				if data[i] == '}' {
					depth--
					i++
					break // to the end of a value
				}
				start := i
				end, v, reason := key(data, i)
				if reason != "" {
					return v, reason
				}
				if depth == 1 && fn != nil {
					keyStart, keyEnd, valueStart, pending = start, end, v, true
				}
				i = v
				continue // to the member's value
			}
			if data[i] == ']' {
				depth--
				i++
				break
			}
			continue // to the first element
		case c == '"':
			e, reason := validString(data, i)
			if reason != "" {
				return e, reason
			}
			i = e
		case c == '-' || ('0' <= c && c <= '9'):
			e, reason := validNumber(data, i)
			if reason != "" {
				return e, reason
			}
			i = e
		case c == 't':
			if !literal(data, i, "true") {
				return i, ReasonLiteral
			}
			i += 4
		case c == 'f':
			if !literal(data, i, "false") {
				return i, ReasonLiteral
			}
			i += 5
		case c == 'n':
			if !literal(data, i, "null") {
				return i, ReasonLiteral
			}
			i += 4
		default:
			return i, ReasonChar
		}

		// A value ended just before i: close containers until one goes on.
		for {
			if pending && depth == 1 {
				fn(memberKey(data[keyStart:keyEnd]), data[valueStart:i])
				pending = false
			}
			i = skipSpace(data, i)
			if depth == 0 {
				if i != n {
					return i, ReasonAfterValue
				}
				return 0, ""
			}
			if i >= n {
				return i, ReasonEnd
			}
			inObject := stack[(depth-1)/64]&(1<<((depth-1)%64)) != 0
			c := data[i]
			if c == ',' {
				i = skipSpace(data, i+1)
				if inObject {
					start := i
					end, v, reason := key(data, i)
					if reason != "" {
						return v, reason
					}
					if depth == 1 && fn != nil {
						keyStart, keyEnd, valueStart, pending = start, end, v, true
					}
					i = v
				}
				break // to the next value
			}
			if (inObject && c == '}') || (!inObject && c == ']') {
				depth--
				i++
				continue
			}
			return i, ReasonSeparator
		}
	}
}

// memberKey unquotes a raw key of a valid document.
func memberKey(raw []byte) []byte {
	if plain(raw[1 : len(raw)-1]) {
		return raw[1 : len(raw)-1]
	}
	k, _ := AppendUnquote(nil, raw)
	return k
}

// key validates an object key and the colon after it, starting at i. It
// returns the index just after the key and the index of the member's value,
// or, on error, the offset of the error in place of the latter.
func key(data []byte, i int) (end, value int, reason string) {
	if i >= len(data) {
		return 0, i, ReasonEnd
	}
	if data[i] != '"' {
		return 0, i, ReasonKey
	}
	e, reason := validString(data, i)
	if reason != "" {
		return 0, e, reason
	}
	i = skipSpace(data, e)
	if i >= len(data) {
		return 0, i, ReasonEnd
	}
	if data[i] != ':' {
		return 0, i, ReasonColon
	}
	return e, skipSpace(data, i+1), ""
}

// literal reports whether data[i:] starts with lit.
func literal(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

// validString validates the string whose opening quote is at data[i] and
// returns the index just after it.
func validString(data []byte, i int) (int, string) {
	n := len(data)
	i++
	for {
		for i+8 <= n {
			w := binary.LittleEndian.Uint64(data[i:])
			m := hasByte(w, '"') | hasByte(w, '\\') | hasLess(w, ' ')
			if m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		for i < n && data[i] >= ' ' && data[i] != '"' && data[i] != '\\' {
			i++
		}
		if i >= n {
			return i, ReasonEnd
		}
		switch data[i] {
		case '"':
			return i + 1, ""
		case '\\':
			if i+1 >= n {
				return n, ReasonEnd
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= n {
						return n, ReasonEnd
					}
					if !isHex(data[k]) {
						return k, ReasonEscape
					}
				}
				i += 6
			default:
				return i + 1, ReasonEscape
			}
		default: // control character
			return i, ReasonControl
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validNumber validates the number that starts at data[i] and returns the
// index just after it.
func validNumber(data []byte, i int) (int, string) {
	n := len(data)
	if data[i] == '-' {
		i++
		if i >= n {
			return i, ReasonEnd
		}
	}
	switch {
	case data[i] == '0':
		i++
	case isDigit(data[i]):
		for i < n && isDigit(data[i]) {
			i++
		}
	default:
		return i, ReasonNumber
	}
	if i < n && data[i] == '.' {
		i++
		if i >= n {
			return i, ReasonEnd
		}
		if !isDigit(data[i]) {
			return i, ReasonNumber
		}
		for i < n && isDigit(data[i]) {
			i++
		}
	}
	if i < n && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < n && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= n {
			return i, ReasonEnd
		}
		if !isDigit(data[i]) {
			return i, ReasonNumber
		}
		for i < n && isDigit(data[i]) {
			i++
		}
	}
	return i, ""
}

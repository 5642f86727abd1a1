package encrypt

import (
	"errors"
	"strconv"
	"strings"
)

// segKind is the kind of one step of a field path.
type segKind uint8

const (
	segKey      segKind = iota // an object member by key
	segIndex                   // an array element by index
	segWildcard                // every member of an object, every element of an array
)

// segment is one step of a parsed field path.
type segment struct {
	kind  segKind
	key   string
	index int
}

// maxPathIndex bounds the indexes a path may name.
const maxPathIndex = 1<<31 - 1

// parseFieldPath parses a field path of EncryptFields (see its doc). The
// error never quotes the path: callers name it.
func parseFieldPath(p string) ([]segment, error) {
	if p == "" {
		return nil, errors.New("empty path")
	}
	i := 0
	var segs []segment
	if p[0] == '$' && (len(p) == 1 || p[1] == '.' || p[1] == '[') {
		i = 1
	} else if p[0] != '[' {
		// A first bare key, without the leading dot.
		p = "." + p
	}
	for i < len(p) {
		switch p[i] {
		case '.':
			i++
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			key := p[i:j]
			switch {
			case key == "":
				return nil, errors.New("empty key")
			case key == "*":
				segs = append(segs, segment{kind: segWildcard})
			case strings.ContainsAny(key, "]'\""):
				return nil, errors.New("a key with ] or quotes must be written in brackets: ['key']")
			default:
				segs = append(segs, segment{kind: segKey, key: key})
			}
			i = j
		case '[':
			i++
			if i >= len(p) {
				return nil, errors.New("unterminated [")
			}
			switch c := p[i]; {
			case c == '*':
				if i+1 >= len(p) || p[i+1] != ']' {
					return nil, errors.New("want ] after [*")
				}
				segs = append(segs, segment{kind: segWildcard})
				i += 2
			case c >= '0' && c <= '9':
				j := i
				for j < len(p) && p[j] >= '0' && p[j] <= '9' {
					j++
				}
				if j >= len(p) || p[j] != ']' {
					return nil, errors.New("want ] after an index")
				}
				if j-i > 1 && p[i] == '0' {
					return nil, errors.New("index with a leading zero")
				}
				n, err := strconv.Atoi(p[i:j])
				if err != nil || n > maxPathIndex {
					return nil, errors.New("index out of range")
				}
				segs = append(segs, segment{kind: segIndex, index: n})
				i = j + 1
			case c == '\'' || c == '"':
				var b strings.Builder
				j := i + 1
				for ; j < len(p) && p[j] != c; j++ {
					if p[j] == '\\' {
						j++
						if j >= len(p) || p[j] != c && p[j] != '\\' {
							return nil, errors.New(`in a quoted key, \ escapes only the quote and \`)
						}
					}
					b.WriteByte(p[j])
				}
				if j+1 >= len(p) || p[j+1] != ']' {
					return nil, errors.New("unterminated quoted key")
				}
				segs = append(segs, segment{kind: segKey, key: b.String()})
				i = j + 2
			default:
				return nil, errors.New("want *, an index or a quoted key after [")
			}
		default:
			return nil, errors.New("want . or [ between steps")
		}
	}
	return segs, nil
}

// appendPathKey appends the step to the member key to a concrete path:
// ".key" when the key can be written bare, else "['key']" with ' and \
// escaped.
func appendPathKey(dst []byte, key []byte) []byte {
	bare := len(key) > 0 && !(len(key) == 1 && key[0] == '*')
	for _, c := range key {
		if c < 0x20 || c == 0x7f || strings.IndexByte(".[]'\"\\", c) >= 0 {
			bare = false
			break
		}
	}
	if bare {
		dst = append(dst, '.')
		return append(dst, key...)
	}
	dst = append(dst, "['"...)
	for _, c := range key {
		if c == '\'' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return append(dst, "']"...)
}

// appendPathIndex appends the step to the array element i to a concrete path.
func appendPathIndex(dst []byte, i int) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, ']')
}

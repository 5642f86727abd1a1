// Package jsonscan reads values out of JSON documents in place, without
// decoding them into maps or structs: [Validate] walks a document once and
// says whether it is valid JSON, [Lookup] finds the raw bytes of a value by a
// path of object keys and array indexes, [ObjectIter] and [ArrayIter] walk the
// members of one object or array, and [Unquote] decodes a string value.
//
// The package agrees with encoding/json: [Valid] gives the verdict of
// json.Valid (nesting deeper than 10000 levels included), strings unquote as
// json.Unmarshal unquotes them (invalid UTF-8 and lone surrogates become
// U+FFFD), and when an object has a key more than once the last one wins, as
// it does when encoding/json decodes into a map.
//
// Lookup and the iterators expect a valid document (check it once with
// Validate); on invalid input they never panic, but what they return is
// unspecified. The package uses the standard library only, allocates nothing
// on its common paths, and never puts document bytes into its errors.
package jsonscan

import (
	"encoding/binary"
	"iter"
	"math/bits"
)

// maxDepth is encoding/json's limit on the nesting of arrays and objects.
const maxDepth = 10000

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool { return c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r') }

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// TrimSpace returns data without the JSON whitespace around it.
func TrimSpace(data []byte) []byte {
	i := skipSpace(data, 0)
	j := len(data)
	for j > i && isSpace(data[j-1]) {
		j--
	}
	return data[i:j]
}

// skipString returns the index just after the string whose opening quote is
// at data[i], or -1 if it is not terminated. It does not validate.
func skipString(data []byte, i int) int {
	n := len(data)
	i++
	for {
		for i+8 <= n {
			w := binary.LittleEndian.Uint64(data[i:])
			m := hasByte(w, '"') | hasByte(w, '\\')
			if m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		for i < n && data[i] != '"' && data[i] != '\\' {
			i++
		}
		if i >= n {
			return -1
		}
		if data[i] == '"' {
			return i + 1
		}
		i += 2 // a backslash and the byte it escapes
	}
}

// SWAR helpers: the bytes of a little-endian uint64 are 8 bytes of input,
// the first in the low byte. Each returns a word whose lowest set high bit
// marks the first byte that matches (bits above it may be false positives).
const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// hasByte marks the bytes of w equal to c.
func hasByte(w uint64, c byte) uint64 {
	x := w ^ (lsbs * uint64(c))
	return (x - lsbs) &^ x & msbs
}

// hasLess marks the bytes of w less than c (c <= 128).
func hasLess(w uint64, c byte) uint64 {
	return (w - lsbs*uint64(c)) &^ w & msbs
}

// skipValue returns the index just after the value that starts at data[i]
// (i at its first byte, not at whitespace), or -1 if there is none. It does
// not validate: on a valid document it finds the value's end; on an invalid
// one it returns some index or -1, never panicking.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				if i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	case '}', ']', ',', ':':
		return -1
	default: // number or literal: up to the next delimiter
		start := i
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
				if i == start {
					return -1
				}
				return i
			}
			i++
		}
		return i
	}
}

// Lookup returns the raw bytes of the value found in data by following path:
// each element is an object key (the last occurrence of a duplicated key
// wins, as in encoding/json) or, where the value is an array, a decimal index
// ("0", "1", ...; no sign, no leading zeros). With no path it returns the
// whole value without surrounding whitespace. ok is false when the path does
// not lead to a value.
func Lookup(data []byte, path ...string) (value []byte, ok bool) {
	v := TrimSpace(data)
	if len(v) == 0 {
		return nil, false
	}
	for _, p := range path {
		switch v[0] {
		case '{':
			v, ok = member(v, p)
		case '[':
			v, ok = element(v, p)
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
	}
	return v, true
}

// String returns the string found in data by following path (see [Lookup]),
// unquoted. ok is false when there is no value there or it is not a string.
func String(data []byte, path ...string) (s string, ok bool) {
	v, ok := Lookup(data, path...)
	if !ok || len(v) == 0 || v[0] != '"' {
		return "", false
	}
	return Unquote(v)
}

// member returns the value of the last member of obj whose key is key.
func member(obj []byte, key string) (value []byte, ok bool) {
	it := NewObjectIter(obj)
	for it.Next() {
		if EqualString(it.RawKey(), key) {
			value, ok = it.Value(), true
		}
	}
	return value, ok
}

// element returns the element of arr at the decimal index idx.
func element(arr []byte, idx string) ([]byte, bool) {
	n, ok := parseIndex(idx)
	if !ok {
		return nil, false
	}
	it := NewArrayIter(arr)
	for i := 0; it.Next(); i++ {
		if i == n {
			return it.Value(), true
		}
	}
	return nil, false
}

// parseIndex parses a non-negative decimal without sign or leading zeros.
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ObjectIter walks the members of one JSON object in document order:
//
//	it := jsonscan.NewObjectIter(obj)
//	for it.Next() {
//		use(it.Key(), it.Value())
//	}
//
// It allocates nothing unless a key has escapes.
type ObjectIter struct {
	data       []byte
	i          int
	key, value []byte
	done       bool
}

// NewObjectIter returns an iterator over the members of obj, a raw JSON
// object (whitespace around it allowed). If obj is not an object the
// iterator is empty.
func NewObjectIter(obj []byte) ObjectIter {
	obj = TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' {
		return ObjectIter{done: true}
	}
	return ObjectIter{data: obj, i: 1}
}

// Next advances to the next member and reports whether there is one.
func (it *ObjectIter) Next() bool {
	if it.done {
		return false
	}
	d := it.data
	i := skipSpace(d, it.i)
	if i < len(d) && d[i] == ',' {
		i = skipSpace(d, i+1)
	}
	if i >= len(d) || d[i] != '"' {
		it.done = true
		return false
	}
	k := skipString(d, i)
	if k < 0 {
		it.done = true
		return false
	}
	it.key = d[i:k]
	i = skipSpace(d, k)
	if i >= len(d) || d[i] != ':' {
		it.done = true
		return false
	}
	i = skipSpace(d, i+1)
	e := skipValue(d, i)
	if e < 0 {
		it.done = true
		return false
	}
	it.value = d[i:e]
	it.i = e
	return true
}

// RawKey returns the current member's key as it is in the document, quotes
// and escapes included.
func (it *ObjectIter) RawKey() []byte { return it.key }

// Key returns the current member's key, unquoted. It is a slice of the
// document when the key needs no unquoting (the common case), else a new
// slice; callers must not modify it.
func (it *ObjectIter) Key() []byte {
	k := it.key
	if len(k) >= 2 && plain(k[1:len(k)-1]) {
		return k[1 : len(k)-1]
	}
	u, _ := AppendUnquote(nil, k)
	return u
}

// Value returns the current member's raw value.
func (it *ObjectIter) Value() []byte { return it.value }

// ArrayIter walks the elements of one JSON array in document order, as
// [ObjectIter] walks an object's members.
type ArrayIter struct {
	data  []byte
	i     int
	value []byte
	done  bool
}

// NewArrayIter returns an iterator over the elements of arr, a raw JSON
// array (whitespace around it allowed). If arr is not an array the iterator
// is empty.
func NewArrayIter(arr []byte) ArrayIter {
	arr = TrimSpace(arr)
	if len(arr) < 2 || arr[0] != '[' {
		return ArrayIter{done: true}
	}
	return ArrayIter{data: arr, i: 1}
}

// Next advances to the next element and reports whether there is one.
func (it *ArrayIter) Next() bool {
	if it.done {
		return false
	}
	d := it.data
	i := skipSpace(d, it.i)
	if i < len(d) && d[i] == ',' {
		i = skipSpace(d, i+1)
	}
	if i >= len(d) || d[i] == ']' {
		it.done = true
		return false
	}
	e := skipValue(d, i)
	if e < 0 {
		it.done = true
		return false
	}
	it.value = d[i:e]
	it.i = e
	return true
}

// Value returns the current element's raw bytes.
func (it *ArrayIter) Value() []byte { return it.value }

// Members returns an iterator over the unquoted keys and raw values of the
// members of obj (see [ObjectIter]).
func Members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		it := NewObjectIter(obj)
		for it.Next() {
			if !yield(it.Key(), it.Value()) {
				return
			}
		}
	}
}

// Elements returns an iterator over the raw elements of arr (see
// [ArrayIter]).
func Elements(arr []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		it := NewArrayIter(arr)
		for it.Next() {
			if !yield(it.Value()) {
				return
			}
		}
	}
}

// Pick reads, in one pass over the object obj, the members named by keys:
// vals[i] is the raw value of keys[i] (of its last occurrence), or nil.
// vals must be at least as long as keys. A value that is not an object
// yields no members.
func Pick(obj []byte, keys []string, vals [][]byte) {
	clear(vals[:len(keys)])
	for it := NewObjectIter(obj); it.Next(); {
		k := it.Key()
		for i, name := range keys {
			if string(k) == name {
				vals[i] = it.Value()
				break
			}
		}
	}
}

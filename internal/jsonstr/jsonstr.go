// Package jsonstr writes JSON strings for the redaction adapters, which
// build the small documents they hand to the redactor by hand.
package jsonstr

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Append appends s to b as a JSON string, quotes included. Invalid UTF-8
// becomes U+FFFD, as encoding/json does.
func Append(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Member is one member of a JSON object: its key and its value as it was
// written.
type Member struct {
	Key string
	Raw json.RawMessage
}

// ErrNotObject is what [Members] returns for a document that is not a JSON
// object.
var ErrNotObject = errors.New("jsonstr: not a JSON object")

// Members lists the members of the JSON object doc, in order.
func Members(doc []byte) ([]Member, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, ErrNotObject
	}
	var ms []Member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		ms = append(ms, Member{Key: k, Raw: raw})
	}
	return ms, nil
}

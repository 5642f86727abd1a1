package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
)

// A keyFileForm is what the file of a key file flag holds: base64, white
// space around it allowed, of bytes that check accepts. The flags share it so
// that each reads its file, and clears what it read, in the same way.
type keyFileForm struct {
	flag  string             // the flag, to name in errors
	want  string             // what the file must hold, for the error when it is not base64
	encs  []*base64.Encoding // the alphabets accepted, tried in order
	check func([]byte) error // rejects decoded bytes that cannot be the key
}

// read returns the bytes that the base64 in file decodes to. The file's
// bytes are cleared in every case, and the decoded bytes when they are
// rejected, so that no copy of a key outlives the read but the one returned.
// Errors name the flag and file, never the content.
func (f keyFileForm) read(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.flag, err)
	}
	defer clear(data)
	text := bytes.TrimSpace(data)
	// Decoding into a buffer of our own, not through a string, leaves no
	// copy that cannot be cleared; the decoded bytes are fewer than the text.
	key := make([]byte, len(text))
	n := 0
	for _, enc := range f.encs {
		if n, err = enc.Decode(key, text); err == nil {
			break
		}
	}
	if err != nil {
		clear(key)
		return nil, fmt.Errorf("%s %s: not base64 (want %s)", f.flag, file, f.want)
	}
	clear(key[n:]) // what failed decodings may have left
	key = key[:n:n]
	if err := f.check(key); err != nil {
		clear(key)
		return nil, fmt.Errorf("%s %s: %w", f.flag, file, err)
	}
	return key, nil
}

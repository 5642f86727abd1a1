package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

const (
	readBufSize  = 256 << 10 // lines up to this size are read without a copy
	maxLineBytes = 64 << 20  // longer lines are an error
)

// lineReader reads lines of any length up to max bytes. A line is returned
// with its terminator ("\n", "\r\n", or none for a last line without one)
// and is valid until the next call.
type lineReader struct {
	r    *bufio.Reader
	long []byte // holds a line longer than r's buffer, reused
	max  int
	n    int // number of the last line returned, from 1
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, readBufSize), max: maxLineBytes}
}

// lineTooLongError reports a line longer than the reader accepts.
type lineTooLongError struct {
	line, max int
}

func (e *lineTooLongError) Error() string {
	if e.max%(1<<20) == 0 {
		return fmt.Sprintf("line %d is longer than %d MiB", e.line, e.max>>20)
	}
	return fmt.Sprintf("line %d is longer than %d bytes", e.line, e.max)
}

// next returns the next line, or io.EOF after the last one.
func (lr *lineReader) next() ([]byte, error) {
	line, err := lr.r.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		return lr.nextLong(line)
	case errors.Is(err, io.EOF) && len(line) > 0:
	default:
		return nil, err
	}
	lr.n++
	if len(line) > lr.max {
		return nil, &lineTooLongError{line: lr.n, max: lr.max}
	}
	return line, nil
}

// nextLong assembles a line longer than the read buffer, of which first
// is the beginning.
func (lr *lineReader) nextLong(first []byte) ([]byte, error) {
	lr.n++
	lr.long = append(lr.long[:0], first...)
	for {
		if len(lr.long) > lr.max {
			return nil, &lineTooLongError{line: lr.n, max: lr.max}
		}
		part, err := lr.r.ReadSlice('\n')
		lr.long = append(lr.long, part...)
		switch {
		case err == nil, errors.Is(err, io.EOF):
			if len(lr.long) > lr.max {
				return nil, &lineTooLongError{line: lr.n, max: lr.max}
			}
			return lr.long, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return nil, err
		}
	}
}

// splitEOL splits a line into its content and its terminator.
func splitEOL(line []byte) (content, eol []byte) {
	n := len(line)
	switch {
	case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
		return line[:n-2], line[n-2:]
	case n >= 1 && line[n-1] == '\n':
		return line[:n-1], line[n-1:]
	}
	return line, nil
}

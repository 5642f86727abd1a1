package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"runtime"
	"sync"

	"github.com/lambda-compliance/compliance/redact"
)

var redactCmd = &command{
	name:    "redact",
	summary: "copy stdin to stdout with PII and secrets replaced, line by line",
	usage:   "redact [flags] < in > out",
	help: `Each input line is redacted on its own and written as exactly one output line, with its
line ending ("\n" or "\r\n", none after a last line without one). A line that is a JSON object
or array is walked as JSON and stays valid JSON. Lines may be up to 64 MiB long.
By default every default detector is on and values become typed markers: [REDACTED:email].
`,
	setup: func(fs *flag.FlagSet) func(*env, []string) int {
		var f redactorFlags
		f.register(fs, true)
		return func(e *env, args []string) int {
			if len(args) > 0 {
				e.errorf("redact: reads stdin and takes no arguments (got %q)", args[0])
				return exitUsage
			}
			r, err := f.redactor()
			if err != nil {
				e.errorf("redact: %v", err)
				return exitUsage
			}
			if err := redactLines(r.Append, newLineReader(e.stdin), e.stdout); err != nil {
				e.errorf("redact: %v", err)
				return exitFail
			}
			return exitOK
		}
	},
}

const (
	chunkSize    = 64 << 10 // lines are redacted in chunks of about this many bytes
	maxKeptChunk = 8 << 20  // a chunk buffer grown past this by a long line is dropped after use
)

// chunk is a run of whole input lines and, once redacted, their output.
type chunk struct {
	in, out []byte
	fs      redact.Findings // scratch for the findings of each line, dropped
	done    chan struct{}
}

// redactLines copies the lines of lr to out through redact, keeping each
// line's terminator. Chunks of lines are redacted on GOMAXPROCS goroutines
// and written in order. On a read error, the lines before it are written.
func redactLines(redact appendFunc, lr *lineReader, out io.Writer) error {
	workers := runtime.GOMAXPROCS(0)
	n := 2*workers + 2 // chunks in flight
	free := make(chan *chunk, n)
	for range n {
		free <- &chunk{done: make(chan struct{}, 1)}
	}
	work, ordered := make(chan *chunk, n), make(chan *chunk, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range work {
				c.out, c.fs = redactChunk(redact, c.in, c.out[:0], c.fs)
				c.done <- struct{}{}
			}
		})
	}
	stop := make(chan struct{}) // closed by the writer when out fails
	written := make(chan error, 1)
	go func() {
		var err error
		for c := range ordered {
			<-c.done
			if err == nil {
				if _, err = out.Write(c.out); err != nil {
					close(stop)
				}
			}
			if cap(c.in) > maxKeptChunk || cap(c.out) > maxKeptChunk {
				c.in, c.out, c.fs = nil, nil, nil
			}
			free <- c
		}
		written <- err
	}()

	var readErr error
	c := <-free
	c.in = c.in[:0]
	for {
		line, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		c.in = append(c.in, line...)
		if len(c.in) < chunkSize {
			continue
		}
		work <- c
		ordered <- c
		select {
		case <-stop: // out failed: read no further
			c = nil
		default:
			c = <-free // the writer hands every chunk back, even after a failure
			c.in = c.in[:0]
			continue
		}
		break
	}
	if c != nil && len(c.in) > 0 {
		work <- c
		ordered <- c
	}
	close(work)
	close(ordered)
	wg.Wait()
	if err := <-written; err != nil {
		return writeError(err)
	}
	if readErr != nil {
		return readError(readErr)
	}
	return nil
}

// appendFunc appends the redaction of a line to dst and what it found to
// fs, as redact.Redactor.Append.
type appendFunc func(dst []byte, fs redact.Findings, line []byte) ([]byte, redact.Findings)

// redactChunk appends to out the redaction of each line of in. fs is
// scratch for each line's findings, reused from line to line and returned
// for the next chunk.
func redactChunk(redact appendFunc, in, out []byte, fs redact.Findings) ([]byte, redact.Findings) {
	for len(in) > 0 {
		i := bytes.IndexByte(in, '\n') + 1
		if i == 0 {
			i = len(in)
		}
		content, eol := splitEOL(in[:i])
		out, fs = redact(out, fs[:0], content)
		out = append(out, eol...)
		in = in[i:]
	}
	return out, fs
}

func readError(err error) error {
	if _, ok := errors.AsType[*lineTooLongError](err); ok {
		return err
	}
	return errors.New("reading input: " + err.Error())
}

func writeError(err error) error {
	return errors.New("writing output: " + err.Error())
}

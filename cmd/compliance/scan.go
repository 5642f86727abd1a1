package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/lambda-compliance/compliance/redact"
)

var scanCmd = &command{
	name:    "scan",
	summary: "report where PII and secrets are in files or stdin, never the values",
	usage:   "scan [flags] [FILE...]",
	help: `Reads each FILE (stdin when there is none, or for "-") line by line and prints one line per
finding, FILE:LINE: TYPE START-END (START and END are byte offsets in the line, from 0, END
excluded), then a count per type. The values found are never printed.
--json writes one JSON object per finding, {"file","line","type","start","end"}, then one
{"summary":{TYPE:COUNT...},"findings","lines","linesWithFindings"}.
Exit status: 1 when anything is found, 0 when nothing is, 2 on a usage or read error.
`,
	setup: func(fs *flag.FlagSet) func(*env, []string) int {
		var f redactorFlags
		f.register(fs, false)
		var s scanner
		fs.BoolVar(&s.json, "json", false, "write JSON lines instead of text")
		fs.BoolVar(&s.quiet, "quiet", false, "print the summary only, not each finding")
		fs.BoolVar(&s.quiet, "q", false, "short for --quiet")
		return func(e *env, args []string) int {
			r, err := f.redactor()
			if err != nil {
				e.errorf("scan: %v", err)
				return exitUsage
			}
			s.r, s.e = r, e
			return s.run(args)
		}
	},
}

// scanner reports the findings of one scan.
type scanner struct {
	json, quiet bool
	r           *redact.Redactor
	e           *env
	w           *bufio.Writer
	buf         []byte // one output line, reused
	counts      map[string]int
	findings    int
	lines       int
	hitLines    int
}

func (s *scanner) run(files []string) int {
	s.w = bufio.NewWriterSize(s.e.stdout, 64<<10)
	s.counts = make(map[string]int)
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := exitOK
	for _, name := range files {
		if err := s.scanFile(name); err != nil {
			s.w.Flush()
			s.e.errorf("scan: %v", err)
			status = exitUsage
		}
	}
	s.summary()
	if err := s.w.Flush(); err != nil {
		s.e.errorf("scan: writing output: %v", err)
		return exitUsage
	}
	if status == exitOK && s.findings > 0 {
		status = exitFail
	}
	return status
}

func (s *scanner) scanFile(name string) error {
	in, label := s.e.stdin, "stdin"
	var total int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in, label = f, name
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			total = st.Size()
		}
	} else if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			total = st.Size()
		}
	}
	var fileJSON []byte
	if s.json {
		fileJSON, _ = json.Marshal(label)
	}
	p := newProgress(s.e.stderr, label, total)
	cr := &countingReader{r: in}
	lr := newLineReader(cr)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.done()
			return fmt.Errorf("%s: %w", label, readError(err))
		}
		s.lines++
		content, _ := splitEOL(line)
		_, fs := s.r.Bytes(content)
		if len(fs) > 0 {
			s.hitLines++
			s.findings += len(fs)
			for _, f := range fs {
				s.counts[f.Type]++
				if !s.quiet {
					s.report(label, fileJSON, lr.n, f)
				}
			}
		}
		p.update(cr.n)
	}
	p.done()
	return nil
}

// report writes one finding: where and what type, never the value.
func (s *scanner) report(label string, fileJSON []byte, line int, f redact.Finding) {
	b := s.buf[:0]
	if s.json {
		b = append(b, `{"file":`...)
		b = append(b, fileJSON...)
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(line), 10)
		b = append(b, `,"type":`...)
		b = strconv.AppendQuote(b, f.Type) // type names are plain ASCII
		b = append(b, `,"start":`...)
		b = strconv.AppendInt(b, int64(f.Start), 10)
		b = append(b, `,"end":`...)
		b = strconv.AppendInt(b, int64(f.End), 10)
		b = append(b, "}\n"...)
	} else {
		b = append(b, label...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(line), 10)
		b = append(b, ": "...)
		b = append(b, f.Type...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(f.Start), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(f.End), 10)
		b = append(b, '\n')
	}
	s.w.Write(b)
	s.buf = b
}

// summary writes the count per type, most frequent first.
func (s *scanner) summary() {
	types := make([]string, 0, len(s.counts))
	for t := range s.counts {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b string) int {
		return cmp.Or(cmp.Compare(s.counts[b], s.counts[a]), cmp.Compare(a, b))
	})
	if s.json {
		b := []byte(`{"summary":{`)
		for i, t := range types {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, t)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(s.counts[t]), 10)
		}
		b = fmt.Appendf(b, `},"findings":%d,"lines":%d,"linesWithFindings":%d}`+"\n", s.findings, s.lines, s.hitLines)
		s.w.Write(b)
		return
	}
	if len(types) > 0 {
		if !s.quiet {
			fmt.Fprintln(s.w)
		}
		width := len("type")
		for _, t := range types {
			width = max(width, len(t))
		}
		fmt.Fprintf(s.w, "%-*s %8s\n", width, "type", "count")
		for _, t := range types {
			fmt.Fprintf(s.w, "%-*s %8d\n", width, t, s.counts[t])
		}
	}
	fmt.Fprintf(s.w, "%s on %d of %s\n", plural(s.findings, "finding"), s.hitLines, plural(s.lines, "line"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

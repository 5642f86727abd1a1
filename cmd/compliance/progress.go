package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

const (
	progressDelay = 500 * time.Millisecond // inputs read faster than this show no bar
	progressEvery = 100 * time.Millisecond // at most 10 redraws a second
)

// progress draws a one-line progress report on stderr while a large input
// is read, when stderr is a terminal: bytes read out of the total for a
// regular file, bytes and rate for a pipe. It is a no-op otherwise.
type progress struct {
	w     io.Writer // nil: no progress shown
	label string
	total int64 // -1 when unknown
	start time.Time
	last  time.Time
	calls int
	drawn bool
}

func newProgress(stderr io.Writer, label string, total int64) *progress {
	p := &progress{label: label, total: total}
	if isTerminal(stderr) {
		p.w = stderr
		p.start = time.Now()
	}
	return p
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update reports that n bytes have been read so far. It looks at the clock
// every 64 calls only.
func (p *progress) update(n int64) {
	if p.w == nil {
		return
	}
	if p.calls++; p.calls&63 != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < progressDelay || now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	p.draw(formatProgress(p.label, n, p.total, now.Sub(p.start)))
}

func (p *progress) draw(s string) {
	fmt.Fprintf(p.w, "\r%s\x1b[K", s)
	p.drawn = true
}

// done clears the bar, if one was drawn.
func (p *progress) done() {
	if p.w != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// formatProgress is the text of the bar: "FILE: 12.0 MiB / 40.0 MiB (30%)"
// with a known total, else "FILE: 12.0 MiB, 24.0 MiB/s".
func formatProgress(label string, n, total int64, elapsed time.Duration) string {
	if total > 0 {
		return fmt.Sprintf("%s: %s / %s (%d%%)", label, mib(n), mib(total), min(100, n*100/total))
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(n) / s
	}
	return fmt.Sprintf("%s: %s, %s/s", label, mib(n), mib(int64(rate)))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

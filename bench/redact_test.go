package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/lambda-compliance/compliance/redact"
)

// corpusRecord is one line of the labelled redaction corpus
// (shared/corpus/dev.jsonl beside this repository, or $COMPLIANCE_CORPUS).
type corpusRecord struct {
	ID    string `json:"id"`
	Shape string `json:"shape"`
	Text  string `json:"text"`
	PII   []struct {
		Type  string   `json:"type"`
		Value string   `json:"value"`
		Forms []string `json:"forms"`
		B64   bool     `json:"b64"`
	} `json:"pii"`
	Keep []struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"keep"`
}

// loadCorpus reads the corpus, or skips when it is absent (fails under CI).
func loadCorpus(tb testing.TB) (recs []corpusRecord, lines [][]byte, size int64) {
	tb.Helper()
	path := os.Getenv("COMPLIANCE_CORPUS")
	if path == "" {
		path = filepath.Join("..", "..", "shared", "corpus", "dev.jsonl")
	}
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("corpus: %v (CI has shared/ beside the clone)", err)
		}
		tb.Skipf("redaction corpus not found (%v): set COMPLIANCE_CORPUS to a dev.jsonl", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r corpusRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("corpus %s: %v", path, err)
		}
		recs = append(recs, r)
		lines = append(lines, []byte(r.Text))
		size += int64(len(r.Text))
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("corpus %s: %v", path, err)
	}
	if len(recs) == 0 {
		tb.Fatalf("corpus %s is empty", path)
	}
	return recs, lines, size
}

// BenchmarkRedact redacts every line of the corpus with each redactor. One
// op is the whole corpus; MB/s is corpus text per second, ns/line the mean
// time per line.
//
//   - compliance: redact.New(redact.Config{}), Bytes per line (a new slice
//     for each changed line);
//   - compliance-append: the same Redactor's Append per line, into one
//     output buffer and one findings slice reused from line to line;
//   - regexp: the same detectors as plain Go regexps (regexp_baseline.go);
//   - redactionprocessor: the OpenTelemetry Collector contrib processor with
//     those regexps as blocked_values, each line the string body of a log
//     record, in batches of otelBatch records.
func BenchmarkRedact(b *testing.B) {
	_, lines, size := loadCorpus(b)
	perLine := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(lines)), "ns/line")
	}
	b.Run("compliance", func(b *testing.B) {
		r, err := redact.New(redact.Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				r.Bytes(l)
			}
		}
		perLine(b)
	})
	b.Run("compliance-append", func(b *testing.B) {
		r, err := redact.New(redact.Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size)
		b.ReportAllocs()
		var buf []byte
		var fs redact.Findings
		for b.Loop() {
			for _, l := range lines {
				buf, fs = r.Append(buf[:0], fs[:0], l)
			}
		}
		perLine(b)
	})
	b.Run("regexp", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				regexpRedact(l)
			}
		}
		perLine(b)
	})
	b.Run("redactionprocessor", func(b *testing.B) {
		o, err := newOtelRedactor()
		if err != nil {
			b.Fatal(err)
		}
		defer o.shutdown()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			if err := o.redact(lines, nil); err != nil {
				b.Fatal(err)
			}
		}
		perLine(b)
	})
}

// sideBySide are the redactors compared, each as a function from the corpus
// lines to the redacted lines.
func sideBySide(t *testing.T) []struct {
	name string
	run  func(lines [][]byte) ([]string, error)
} {
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name string
		run  func(lines [][]byte) ([]string, error)
	}{
		{"compliance", func(lines [][]byte) ([]string, error) {
			out := make([]string, len(lines))
			for i, l := range lines {
				b, _ := r.Bytes(l)
				out[i] = string(b)
			}
			return out, nil
		}},
		{"regexp", func(lines [][]byte) ([]string, error) {
			out := make([]string, len(lines))
			for i, l := range lines {
				out[i] = string(regexpRedact(l))
			}
			return out, nil
		}},
		{"redactionprocessor", func(lines [][]byte) ([]string, error) {
			o, err := newOtelRedactor()
			if err != nil {
				return nil, err
			}
			defer o.shutdown()
			out := make([]string, len(lines))
			if err := o.redact(lines, func(i int, body string) { out[i] = body }); err != nil {
				return nil, err
			}
			return out, nil
		}},
	}
}

// score is how one redactor did on the corpus, by the rules of
// shared/corpus/score.py: a planted value leaks when one of its forms (for
// cards also the bare digits) is still in the output, except where a digit
// at its edge continues a run of digits; a hard negative is lost when the
// output holds it fewer times than the input. Values in base64 bodies are
// left out, as in the scorer's headline.
type score struct {
	planted, leaked, keeps, lost, jsonIn, jsonOK int
	leakedBy, lostBy                             map[string]int
}

func scoreOutputs(recs []corpusRecord, outs []string) score {
	s := score{leakedBy: map[string]int{}, lostBy: map[string]int{}}
	for i, rec := range recs {
		out := outs[i]
		for _, p := range rec.PII {
			if p.B64 {
				continue
			}
			s.planted++
			forms := p.Forms
			if p.Type == "credit_card" {
				forms = append(slices.Clip(forms), digitsOf(p.Value))
			}
			if slices.ContainsFunc(forms, func(f string) bool { return f != "" && present(f, out) }) {
				s.leaked++
				s.leakedBy[p.Type]++
			}
		}
		for _, k := range rec.Keep {
			s.keeps++
			if strings.Count(out, k.Value) < strings.Count(rec.Text, k.Value) {
				s.lost++
				s.lostBy[k.Kind]++
			}
		}
		if json.Valid([]byte(rec.Text)) {
			s.jsonIn++
			if json.Valid([]byte(out)) {
				s.jsonOK++
			}
		}
	}
	return s
}

func digitsOf(s string) string {
	return strings.Map(func(c rune) rune {
		if '0' <= c && c <= '9' {
			return c
		}
		return -1
	}, s)
}

// present reports whether form occurs in s, except where a leading
// (trailing) digit of form continues a run of digits in s.
func present(form, s string) bool {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	fd, ld := isDigit(form[0]), isDigit(form[len(form)-1])
	for i := 0; ; {
		j := strings.Index(s[i:], form)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(form)
		if !(fd && at > 0 && isDigit(s[at-1])) && !(ld && end < len(s) && isDigit(s[end])) {
			return true
		}
		i = at + 1
	}
}

// TestRedactSideBySide scores the three redactors on the corpus and logs a
// table (go test -run TestRedactSideBySide -v). The figures are reported,
// not asserted; the test fails only when a redactor cannot run.
func TestRedactSideBySide(t *testing.T) {
	recs, lines, _ := loadCorpus(t)
	var names []string
	scores := map[string]score{}
	for _, r := range sideBySide(t) {
		outs, err := r.run(lines)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if len(outs) != len(lines) {
			t.Fatalf("%s: %d lines in, %d out", r.name, len(lines), len(outs))
		}
		names = append(names, r.name)
		scores[r.name] = scoreOutputs(recs, outs)
	}

	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\t%s\t\n", strings.Join(names, "\t"))
	row := func(label string, f func(s score) string) {
		fmt.Fprintf(w, "%s", label)
		for _, n := range names {
			fmt.Fprintf(w, "\t%s", f(scores[n]))
		}
		fmt.Fprintf(w, "\t\n")
	}
	pct := func(a, b int) string { return fmt.Sprintf("%d/%d (%.1f%%)", a, b, 100*float64(a)/float64(b)) }
	row("leaked", func(s score) string { return pct(s.leaked, s.planted) })
	row("hard negatives destroyed", func(s score) string { return pct(s.lost, s.keeps) })
	row("JSON still JSON", func(s score) string { return pct(s.jsonOK, s.jsonIn) })
	for _, part := range []struct {
		title string
		m     func(s score) map[string]int
	}{{"leaked, by type", func(s score) map[string]int { return s.leakedBy }}, {"destroyed, by kind", func(s score) map[string]int { return s.lostBy }}} {
		fmt.Fprintf(w, "%s:\t%s\t\n", part.title, strings.Repeat("\t", len(names)-1))
		var keys []string
		for _, n := range names {
			for k := range part.m(scores[n]) {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			row("  "+k, func(s score) string { return fmt.Sprint(part.m(s)[k]) })
		}
	}
	w.Flush()
	t.Logf("redaction of %d corpus lines (base64 bodies left out):\n%s", len(lines), b.String())
}

package redact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusRecord is one line of the labelled development corpus
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

func loadCorpus(tb testing.TB) []corpusRecord {
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
		tb.Skipf("corpus not found (%v); set COMPLIANCE_CORPUS", err)
	}
	defer f.Close()
	var recs []corpusRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r corpusRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("corpus: %v", err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return recs
}

// present reports whether form occurs in s, except where a leading
// (trailing) digit of form continues a run of digits in s: the scorer's rule.
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

type corpusScore struct {
	planted, leaked, keeps, kept, jsonIn, jsonOK int
	leaksByType, lostByKind                      map[string]int
	failures                                     []string
}

func scoreCorpus(r *Redactor, recs []corpusRecord) corpusScore {
	s := corpusScore{leaksByType: map[string]int{}, lostByKind: map[string]int{}}
	for _, rec := range recs {
		out, _ := r.String(rec.Text)
		for _, p := range rec.PII {
			if p.B64 {
				continue
			}
			s.planted++
			forms := p.Forms
			if p.Type == "credit_card" {
				forms = append(forms, strings.Map(func(c rune) rune {
					if '0' <= c && c <= '9' {
						return c
					}
					return -1
				}, p.Value))
			}
			for _, f := range forms {
				if f != "" && present(f, out) {
					s.leaked++
					s.leaksByType[p.Type]++
					s.failures = append(s.failures, fmt.Sprintf("%s %s leaked %s: %q", rec.ID, rec.Shape, p.Type, f))
					break
				}
			}
		}
		for _, k := range rec.Keep {
			s.keeps++
			if strings.Count(out, k.Value) >= strings.Count(rec.Text, k.Value) {
				s.kept++
			} else {
				s.lostByKind[k.Kind]++
				s.failures = append(s.failures, fmt.Sprintf("%s %s lost %s: %q", rec.ID, rec.Shape, k.Kind, k.Value))
			}
		}
		if json.Valid([]byte(rec.Text)) {
			s.jsonIn++
			if json.Valid([]byte(out)) {
				s.jsonOK++
			} else {
				s.failures = append(s.failures, fmt.Sprintf("%s %s: output is not valid JSON", rec.ID, rec.Shape))
			}
		}
	}
	return s
}

func (s corpusScore) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "leaked %d/%d (%.2f%%), kept %d/%d (%.2f%%), JSON valid %d/%d",
		s.leaked, s.planted, 100*float64(s.leaked)/float64(s.planted),
		s.kept, s.keeps, 100*float64(s.kept)/float64(s.keeps), s.jsonOK, s.jsonIn)
	for _, m := range []struct {
		title string
		m     map[string]int
	}{{"leaks by type", s.leaksByType}, {"losses by kind", s.lostByKind}} {
		keys := make([]string, 0, len(m.m))
		for k := range m.m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return m.m[keys[i]] > m.m[keys[j]] })
		fmt.Fprintf(&b, "\n%s:", m.title)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%d", k, m.m[k])
		}
	}
	return b.String()
}

// TestCorpus scores the default Redactor on the labelled corpus. Run with
// -v to see the score; set CORPUS_FAILURES=1 to list every failure.
func TestCorpus(t *testing.T) {
	recs := loadCorpus(t)
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := scoreCorpus(r, recs)
	t.Log(s)
	if os.Getenv("CORPUS_FAILURES") != "" {
		for _, f := range s.failures {
			t.Log(f)
		}
	}
	// The targets: at most 0.5% of planted values leaked, at least 99.5% of
	// hard negatives kept, every JSON input still JSON.
	const maxLeakPct, minKeepPct = 0.5, 99.5
	if pct := 100 * float64(s.leaked) / float64(s.planted); pct > maxLeakPct {
		t.Errorf("leaked %.2f%% of planted values, want at most %.2f%%", pct, maxLeakPct)
	}
	if pct := 100 * float64(s.kept) / float64(s.keeps); pct < minKeepPct {
		t.Errorf("kept %.2f%% of hard negatives, want at least %.2f%%", pct, minKeepPct)
	}
	if s.jsonOK != s.jsonIn {
		t.Errorf("%d of %d JSON inputs came out as invalid JSON", s.jsonIn-s.jsonOK, s.jsonIn)
	}
}

// TestCorpusIdempotent checks that redacting the redacted corpus changes
// nothing, with the markers of every operator but remove (which leaves
// nothing to recognise).
func TestCorpusIdempotent(t *testing.T) {
	recs := loadCorpus(t)
	for _, op := range []Operator{Mask, Partial, HMAC} {
		t.Run(string(op), func(t *testing.T) {
			r, err := New(Config{Operators: map[string]Operator{"*": op}, HMACKey: bytes.Repeat([]byte("k"), 32)})
			if err != nil {
				t.Fatal(err)
			}
			changed := 0
			for _, rec := range recs {
				once, _ := r.String(rec.Text)
				twice, fs := r.String(once)
				if twice != once {
					if changed++; changed <= 3 {
						t.Errorf("redacting again finds %v:\n once %s\ntwice %s", fs.Counts(), once, twice)
					}
				}
			}
			if changed > 0 {
				t.Errorf("%d of %d lines change when redacted again", changed, len(recs))
			}
		})
	}
}

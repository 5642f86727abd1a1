package redact

import (
	"os"
	"path/filepath"
	"testing"
)

// checkGate fails t when the gate of the built-in detector of type typ
// would keep s, under a key of class key, from it: a gate may let through
// more than its detector finds, never less.
func checkGate(t *testing.T, typ Type, s []byte, key keyClass) {
	t.Helper()
	for _, d := range builtinDetectors {
		if d.typ != typ {
			continue
		}
		g := newGates([]detector{d})
		sum := summarize(s)
		if len(s) < g.shortest || g.open(len(s), &sum, key) == 0 {
			t.Errorf("the gate of %s keeps %q (key class %d) from its detector, which finds something there", typ, s, key)
		}
	}
}

// TestGatesOpen runs every built-in detector over the corpus and the fuzz
// seeds, under every key class, and checks that its gate opens wherever it
// finds something.
func TestGatesOpen(t *testing.T) {
	var texts [][]byte
	if _, err := os.Stat(filepath.Join("..", "..", "shared", "corpus", "dev.jsonl")); err == nil || os.Getenv("COMPLIANCE_CORPUS") != "" {
		for _, r := range loadCorpus(t) {
			texts = append(texts, []byte(r.Text))
		}
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "*", "*"))
	for _, f := range seeds {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, b)
	}
	texts = append(texts, []byte(cleanLog))
	for _, d := range builtinDetectors {
		if d.find == nil {
			continue
		}
		for key := keyNone; key <= keyCard; key++ {
			for _, s := range texts {
				m := &matchSet{key: key}
				d.find(s, m)
				if len(m.ms) > 0 {
					checkGate(t, d.typ, s, key)
				}
			}
		}
	}
}

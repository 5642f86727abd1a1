package redact

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestSummarize checks summarize against a byte-by-byte count.
func TestSummarize(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const alphabet = "0123456789 -AZaz@%\\+.:=/_JBbXxyzwCcVvSsKk\"'"
	for n := 0; n < 2000; n++ {
		b := make([]byte, rng.Intn(70))
		if n%10 == 0 {
			b = make([]byte, rng.Intn(700)) // across chunks
		}
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		if n == 0 {
			b = make([]byte, 70000) // more than a chunk
			for i := range b {
				b[i] = '7'
			}
		}
		got := summarize(b)
		gotChain := runChain(b, (&matchSet{}).digitRuns(b))
		var want textSum
		chain, wantChain := 0, 0
		for i, c := range b {
			want.flags |= sumFlag[c]
			switch {
			case isDigitByte(c):
				want.digits++
				chain++
			case (c == ' ' || c == '-') && i > 0 && isDigitByte(b[i-1]):
			default:
				chain = 0
			}
			if isUpperByte(c) {
				want.upper++
			}
			wantChain = max(wantChain, chain)
		}
		if want.digits >= 9 {
			want.flags |= fDigits9
		}
		if want.flags&fSpace != 0 && want.flags&(fW|fY) != 0 {
			want.flags |= fPhrase
		}
		if bytes.Count(b, []byte(".")) >= 3 {
			want.flags |= fDots3
		}
		if bytes.Count(b, []byte(":")) >= 2 {
			want.flags |= fColons2
		}
		if bytes.Count(b, []byte(":")) >= 7 {
			want.flags |= fColons7
		}
		if got != want || gotChain != wantChain {
			t.Fatalf("summarize(%.80q) = %+v %d, want %+v %d", b, got, gotChain, want, wantChain)
		}
	}
}

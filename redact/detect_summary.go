package redact

// textSum is a summary of a text, computed in one pass before the
// detectors run: which bytes it holds and how many digits and upper-case
// letters. Each detector first checks that the bytes it cannot do without
// are there, so most detectors return at once on most texts.
type textSum struct {
	flags  uint32
	digits int
	upper  int
}

// Flags of textSum: the text holds the byte (or one of the bytes).
const (
	fAt      uint32 = 1 << iota // @
	fPercent                    // %
	fBslash                     // \
	fPlus                       // +
	fDot                        // .
	fColon                      // :
	fEq                         // =
	fSlash                      // /
	fDash                       // -
	fUnder                      // _
	fSpace                      // ' '
	fJ                          // J
	fBu                         // B
	fBl                         // b
	fX                          // X x
	fY                          // y
	fZ                          // z
	fW                          // w
	fA                          // A
	fDigit                      // 0-9
	fUpper                      // A-Z
	fC                          // C c
	fV                          // V v
	fS                          // S s
	fK                          // K k
	fDigits9                    // nine digits or more (set by summarize)
	fPhrase                     // a space and a w or a y: "assword X", "PI key X" (set by summarize)
	fDots3                      // three dots or more: what a dotted quad needs (set by summarize)
	fColons2                    // two colons or more: what an IPv6 address needs (set by summarize)
	fColons7                    // seven colons or more: an IPv6 address without :: (set by summarize)
)

var sumFlag = func() (t [256]uint32) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		var f uint32
		switch {
		case '0' <= b && b <= '9':
			f |= fDigit
		case 'A' <= b && b <= 'Z':
			f |= fUpper
		}
		switch b {
		case '@':
			f |= fAt
		case '%':
			f |= fPercent
		case '\\':
			f |= fBslash
		case '+':
			f |= fPlus
		case '.':
			f |= fDot
		case ':':
			f |= fColon
		case '=':
			f |= fEq
		case '/':
			f |= fSlash
		case '-':
			f |= fDash
		case '_':
			f |= fUnder
		case ' ':
			f |= fSpace
		case 'J':
			f |= fJ
		case 'B':
			f |= fBu
		case 'b':
			f |= fBl
		case 'X', 'x':
			f |= fX
		case 'y':
			f |= fY
		case 'z':
			f |= fZ
		case 'w':
			f |= fW
		case 'A':
			f |= fA
		case 'C', 'c':
			f |= fC
		case 'V', 'v':
			f |= fV
		case 'S', 's':
			f |= fS
		case 'K', 'k':
			f |= fK
		}
		t[c] = f
	}
	return t
}()

// sumEntry holds, for each byte, its flags in the upper half and, in the
// four 8-bit lanes of the lower half, whether it is a digit, an upper-case
// letter, a dot or a colon: one load a byte feeds both the flags (ORed) and
// the counts (added; a chunk of at most 255 bytes overflows no lane, and
// what the additions do to the upper half is ignored).
var sumEntry = func() (t [256]uint64) {
	for c := range t {
		t[c] = uint64(sumFlag[c]) << 32
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= 1
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= 1 << 8
	}
	t['.'] |= 1 << 16
	t[':'] |= 1 << 24
	return t
}()

// summarize computes the summary of s.
func summarize(s []byte) textSum {
	var sum textSum
	var flags uint64
	dots, colons := 0, 0
	for len(s) > 0 {
		chunk := s[:min(len(s), 0xff)] // no lane overflows
		s = s[len(chunk):]
		var o0, o1, a0, a1 uint64
		for ; len(chunk) >= 4; chunk = chunk[4:] {
			e0, e1, e2, e3 := sumEntry[chunk[0]], sumEntry[chunk[1]], sumEntry[chunk[2]], sumEntry[chunk[3]]
			o0 |= e0 | e2
			a0 += e0 + e2
			o1 |= e1 | e3
			a1 += e1 + e3
		}
		for ; len(chunk) > 0; chunk = chunk[1:] {
			e0 := sumEntry[chunk[0]]
			o0 |= e0
			a0 += e0
		}
		flags |= o0 | o1
		a := uint32(a0) + uint32(a1) // no lane carries: 255 bytes at most
		sum.digits += int(a & 0xff)
		sum.upper += int(a >> 8 & 0xff)
		dots += int(a >> 16 & 0xff)
		colons += int(a >> 24)
	}
	sum.flags = uint32(flags >> 32)
	if sum.digits >= 9 {
		sum.flags |= fDigits9
	}
	if sum.has(fSpace) && sum.any(fW|fY) {
		sum.flags |= fPhrase
	}
	if dots >= 3 {
		sum.flags |= fDots3
	}
	if colons >= 2 {
		sum.flags |= fColons2
	}
	if colons >= 7 {
		sum.flags |= fColons7
	}
	return sum
}

// runChain returns the most digits in a row in s, counting over single
// spaces and dashes between them ("4111 1111-1111" counts 12), from the
// digit runs rs of s.
func runChain(s []byte, rs []digitRun) int {
	best, chain, prev := 0, 0, -2
	for _, r := range rs {
		i, e := int(r.start), int(r.end)
		if i == prev+1 && (s[prev] == ' ' || s[prev] == '-') {
			chain += e - i
		} else {
			chain = e - i
		}
		best = max(best, chain)
		prev = e
	}
	return best
}

// summary returns the summary of the text s of this matchSet, computed
// once per text.
func (m *matchSet) summary(s []byte) *textSum {
	if !m.sumDone {
		m.sum = summarize(s)
		m.sumDone, m.runsDone = true, false
	}
	return &m.sum
}

// has reports whether the text holds every byte of flags.
func (t *textSum) has(flags uint32) bool { return t.flags&flags == flags }

// any reports whether the text holds a byte of flags.
func (t *textSum) any(flags uint32) bool { return t.flags&flags != 0 }

package redact

import (
	"encoding/binary"
	"math/bits"
)

// digitRun is a maximal run of digits, s[start:end]. Whether it stands on
// its own (tokenBefore) is for the detectors to ask, after their cheaper
// checks.
type digitRun struct {
	start, end int32
}

// digitRuns returns the runs of digits of s, found once per text and
// shared by the detectors of numbers.
func (m *matchSet) digitRuns(s []byte) []digitRun {
	m.summary(s)
	if m.runsDone {
		return m.digits
	}
	m.digits, m.runsDone = appendDigitRuns(m.digits[:0], s), true
	return m.digits
}

// appendDigitRuns appends the runs of digits of s to rs. It reads s eight
// bytes at a time: a word's digits become one bit per byte, and the bits
// where a run starts or ends are visited in order, so a text of short runs
// (hex ids, timestamps) costs a few operations a run, without branching on
// every byte.
func appendDigitRuns(rs []digitRun, s []byte) []digitRun {
	const high, low7, ge0, gt9 = 0x8080808080808080, 0x7f7f7f7f7f7f7f7f, 0x5050505050505050, 0x4646464646464646
	var prev uint64 // the previous word's digit bits: its top byte carries over
	start := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		t := x & low7
		d := (t + ge0) &^ (t + gt9) &^ x & high // 0x80 in each byte that is a digit
		edges := d ^ (d<<8 | prev>>56)
		if edges == 0 {
			prev = d
			continue
		}
		// Edges alternate, a run's start then its end, but for the end of
		// a run that came in from the previous word.
		if prev>>63 != 0 {
			rs = append(rs, digitRun{int32(start), int32(i + bits.TrailingZeros64(edges)>>3)})
			edges &= edges - 1
		}
		prev = d
		for edges != 0 {
			start = i + bits.TrailingZeros64(edges)>>3
			if edges &= edges - 1; edges == 0 {
				break // the run goes on into the next word
			}
			rs = append(rs, digitRun{int32(start), int32(i + bits.TrailingZeros64(edges)>>3)})
			edges &= edges - 1
		}
	}
	in := prev>>63 != 0
	for ; i < len(s); i++ {
		switch dig := class[s[i]]&cDigit != 0; {
		case dig && !in:
			start, in = i, true
		case !dig && in:
			rs = append(rs, digitRun{int32(start), int32(i)})
			in = false
		}
	}
	if in {
		rs = append(rs, digitRun{int32(start), int32(len(s))})
	}
	return rs
}

// digitRunEnd returns the end of the run of digits that starts at i.
func digitRunEnd(s []byte, i int) int {
	for i < len(s) && class[s[i]]&cDigit != 0 {
		i++
	}
	return i
}

// tokenBefore reports whether the value at s[i] continues a token to its
// left: a word character, or a dash or dot that joins it to one (a UUID, a
// version, a date).
func tokenBefore(s []byte, i int) bool {
	if i == 0 {
		return false
	}
	if alnumBefore(s, i) || s[i-1] == '_' {
		return true
	}
	if (s[i-1] == '-' || s[i-1] == '.') && alnumBefore(s, i-1) {
		return true
	}
	return false
}

// tokenAfter reports whether the value ending at s[e] goes on into a token
// to its right.
func tokenAfter(s []byte, e int) bool {
	if e >= len(s) {
		return false
	}
	if isAlnum(s[e]) || s[e] == '_' {
		return true
	}
	if (s[e] == '-' || s[e] == '.') && e+1 < len(s) && isAlnum(s[e+1]) {
		return true
	}
	return false
}

// luhn checks the Luhn sum of the n digits in d.
func luhn(d []byte) bool {
	sum, dbl := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return sum%10 == 0
}

// cardIssuer reports whether the digits d start with a known issuer prefix
// and have a length that issuer uses.
func cardIssuer(d []byte) bool {
	n := len(d)
	p2 := int(d[0])*10 + int(d[1])
	p3 := p2*10 + int(d[2])
	p4 := p3*10 + int(d[3])
	switch {
	case d[0] == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // Amex
		return n == 15
	case p4 == 6011, p2 == 65, p3 >= 644 && p3 <= 649: // Discover
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p2 == 36, p2 == 38, p3 >= 300 && p3 <= 305: // Diners
		return n >= 14 && n <= 19
	case p2 == 62: // UnionPay
		return n >= 16 && n <= 19
	}
	return false
}

// findCards finds payment card numbers: 13 to 19 digits, contiguous or in
// groups split by one kind of separator (space or dash), with an issuer
// prefix and a valid Luhn sum, standing on their own (not part of a longer
// number, hex or alphanumeric token, or UUID).
func findCards(s []byte, m *matchSet) {
	if len(s) < 13 || m.summary(s).digits < 13 || runChain(s, m.digitRuns(s)) < 13 {
		return
	}
	next := 0
	for _, r := range m.digitRuns(s) {
		i, e := int(r.start), int(r.end)
		if i < next || e-i > 19 || e-i < 13 && e-i != 4 || tokenBefore(s, i) {
			continue
		}
		if end, ok := cardAt(s, i, e); ok {
			m.add(TypeCreditCard, i, end)
			next = end
		}
	}
}

// cardAt checks a card number starting with the digit run s[i:e].
func cardAt(s []byte, i, e int) (int, bool) {
	var d [19]byte
	n := 0
	first := e - i
	if first > 19 || (first < 13 && first != 4) {
		return 0, false
	}
	for k := i; k < e; k++ {
		d[n] = s[k] - '0'
		n++
	}
	end := e
	if first == 4 && e < len(s) && (s[e] == ' ' || s[e] == '-') {
		// Collect the groups, then take the longest run of them that is a
		// card: "4111 1111 1111 1111 0.0.0.1" is a card and an address.
		sep, groups := s[e], 1
		var ends [8]int // digits and end offset after each group
		var counts [8]int
		ends[0], counts[0] = e, n
		for end < len(s) && s[end] == sep && end+1 < len(s) && isDigitByte(s[end+1]) && groups < len(ends) {
			g := end + 1
			ge := digitRunEnd(s, g)
			if ge-g > 6 || n+ge-g > 19 {
				break
			}
			for k := g; k < ge; k++ {
				d[n] = s[k] - '0'
				n++
			}
			ends[groups], counts[groups] = ge, n
			groups++
			end = ge
		}
		for g := groups - 1; g >= 2; g-- {
			if end, n := ends[g], counts[g]; n >= 13 && !tokenAfter(s, end) && cardIssuer(d[:n]) && luhn(d[:n]) {
				return end, true
			}
		}
		return 0, false
	} else if first == 4 {
		return 0, false
	}
	if tokenAfter(s, end) {
		return 0, false
	}
	if !cardIssuer(d[:n]) || !luhn(d[:n]) {
		return 0, false
	}
	return end, true
}

var cvvKeywords = keywords("cvv", "cvc", "csc", "cvv2", "cvc2", "securitycode")

// findCVVs finds 3 or 4 digit card security codes right after a keyword
// (cvv, cvc, csc, security code) or as the whole value of a card key.
func findCVVs(s []byte, m *matchSet) {
	// the keywords all have a c, and a v or an s
	if sum := m.summary(s); len(s) < 3 || sum.digits < 3 || m.key != keyCard && !(sum.has(fC) && sum.any(fV|fS)) {
		return
	}
	runs := m.digitRuns(s)
	for _, r := range runs {
		i, e := int(r.start), int(r.end)
		if n := e - i; (n == 3 || n == 4) && !tokenAfter(s, e) && !tokenBefore(s, i) &&
			(m.key == keyCard && len(runs) == 1 || keywordBefore(s, i, 16, cvvKeywords)) {
			m.add(TypeCardCVV, i, e)
		}
	}
}

var expiryKeywords = keywords("exp", "expiry", "expires", "expiration", "validthru")

// findExpiries finds card expiry dates, MM/YY or MM/YYYY (also with - ),
// right after a keyword (exp, expiry, expiration).
func findExpiries(s []byte, m *matchSet) {
	// the keywords all have an x or a v
	if sum := m.summary(s); len(s) < 8 || sum.digits < 4 || !sum.any(fSlash|fDash) || !sum.any(fX|fV) {
		return
	}
	for _, r := range m.digitRuns(s) {
		i, e := int(r.start), int(r.end)
		if e-i == 2 && e+2 < len(s) && (s[e] == '/' || s[e] == '-') && !tokenBefore(s, i) {
			mm := int(s[i]-'0')*10 + int(s[i+1]-'0')
			ye := digitRunEnd(s, e+1)
			if mm >= 1 && mm <= 12 && (ye-e-1 == 2 || ye-e-1 == 4) && !tokenAfter(s, ye) &&
				(ye >= len(s) || s[ye] != '/' && s[ye] != '-') && keywordBefore(s, i, 16, expiryKeywords) {
				m.add(TypeCardExpiry, i, ye)
			}
		}
	}
}

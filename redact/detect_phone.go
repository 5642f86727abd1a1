package redact

import "bytes"

var phoneKeywords = keywords("phone", "mobile", "cell", "tel", "fax", "sms", "whatsapp",
	"call me", "text me", "reach me", "contact number")

// phoneDigits reads a phone number at s[p:]: digits, with single spaces,
// dashes or dots between groups and an optional area code in parentheses.
// It returns the digits (up to 16), how many, and where the number ends.
func phoneDigits(s []byte, p int) (d [16]byte, n, end int) {
	end = p
	paren := false
	for p < len(s) && n <= 15 {
		c := s[p]
		switch {
		case isDigitByte(c):
			d[n] = c - '0'
			n++
			p++
			end = p
			continue
		case c == '(' && !paren && p+1 < len(s) && isDigitByte(s[p+1]):
			paren = true
			p++
			continue
		case c == ')' && paren && p > 0 && isDigitByte(s[p-1]):
			paren = false
			p++
			if p < len(s) && s[p] == ' ' && p+1 < len(s) && isDigitByte(s[p+1]) {
				p++
			}
			continue
		case (c == ' ' || c == '-' || c == '.') && p > 0 && (isDigitByte(s[p-1]) || s[p-1] == ')') && p+1 < len(s) && (isDigitByte(s[p+1]) || s[p+1] == '('):
			p++
			continue
		}
		break
	}
	return d, n, end
}

// e164Plausible checks the length of an international number by its
// country code.
func e164Plausible(d []byte) bool {
	n := len(d)
	if n < 8 || n > 15 || d[0] == 0 {
		return false
	}
	cc2 := int(d[0])*10 + int(d[1])
	switch {
	case d[0] == 1: // NANP
		return n == 11 && d[1] >= 2 && d[4] >= 2
	case d[0] == 7:
		return n == 11
	case cc2 == 44:
		return (n == 12 || n == 11) && d[2] != 0
	case cc2 == 49:
		return n >= 10 && n <= 14 && d[2] != 0
	case cc2 == 33:
		return n == 11 && d[2] != 0
	case cc2 == 91:
		return n == 12 && d[2] != 0
	case cc2 == 61:
		return n == 11 && d[2] != 0
	case cc2 == 55:
		return n == 12 || n == 13
	case cc2 == 81:
		return n == 11 || n == 12
	case cc2 == 86:
		return n >= 12 && n <= 13
	}
	return n >= 9
}

// findPhones finds phone numbers: E.164 (+ and a country code, also with
// the + written %2B) anywhere; national formats only under a phone key or
// right after a phrase such as "phone:", "call me back at", "text me at".
func findPhones(s []byte, m *matchSet) {
	sum := m.summary(s)
	if len(s) < 8 || sum.digits == 0 {
		return
	}
	for i := 0; sum.has(fPlus) && i < len(s); {
		j := bytes.IndexByte(s[i:], '+')
		if j < 0 {
			break
		}
		i = e164At(s, i, i+j, i+j+1, m)
	}
	if sum.has(fPercent) {
		for i := 0; i < len(s); {
			j := bytes.Index(s[i:], []byte("%2B"))
			if j < 0 {
				break
			}
			i = e164At(s, i, i+j, i+j+3, m)
		}
	}
	if sum.digits >= 9 {
		findNationalPhones(s, m)
	}
}

// e164At checks for an E.164 number at s[st:], its digits from s[p], and
// returns where the search goes on. lo is where the search came from: the
// end of the number found just before, if any, which bounds this one as a
// separator would ("+15550100+15550101" is two numbers).
func e164At(s []byte, lo, st, p int, m *matchSet) int {
	if p >= len(s) || !isDigitByte(s[p]) || st != lo && alnumBefore(s, st) {
		return p
	}
	d, n, end := phoneDigits(s, p)
	if n > 15 || tokenAfter(s, end) || !e164Plausible(d[:n]) {
		return p
	}
	m.add(TypePhone, st, end)
	return end
}

func findNationalPhones(s []byte, m *matchSet) {
	next := 0
	for _, r := range m.digitRuns(s) {
		i, e := int(r.start), int(r.end)
		// quick filter: 9 to 12 digits, or a group followed by a separator
		if i < next || e-i > 12 || e-i < 9 && !(e+1 < len(s) &&
			(s[e] == ')' || (s[e] == ' ' || s[e] == '-' || s[e] == '.') && (isDigitByte(s[e+1]) || s[e+1] == '('))) || tokenBefore(s, i) {
			continue
		}
		st := i
		if i > 0 && s[i-1] == '(' {
			st = i - 1
		}
		// the number first: reading it is cheaper than looking for a keyword
		if e := nationalAt(s, st); e > 0 && (m.key == keyPhone || phoneContext(s, st)) {
			m.add(TypePhone, st, e)
			next = e
		}
	}
}

// phoneContext reports whether a phone keyword precedes s[i] closely, with
// no other number in between.
func phoneContext(s []byte, i int) bool {
	w := i
	// A marker ("[REDACTED:phone]") stands where a number stood: it ends the
	// walk as the number did, so redacting twice finds the same.
	for w > 0 && i-w < 40 && !isDigitByte(s[w-1]) && s[w-1] != ']' {
		w--
	}
	return keywordBefore(s, i, i-w, phoneKeywords)
}

// nationalAt checks for a phone number in a national format at s[i:] and
// returns its end, or 0.
func nationalAt(s []byte, i int) int {
	if tokenBefore(s, i) || i > 0 && (s[i-1] == '+' || s[i-1] == '/' || s[i-1] == ':' && i > 1 && isDigitByte(s[i-2])) {
		return 0
	}
	d, n, end := phoneDigits(s, i)
	if n < 9 || n > 12 || tokenAfter(s, end) || d[0] == 0 && d[1] == 0 {
		return 0
	}
	return end
}

package redact

var ssnKeywords = keywords("ssn", "socialsecurity")

// ssnValid applies the SSA rules to the nine digits area-group-serial.
func ssnValid(d []byte) bool {
	area := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	group := int(d[3]-'0')*10 + int(d[4]-'0')
	serial := int(d[5]-'0')*1000 + int(d[6]-'0')*100 + int(d[7]-'0')*10 + int(d[8]-'0')
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

// findSSNs finds US social security numbers: AAA-GG-SSSS anywhere; the
// spaced form and bare nine digits only after a keyword (ssn, social
// security) or under an ssn key.
func findSSNs(s []byte, m *matchSet) {
	// dashed, or after a keyword (they have an s), or under an ssn key
	if sum := m.summary(s); len(s) < 9 || sum.digits < 9 || m.key != keySSN && !sum.any(fDash|fS) {
		return
	}
	next := 0
	for _, r := range m.digitRuns(s) {
		i, e := int(r.start), int(r.end)
		if i < next || e-i != 3 && e-i != 9 || tokenBefore(s, i) {
			continue
		}
		dashed := e-i == 3 && e < len(s) && s[e] == '-'
		if !dashed && (e-i == 3 && (e+1 >= len(s) || s[e] != ' ' || !isDigitByte(s[e+1]))) {
			continue
		}
		context := m.key == keySSN
		end := ssnAt(s, i)
		if end == 0 || !dashed && !context && !keywordBefore(s, i, 64, ssnKeywords) {
			continue
		}
		m.add(TypeSSN, i, end)
		next = end
	}
}

// ssnAt checks for an SSN (dashed, spaced or bare) starting at the digit
// s[i] and returns its end, or 0.
func ssnAt(s []byte, i int) int {
	if tokenBefore(s, i) || (i > 0 && (s[i-1] == '+' || s[i-1] == '-' || s[i-1] == '/' && i > 1 && isDigitByte(s[i-2]))) {
		return 0
	}
	e := digitRunEnd(s, i)
	var d [9]byte
	switch e - i {
	case 9:
		copy(d[:], s[i:e])
		if !tokenAfter(s, e) && ssnValid(d[:]) {
			return e
		}
	case 3:
		if e+8 > len(s) {
			return 0
		}
		sep := s[e]
		if sep != '-' && sep != ' ' {
			return 0
		}
		if digitRunEnd(s, e+1) != e+3 || s[e+3] != sep || digitRunEnd(s, e+4) != e+8 {
			return 0
		}
		if tokenAfter(s, e+8) || e+9 < len(s) && (s[e+8] == sep || s[e+8] == '-') && isDigitByte(s[e+9]) {
			return 0
		}
		copy(d[:3], s[i:e])
		copy(d[3:5], s[e+1:e+3])
		copy(d[5:], s[e+4:e+8])
		if ssnValid(d[:]) {
			return e + 8
		}
	}
	return 0
}

// kwSet is a list of lower-case keywords looked for just before a
// candidate value, with the set of their last letters as a quick filter.
type kwSet struct {
	words []string
	last  [256]bool
}

func keywords(ws ...string) *kwSet {
	k := &kwSet{words: ws}
	for _, w := range ws {
		c := w[len(w)-1]
		k.last[c] = true
		if 'a' <= c && c <= 'z' {
			k.last[c-'a'+'A'] = true
		}
	}
	return k
}

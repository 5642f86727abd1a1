package redact

// ibanLengths holds the length of the IBAN of each country, by its
// two-letter code.
var ibanLengths = map[[2]byte]uint8{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28, {'B', 'A'}: 20,
	{'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21,
	{'C', 'R'}: 22, {'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'O'}: 18, {'F', 'R'}: 27,
	{'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23, {'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28,
	{'H', 'R'}: 21, {'H', 'U'}: 28, {'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26,
	{'I', 'T'}: 27, {'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32,
	{'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21, {'M', 'C'}: 27, {'M', 'D'}: 24,
	{'M', 'E'}: 22, {'M', 'K'}: 19, {'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'L'}: 18,
	{'N', 'O'}: 15, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29,
	{'R', 'O'}: 24, {'R', 'S'}: 22, {'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'E'}: 24, {'S', 'I'}: 19,
	{'S', 'K'}: 24, {'S', 'M'}: 27, {'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29,
	{'V', 'A'}: 22, {'V', 'G'}: 24, {'X', 'K'}: 20,
}

// ibanLength is ibanLengths as a table by the country code's letters (0: no
// IBAN), for the detector to look up at every pair of capitals.
var ibanLength = func() (t [26][26]uint8) {
	for cc, n := range ibanLengths {
		t[cc[0]-'A'][cc[1]-'A'] = n
	}
	return t
}()

// findIBANs finds international bank account numbers: a country code, two
// check digits and the account, written as one word or in groups of four
// separated by single spaces; the length must be the country's and the
// mod-97 check must hold.
func findIBANs(s []byte, m *matchSet) {
	if sum := m.summary(s); len(s) < 15 || sum.upper < 2 || sum.digits < 2 {
		return
	}
	next := 0
	for _, r := range m.digitRuns(s) {
		d := int(r.start)
		i := d - 2
		if i < next || r.end-r.start < 2 || class[s[i]]&cUpper == 0 || class[s[i+1]]&cUpper == 0 {
			continue
		}
		want := ibanLength[s[i]-'A'][s[i+1]-'A']
		if want == 0 || alnumBefore(s, i) {
			continue
		}
		if e, ok := ibanAt(s, i, int(want)); ok {
			m.add(TypeIBAN, i, e)
			next = e
		}
	}
}

// ibanAt checks an IBAN of n characters at s[st:] and returns its end.
func ibanAt(s []byte, st, n int) (int, bool) {
	var b [34]byte
	k, p := 0, st
	spaced := p+4 < len(s) && s[p+4] == ' '
	for p < len(s) && k < n {
		c := s[p]
		if spaced && c == ' ' && k%4 == 0 && k > 0 {
			p++
			continue
		}
		if !isAlnum(c) {
			break
		}
		b[k] = c
		k++
		p++
	}
	if k != n || alnumAfter(s, p) {
		return 0, false
	}
	// mod 97 over the rearranged digits, letters as 10..35
	rem := 0
	for j := 0; j < n; j++ {
		c := b[(j+4)%n]
		switch {
		case isDigitByte(c):
			rem = (rem*10 + int(c-'0')) % 97
		case 'A' <= c && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return 0, false
		}
	}
	return p, rem == 1
}

package redact

// groupedDigits reads digits at s[i:] laid out in groups of the given
// sizes, separated by one separator (the same throughout: space or dash)
// or by none. It returns the digits and the end, or ok false.
func groupedDigits(s []byte, i int, sizes []int, d []byte) (end int, sep byte, ok bool) {
	if tokenBefore(s, i) {
		return 0, 0, false
	}
	p, n := i, 0
	for g, size := range sizes {
		if g > 0 && p < len(s) && (s[p] == ' ' || s[p] == '-') {
			if g == 1 {
				sep = s[p]
			}
			if s[p] != sep {
				return 0, 0, false
			}
			p++
		} else if g > 0 && sep != 0 {
			return 0, 0, false
		}
		for k := 0; k < size; k++ {
			if p >= len(s) || !isDigitByte(s[p]) {
				return 0, 0, false
			}
			d[n] = s[p] - '0'
			n++
			p++
		}
	}
	if tokenAfter(s, p) || p < len(s) && isDigitByte(s[p]) {
		return 0, 0, false
	}
	if p+1 < len(s) && (s[p] == ' ' || s[p] == '-') && isDigitByte(s[p+1]) && sep != 0 && s[p] == sep {
		return 0, 0, false
	}
	return p, sep, true
}

// eachDigitStart calls f at the start of every run of digits of s, past
// the end f returns for a value it found.
func eachDigitStart(s []byte, m *matchSet, f func(i int) int) {
	next := 0
	for _, r := range m.digitRuns(s) {
		if i := int(r.start); i >= next {
			next = max(next, f(i))
		}
	}
}

var (
	itinKeywords    = keywords("itin", "taxpayer")
	routingKeywords = keywords("routing", "aba", "rtn", "transit")
	nhsKeywords     = keywords("nhs")
	sinKeywords     = keywords("sin", "socialinsurance")
	sizes334        = []int{3, 3, 4}
	sizes324        = []int{3, 2, 4}
	sizes333        = []int{3, 3, 3}
	sizes9          = []int{9}
)

// findITINs finds US individual taxpayer identification numbers:
// 9XX-[5-9]X-XXXX, dashed anywhere, otherwise after a keyword.
func findITINs(s []byte, m *matchSet) {
	if m.summary(s).digits < 9 {
		return
	}
	eachDigitStart(s, m, func(i int) int {
		if s[i] != '9' {
			return 0
		}
		var d [9]byte
		e, sep, ok := groupedDigits(s, i, sizes324, d[:])
		if !ok {
			return 0
		}
		g := int(d[3])*10 + int(d[4])
		if !(g >= 50 && g <= 65 || g >= 70 && g <= 88 || g >= 90 && g <= 92 || g >= 94) {
			return 0
		}
		if sep != '-' && !keywordBefore(s, i, 32, itinKeywords) {
			return 0
		}
		m.add(TypeUSITIN, i, e)
		return e
	})
}

// findRoutingNumbers finds ABA routing numbers (nine digits, 3-7-1
// checksum, a valid Federal Reserve prefix) after a keyword.
func findRoutingNumbers(s []byte, m *matchSet) {
	if m.summary(s).digits < 9 {
		return
	}
	eachDigitStart(s, m, func(i int) int {
		var d [9]byte
		e, _, ok := groupedDigits(s, i, sizes9, d[:])
		if !ok {
			return 0
		}
		p := int(d[0])*10 + int(d[1])
		if !(p <= 12 || p >= 21 && p <= 32 || p >= 61 && p <= 72 || p == 80) {
			return 0
		}
		sum := 3*int(d[0]+d[3]+d[6]) + 7*int(d[1]+d[4]+d[7]) + int(d[2]+d[5]+d[8])
		if sum%10 != 0 || !keywordBefore(s, i, 32, routingKeywords) {
			return 0
		}
		m.add(TypeUSRouting, i, e)
		return e
	})
}

// findNINOs finds UK national insurance numbers: two prefix letters, six
// digits (maybe in pairs) and a suffix A-D.
func findNINOs(s []byte, m *matchSet) {
	if sum := m.summary(s); sum.digits < 6 || sum.upper < 3 {
		return
	}
	for i := 0; i+9 <= len(s); i++ {
		a, b := s[i], s[i+1]
		if class[a]&cUpper == 0 || class[b]&cUpper == 0 || alnumBefore(s, i) {
			continue
		}
		switch a {
		case 'D', 'F', 'I', 'Q', 'U', 'V':
			continue
		}
		switch b {
		case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
			continue
		}
		switch string(s[i : i+2]) {
		case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
			continue
		}
		p := i + 2
		spaced := s[p] == ' '
		digits := 0
		for digits < 6 {
			if spaced && digits%2 == 0 {
				if p >= len(s) || s[p] != ' ' {
					break
				}
				p++
			}
			if p >= len(s) || !isDigitByte(s[p]) {
				break
			}
			digits++
			p++
		}
		if digits != 6 {
			continue
		}
		if spaced && p < len(s) && s[p] == ' ' {
			p++
		}
		if p >= len(s) || s[p] < 'A' || s[p] > 'D' || alnumAfter(s, p+1) {
			continue
		}
		m.add(TypeUKNINO, i, p+1)
		i = p
	}
}

// findNHSNumbers finds NHS numbers: ten digits with the mod 11 check
// digit, as 3-3-4 groups anywhere, contiguous only after "NHS".
func findNHSNumbers(s []byte, m *matchSet) {
	if m.summary(s).digits < 10 {
		return
	}
	eachDigitStart(s, m, func(i int) int {
		var d [10]byte
		e, sep, ok := groupedDigits(s, i, sizes334, d[:])
		if !ok {
			return 0
		}
		sum := 0
		for k := 0; k < 9; k++ {
			sum += int(d[k]) * (10 - k)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 || check != int(d[9]) {
			return 0
		}
		if sep == 0 && !keywordBefore(s, i, 32, nhsKeywords) {
			return 0
		}
		m.add(TypeUKNHS, i, e)
		return e
	})
}

// findSINs finds Canadian social insurance numbers: nine digits, Luhn
// valid, as 3-3-3 groups, or contiguous after a keyword.
func findSINs(s []byte, m *matchSet) {
	if m.summary(s).digits < 9 {
		return
	}
	eachDigitStart(s, m, func(i int) int {
		var d [9]byte
		e, sep, ok := groupedDigits(s, i, sizes333, d[:])
		if !ok || d[0] == 8 || !luhn(d[:]) {
			return 0
		}
		if sep == 0 && !keywordBefore(s, i, 32, sinKeywords) {
			return 0
		}
		m.add(TypeCASIN, i, e)
		return e
	})
}

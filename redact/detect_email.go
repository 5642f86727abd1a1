package redact

import (
	"bytes"
	"strings"
)

// Byte classes shared by the detectors.
const (
	cDigit uint8 = 1 << iota
	cUpper
	cLower
	cHex    // 0-9 a-f A-F
	cB64    // A-Z a-z 0-9 + /
	cB64URL // A-Z a-z 0-9 - _
	cLocal  // e-mail local part: A-Z a-z 0-9 . _ % + -
	cDomain // A-Z a-z 0-9 . -
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		var k uint8
		switch {
		case '0' <= b && b <= '9':
			k |= cDigit | cHex | cB64 | cB64URL | cLocal | cDomain
		case 'A' <= b && b <= 'Z':
			k |= cUpper | cB64 | cB64URL | cLocal | cDomain
			if b <= 'F' {
				k |= cHex
			}
		case 'a' <= b && b <= 'z':
			k |= cLower | cB64 | cB64URL | cLocal | cDomain
			if b <= 'f' {
				k |= cHex
			}
		}
		switch b {
		case '+', '/':
			k |= cB64
		case '-', '_':
			k |= cB64URL
		}
		switch b {
		case '.', '_', '%', '+', '-':
			k |= cLocal
		}
		switch b {
		case '.', '-':
			k |= cDomain
		}
		t[c] = k
	}
	return t
}()

func isAlnum(c byte) bool { return class[c]&(cDigit|cUpper|cLower) != 0 }
func isHex(c byte) bool   { return class[c]&cHex != 0 }
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// escapeEnd reports the length of an escape sequence that ends just before
// s[i] and would otherwise look like part of a word: \n, \t, \u003e, %2F.
// It returns 0 when there is none.
func escapeEnd(s []byte, i int) int {
	if i >= 2 && s[i-2] == '\\' && isAlnum(s[i-1]) {
		return 2
	}
	if i >= 6 && s[i-6] == '\\' && s[i-5] == 'u' && isHex(s[i-4]) && isHex(s[i-3]) && isHex(s[i-2]) && isHex(s[i-1]) {
		return 6
	}
	if i >= 3 && s[i-3] == '%' && isHex(s[i-2]) && isHex(s[i-1]) {
		return 3
	}
	return 0
}

// alnumBefore reports whether s[i-1] is a letter or digit that belongs to a
// word (not the letter of an escape such as \n or %2F).
func alnumBefore(s []byte, i int) bool {
	return i > 0 && isAlnum(s[i-1]) && escapeEnd(s, i) == 0
}

// alnumAfter reports whether s[i] is a letter or digit.
func alnumAfter(s []byte, i int) bool { return i < len(s) && isAlnum(s[i]) }

// hasFold reports whether s[i:] starts with the lower-case ASCII word w,
// ignoring case.
func hasFold(s []byte, i int, w string) bool {
	if i < 0 || len(s)-i < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		if lower(s[i+j]) != w[j] {
			return false
		}
	}
	return true
}

// keywordBefore reports whether one of the keywords ends within window
// bytes before s[i], ignoring case and the separators _ - . and space
// inside the word ("Social_Security" matches "socialsecurity"). The word
// must start a word of s, or a part of a camelCase one.
func keywordBefore(s []byte, i, window int, kws *kwSet) bool {
	lo := max(i-window, 0)
	for p := i - 1; p >= lo; p-- {
		if !kws.last[s[p]] {
			continue
		}
		c := lower(s[p])
		for _, w := range kws.words {
			if c != w[len(w)-1] {
				continue
			}
			// match backwards, skipping separators in s
			k, q := len(w)-1, p
			for k >= 0 && q >= 0 {
				sc := lower(s[q])
				if sc == w[k] {
					k--
					q--
					continue
				}
				if k < len(w)-1 && (sc == '_' || sc == '-' || sc == '.' || sc == ' ') {
					q--
					continue
				}
				break
			}
			// the word starts a word: "ssn" in "classname" and "cell"
			// in "cancelled" do not count, "Phone" in "mobilePhone" does
			if k < 0 && (q < 0 || class[s[q]]&cLower == 0 || class[s[q+1]]&cUpper != 0) && !inMarker(s, p) {
				return true
			}
		}
	}
	return false
}

// inMarker reports whether s[p] is inside a replacement marker such as
// "[REDACTED:card_cvv]" or "[card_cvv:9f2c3a1b7e6d5c4b]": a type name there
// is no keyword, or redacting twice would find more than redacting once.
func inMarker(s []byte, p int) bool {
	from := max(0, p-len("[REDACTED:")-maxTypeName)
	lo := bytes.LastIndexByte(s[from:p+1], '[')
	return lo >= 0 && markerEnd(s, from+lo) > p
}

// tlds holds the top-level domains an e-mail address may end in: the
// generic ones, the sponsored ones, the common new gTLDs and every
// country-code TLD.
var tlds = func() map[string]bool {
	const list = "com org net edu gov mil int info biz name pro aero coop museum mobi jobs travel tel asia cat post xxx " +
		"app dev io ai co me tv cc ly gg sh fm to ws la is im " +
		"cloud online site tech store shop blog news email mail live life world today space website digital " +
		"group company agency solutions services systems network media global studio design center support " +
		"finance capital money bank insurance health care law legal consulting ventures partners " +
		"academy school university college email page web xyz top club vip icu work one art fun inc llc ltd " +
		"amazon aws google microsoft apple " +
		"ac ad ae af ag al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz " +
		"ca cd cf cg ch ci ck cl cm cn cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fo fr " +
		"ga gb gd ge gf gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il in iq ir it je jm jo jp " +
		"ke kg kh ki km kn kp kr kw ky kz lb lc li lk lr ls lt lu lv ma mc md mg mh mk ml mm mn mo mp mq mr ms mt mu " +
		"mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs " +
		"ru rw sa sb sc sd se sg si sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn tr tt tw tz " +
		"ua ug uk us uy uz va vc ve vg vi vn vu wf ye yt za zm zw"
	m := make(map[string]bool, 400)
	for _, t := range strings.Fields(list) {
		m[t] = true
	}
	return m
}()

// isTLD reports whether b (any case) is a known top-level domain.
func isTLD(b []byte) bool {
	if len(b) < 2 || len(b) > 16 {
		return false
	}
	var buf [16]byte
	for i, c := range b {
		buf[i] = lower(c)
	}
	return tlds[string(buf[:len(b)])]
}

// findEmails finds local@domain addresses, also with the @ written as %40
// or \u0040 (behind any number of backslashes).
func findEmails(s []byte, m *matchSet) {
	if len(s) < 6 {
		return
	}
	sum := m.summary(s)
	if !sum.any(fAt | fPercent | fBslash) {
		return
	}
	for i, lo := 0, 0; sum.has(fAt); {
		j := bytes.IndexByte(s[i:], '@')
		if j < 0 {
			break
		}
		at := i + j
		i, lo = emailAt(s, lo, at, at+1, m)
	}
	if sum.has(fPercent) {
		for i, lo := 0, 0; ; {
			j := bytes.Index(s[i:], []byte("%40"))
			if j < 0 {
				break
			}
			at := i + j
			i, lo = emailAt(s, lo, at, at+3, m)
		}
	}
	if sum.has(fBslash) && sum.digits >= 4 {
		for i, lo := 0, 0; ; {
			j := bytes.Index(s[i:], []byte("u0040"))
			if j < 0 {
				break
			}
			at := i + j
			if at == 0 || s[at-1] != '\\' {
				i = at + 5
				continue
			}
			for at > 0 && s[at-1] == '\\' {
				at--
			}
			i, lo = emailAt(s, lo, at, i+j+5, m)
		}
	}
}

// emailAt checks the address around the separator s[at:dom] and returns
// where the search goes on and where the next local part may start: not
// before the end of the address just found, so that "a@b.io%@c.io" is two
// addresses in one pass as it would be once the first is redacted.
func emailAt(s []byte, lo, at, dom int, m *matchSet) (next, nextLo int) {
	// local part
	st := at
	for st > lo && class[s[st-1]]&cLocal != 0 {
		st--
	}
	// drop the letters of an escape just before the address: \n, \u003c, %3C
	for st < at {
		if s[st] == '%' && st+2 < at && isHex(s[st+1]) && isHex(s[st+2]) && (st == 0 || s[st-1] != '\\') {
			// a leading %XX is an encoded delimiter, not part of the name
			st += 3
			continue
		}
		if st > 0 && s[st-1] == '\\' {
			if s[st] == 'u' && st+5 <= at {
				st += 5
			} else {
				st++
			}
			continue
		}
		break
	}
	for st < at && (s[st] == '.' || s[st] == '-' || s[st] == '+') {
		st++
	}
	if st >= at {
		return dom, lo
	}
	// domain
	e := dom
	for e < len(s) && class[s[e]]&cDomain != 0 {
		if s[e] == '.' && (e == dom || s[e-1] == '.') {
			break
		}
		e++
	}
	for e > dom && (s[e-1] == '.' || s[e-1] == '-') {
		e--
	}
	// shorten to the last label that is a TLD
	var lastDot int
	for {
		lastDot = bytes.LastIndexByte(s[dom:e], '.')
		if lastDot < 0 {
			return dom, lo
		}
		lastDot += dom
		if isTLD(s[lastDot+1 : e]) {
			break
		}
		e = lastDot
	}
	if lastDot == dom {
		return dom, lo
	}
	m.add(TypeEmail, st, e)
	return e, e
}

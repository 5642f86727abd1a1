package redact

import (
	"bytes"
	"encoding/base64"
)

// isB64URL reports whether c is in the base64url alphabet.
func isB64URL(c byte) bool { return class[c]&cB64URL != 0 }

// b64urlEnd returns the end of the run of base64url characters at s[i:].
func b64urlEnd(s []byte, i int) int {
	for i < len(s) && class[s[i]]&cB64URL != 0 {
		i++
	}
	return i
}

// findJWTs finds JSON Web Tokens: three base64url parts joined by dots,
// the first of which decodes to a JSON object with an "alg".
func findJWTs(s []byte, m *matchSet) {
	if len(s) < 20 || !m.summary(s).has(fJ|fDot) {
		return
	}
	for i := 0; i < len(s); {
		// "eyJ" (the base64 of `{"`), anchored on its rarest letter
		j := bytes.IndexByte(s[i:], 'J')
		if j < 0 {
			return
		}
		st := i + j - 2
		i = st + 3
		if st < 0 || s[st] != 'e' || s[st+1] != 'y' {
			continue
		}
		if st > 0 && (isB64URL(s[st-1]) && escapeEnd(s, st) == 0) {
			continue
		}
		e1 := b64urlEnd(s, st)
		if e1 >= len(s) || s[e1] != '.' {
			continue
		}
		e2 := b64urlEnd(s, e1+1)
		if e2 == e1+1 || e2 >= len(s) || s[e2] != '.' {
			continue
		}
		e3 := b64urlEnd(s, e2+1)
		if e3 < len(s) && s[e3] == '.' || !jwtHeader(s[st:e1]) {
			continue
		}
		m.add(TypeJWT, st, e3)
		i = e3
	}
}

// jwtHeader reports whether the base64url text h decodes to a JSON object
// that names an "alg".
func jwtHeader(h []byte) bool {
	var buf [512]byte
	if base64.RawURLEncoding.DecodedLen(len(h)) > len(buf) {
		return false
	}
	n, err := base64.RawURLEncoding.Decode(buf[:], h)
	if err != nil {
		// a last quantum that does not decode: keep what did
		if n == 0 {
			return false
		}
	}
	d := buf[:n]
	return len(d) > 0 && d[0] == '{' && bytes.Contains(d, []byte(`"alg"`))
}

// isTokenChar reports whether c may be part of an opaque credential.
func isTokenChar(c byte) bool {
	return class[c]&(cB64|cB64URL) != 0 || c == '.' || c == '~' || c == '='
}

// credentialLike reports whether v looks like a credential rather than a
// word ("the bearer instrument"): it has a digit, mixed case or a symbol,
// or is long.
func credentialLike(v []byte) bool {
	var k uint8
	for _, c := range v {
		k |= class[c]
		if class[c]&(cDigit|cUpper|cLower) == 0 {
			return true
		}
	}
	return len(v) >= 20 || k&cDigit != 0 || k&cUpper != 0 && k&cLower != 0
}

// findAuthorization finds credentials: the token after "Bearer " and the
// base64 after "Basic " (the scheme word is kept), the user:password of a
// URL, and the values of the X-Amz-Signature, X-Amz-Security-Token and
// X-Amz-Credential query parameters.
func findAuthorization(s []byte, m *matchSet) {
	if len(s) < 9 {
		return
	}
	sum := m.summary(s)
	if sum.has(fSpace) && sum.any(fBu|fBl) {
		findSchemes(s, m)
	}
	if sum.has(fSlash | fAt | fColon) {
		findUserinfo(s, m)
	}
	if sum.has(fDash|fX) && sum.any(fEq|fPercent) {
		findAmzParams(s, m)
	}
}

// findSchemes finds the credentials after "Bearer " and "Basic ".
func findSchemes(s []byte, m *matchSet) {
	for _, b := range [...]byte{'B', 'b'} {
		for i := 0; i < len(s); {
			j := bytes.IndexByte(s[i:], b)
			if j < 0 {
				break
			}
			k := i + j
			i = k + 1
			var n int
			switch {
			case hasFold(s, k+1, "earer "):
				n = 7
			case hasFold(s, k+1, "asic "):
				n = 6
			default:
				continue
			}
			if alnumBefore(s, k) {
				continue
			}
			st := k + n
			for st < len(s) && s[st] == ' ' {
				st++
			}
			e := st
			for e < len(s) && isTokenChar(s[e]) {
				e++
			}
			// a JSON escape right after the token (\" \n) is not part of it
			if e < len(s) && s[e] == '\\' {
				for e > st && s[e-1] == '\\' {
					e--
				}
			}
			if e-st < 8 || !credentialLike(s[st:e]) {
				continue
			}
			m.add(TypeAuthorization, st, e)
			i = e
		}
	}
}

// findUserinfo finds the user:password of scheme://user:password@host.
func findUserinfo(s []byte, m *matchSet) {
	for i := 0; i < len(s); {
		j := bytes.Index(s[i:], []byte("//"))
		if j < 0 {
			return
		}
		k := i + j
		st := k + 2
		i = st
		if k == 0 || s[k-1] != ':' {
			continue
		}
		colon := -1
		e := st
		for ; e < len(s) && e-st < 256; e++ {
			c := s[e]
			if c == '@' || c == '/' || c == '[' || c == ']' || c == '"' || c == ' ' || c == '\\' || c == '?' || c == '#' || c == '<' || c == '>' || c == '\'' {
				break
			}
			if c == ':' && colon < 0 {
				colon = e
			}
		}
		if e >= len(s) || s[e] != '@' || colon < 0 || colon == e-1 {
			continue
		}
		m.add(TypeAuthorization, st, e)
		i = e
	}
}

var amzParams = []string{"signature", "security-token", "credential"}

// findAmzParams finds the values of presigned-URL parameters.
func findAmzParams(s []byte, m *matchSet) {
	// "X-Amz-" or "x-amz-", found on their 'z'
	for z := 4; z+2 <= len(s); {
		j := bytes.IndexByte(s[z:len(s)-1], 'z')
		if j < 0 {
			break
		}
		z += j + 1
		if p := string(s[z-5 : z+1]); p != "X-Amz-" && p != "x-amz-" {
			continue
		}
		z = amzParamAt(s, z+1, m)
	}
}

// amzParamAt adds the value of the signing parameter named at s[i] (after
// its X-Amz- prefix), if it is one, and returns the value's end (or i).
func amzParamAt(s []byte, i int, m *matchSet) int {
	q := -1
	for _, w := range amzParams {
		if hasFold(s, i, w) {
			q = i + len(w)
			break
		}
	}
	switch {
	case q < 0:
		return i
	case q < len(s) && s[q] == '=':
		q++
	case q+3 <= len(s) && s[q] == '%' && s[q+1] == '3' && lower(s[q+2]) == 'd':
		q += 3
	default:
		return i
	}
	e := q
	for e < len(s) {
		c := s[e]
		if c == '&' || c == '"' || c == ' ' || c == '\\' || c == '#' || c == '\'' || c == '<' || c == '>' || c == ',' || c == ';' {
			break
		}
		e++
	}
	if e == q {
		return i
	}
	m.add(TypeAuthorization, q, e)
	return e
}

// findVendorTokens finds API tokens whose vendor prefix says what they are:
// GitHub (ghp_, gho_, ghs_, ghu_, ghr_, github_pat_), Slack (xoxa-, xoxb-,
// xoxp-, xoxo-, xoxr-, xoxs-), Stripe (sk_live_, rk_live_), Google API keys
// (AIza) and OAuth access tokens (ya29.).
func findVendorTokens(s []byte, m *matchSet) {
	if len(s) < 14 {
		return
	}
	sum := m.summary(s)
	if sum.has(fUnder) {
		findUnderscoreTokens(s, m)
	}
	if sum.has(fX | fDash) {
		vendorPrefix(s, m, "xox", 0, 10)
	}
	if sum.has(fA | fZ) {
		vendorPrefix(s, m, "AIza", 2, 30)
	}
	if sum.has(fY|fDot) && sum.digits >= 2 {
		vendorPrefix(s, m, "ya29.", 0, 20)
	}
}

// findUnderscoreTokens finds the GitHub and Stripe tokens.
func findUnderscoreTokens(s []byte, m *matchSet) {
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], '_')
		if j < 0 {
			break
		}
		u := i + j
		i = u + 1
		var st, body, minLen int
		switch {
		case u >= 3 && s[u-3] == 'g' && s[u-2] == 'h' && (s[u-1] == 'p' || s[u-1] == 'o' || s[u-1] == 's' || s[u-1] == 'u' || s[u-1] == 'r'):
			st, body, minLen = u-3, u+1, 30
		case u >= 6 && bytes.HasPrefix(s[u-6:], []byte("github_pat_")):
			st, body, minLen = u-6, u+5, 40
		case u >= 2 && (s[u-2] == 's' || s[u-2] == 'r') && s[u-1] == 'k' && bytes.HasPrefix(s[u+1:], []byte("live_")):
			st, body, minLen = u-2, u+6, 16
		default:
			continue
		}
		if alnumBefore(s, st) || st > 0 && s[st-1] == '_' {
			continue
		}
		e := body
		for e < len(s) && (isAlnum(s[e]) || s[e] == '_') {
			e++
		}
		if e-body < minLen || tokenAfter(s, e) && s[e] != '-' && s[e] != '.' {
			continue
		}
		m.add(TypeVendorToken, st, e)
		i = e
	}
}

// vendorPrefix finds tokens that start with prefix p and go on for at
// least minLen base64url (or dot) characters; p[a] is the byte to search
// for (see indexAnchored).
func vendorPrefix(s []byte, m *matchSet, p string, a, minLen int) {
	for i := 0; i < len(s); {
		j := indexAnchored(s[i:], p, a)
		if j < 0 {
			return
		}
		st := i + j
		b := st + len(p)
		i = b
		if alnumBefore(s, st) {
			continue
		}
		if p == "xox" {
			if b+1 >= len(s) || s[b+1] != '-' {
				continue
			}
			switch s[b] {
			case 'a', 'b', 'p', 'o', 'r', 's':
			default:
				continue
			}
			b += 2
		}
		e := b
		for e < len(s) && (isB64URL(s[e]) || s[e] == '.') {
			e++
		}
		for e > b && s[e-1] == '.' {
			e--
		}
		if e-b < minLen {
			continue
		}
		m.add(TypeVendorToken, st, e)
		i = e
	}
}

// findPrivateKeys finds PEM private key blocks, from -----BEGIN ... PRIVATE
// KEY----- to the matching END line, whether the line breaks are real or
// written as \n escapes. A block without its END goes to the end of the
// string it is in.
func findPrivateKeys(s []byte, m *matchSet) {
	if len(s) < 30 || !m.summary(s).has(fDash|fBu|fSpace) {
		return
	}
	for i := 0; i < len(s); {
		j := indexAnchored(s[i:], "BEGIN ", 2)
		if j < 0 {
			return
		}
		st := i + j - 5
		i = st + 11
		if st < 0 || !bytes.Equal(s[st:st+5], []byte("-----")) {
			continue
		}
		h := bytes.Index(s[i:min(len(s), i+48)], []byte("PRIVATE KEY-----"))
		if h < 0 {
			continue
		}
		body := i + h + 16
		e := -1
		if k := bytes.Index(s[body:], []byte("-----END ")); k >= 0 {
			if t := bytes.Index(s[body+k:min(len(s), body+k+48)], []byte("PRIVATE KEY-----")); t >= 0 {
				e = body + k + t + 16
			}
		}
		if e < 0 {
			e = body
			for e < len(s) && s[e] != '"' {
				e++
			}
			// leave the escapes at its end (\n, \\n) to the string
			for e > body && (s[e-1] == '\\' || s[e-1] == 'n' && e-2 >= body && s[e-2] == '\\') {
				e--
			}
		}
		m.add(TypePrivateKey, st, e)
		i = e
	}
}

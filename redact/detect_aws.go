package redact

import (
	"bytes"
	"math/bits"
)

// isB32 reports whether c is in the alphabet of AWS key ids, [A-Z2-7].
func isB32(c byte) bool { return 'A' <= c && c <= 'Z' || '2' <= c && c <= '7' }

// findAWSAccessKeyIDs finds AWS access key ids: AKIA, ASIA, ABIA or ACCA
// and 16 of [A-Z2-7], on their own. The documentation key
// AKIAIOSFODNN7EXAMPLE, and any id ending in EXAMPLE, is left alone.
func findAWSAccessKeyIDs(s []byte, m *matchSet) {
	if len(s) < 20 {
		return
	}
	if sum := m.summary(s); !sum.has(fA) || sum.upper < 4 || sum.upper+sum.digits < 20 {
		return
	}
	for i := 0; i+20 <= len(s); {
		j := bytes.IndexByte(s[i:len(s)-19], 'A')
		if j < 0 {
			return
		}
		st := i + j
		i = st + 1
		p := s[st+1 : st+4]
		if !(p[0] == 'K' && p[1] == 'I' && p[2] == 'A' || p[0] == 'S' && p[1] == 'I' && p[2] == 'A' ||
			p[0] == 'B' && p[1] == 'I' && p[2] == 'A' || p[0] == 'C' && p[1] == 'C' && p[2] == 'A') {
			continue
		}
		ok := true
		for k := st + 4; k < st+20; k++ {
			if !isB32(s[k]) {
				ok = false
				break
			}
		}
		e := st + 20
		if !ok || alnumBefore(s, st) || alnumAfter(s, e) || bytes.HasSuffix(s[st:e], []byte("EXAMPLE")) {
			continue
		}
		m.add(TypeAWSAccessKeyID, st, e)
		i = e
	}
}

// awsSecretNames are what may follow "secret" in the name of an AWS secret
// access key, separators and case aside.
var awsSecretNames = []string{"accesskey", "key"}

// findAWSSecretKeys finds AWS secret access keys: 40 of [A-Za-z0-9/+]
// right after a name such as aws_secret_access_key, SecretAccessKey or
// "secret key", random enough and not plain hex.
func findAWSSecretKeys(s []byte, m *matchSet) {
	// "secret" or "SECRET" and "key" in the name
	if len(s) < 46 || !m.summary(s).has(fC|fS|fK) {
		return
	}
	for _, pat := range [...]string{"cret", "CRET"} {
		for i := 0; i < len(s); {
			j := indexAnchored(s[i:], pat, 1) // on the r, which hex ids lack
			if j < 0 {
				break
			}
			k := i + j
			p := k + len(pat)
			i = p
			if k < 2 || lower(s[k-2]) != 's' || lower(s[k-1]) != 'e' {
				continue
			}
			// the rest of the name
			q := -1
			for _, w := range awsSecretNames {
				if e := matchFoldSep(s, p, w); e >= 0 {
					q = e
					break
				}
			}
			if q < 0 {
				continue
			}
			// the separators between name and value, a DynamoDB {"S": included
			for k := 0; q < len(s) && k < 16; k++ {
				c := s[q]
				if c == '"' || c == '\\' || c == ':' || c == '=' || c == ' ' || c == '\'' || c == '\t' || c == '{' ||
					c == 'S' && q > 0 && (s[q-1] == '"' || s[q-1] == '\\') && q+1 < len(s) && (s[q+1] == '"' || s[q+1] == '\\') {
					q++
					continue
				}
				break
			}
			e := q
			for e < len(s) && e-q <= 40 && class[s[e]]&cB64 != 0 {
				e++
			}
			if e-q != 40 || e < len(s) && (s[e] == '=' || class[s[e]]&cB64URL != 0) || !randomish(s[q:e]) {
				continue
			}
			m.add(TypeAWSSecretAccessKey, q, e)
			i = e
		}
	}
}

// matchFoldSep matches the lower-case word w at s[p:], ignoring case and
// the separators _ - . and space in s, and returns where the match ends,
// or -1.
func matchFoldSep(s []byte, p int, w string) int {
	k := 0
	for p < len(s) && k < len(w) {
		c := lower(s[p])
		if c == w[k] {
			k++
			p++
			continue
		}
		if c == '_' || c == '-' || c == '.' || c == ' ' {
			p++
			continue
		}
		return -1
	}
	if k < len(w) {
		return -1
	}
	return p
}

// randomish reports whether v looks like a random key: many distinct
// characters, not plain hex, not all of one case.
func randomish(v []byte) bool {
	var set [2]uint64
	hex, up, lo, dig := true, false, false, false
	for _, c := range v {
		set[c>>6&1] |= 1 << (c & 63)
		k := class[c]
		if k&cHex == 0 {
			hex = false
		}
		up = up || k&cUpper != 0
		lo = lo || k&cLower != 0
		dig = dig || k&cDigit != 0
	}
	distinct := bits.OnesCount64(set[0]) + bits.OnesCount64(set[1])
	return !hex && distinct >= len(v)/3 && (up && lo || up && dig || lo && dig)
}

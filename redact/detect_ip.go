package redact

import (
	"bytes"
	"net/netip"
)

// findIPs finds IPv4 dotted quads and IPv6 addresses (full or compressed).
// A dotted quad that is a version (Chrome/124.0.0.0, 1.2.3.4.5) is not an
// address.
func findIPs(s []byte, m *matchSet) {
	if len(s) < 7 {
		return
	}
	sum := m.summary(s)
	if sum.has(fDots3) && sum.digits >= 4 {
		findIPv4s(s, m)
	}
	// an IPv6 address has eight groups or a ::
	if sum.has(fColons7) || sum.has(fColons2) && bytes.Contains(s, []byte("::")) {
		findIPv6s(s, m)
	}
}

// versionWords before a dotted quad make it a version or a section number.
var versionWords = [...]string{"version", "ver", "section", "release", "build", "rfc"}

// versionBefore reports whether the word just before s[i] (across a few
// separators) is one of versionWords, in any case.
func versionBefore(s []byte, i int) bool {
	p := i
	for p > 0 && i-p < 3 && (s[p-1] == ' ' || s[p-1] == ':' || s[p-1] == '=') {
		p--
	}
	if p == i {
		return false
	}
	for _, w := range versionWords {
		st := p - len(w)
		if hasFold(s, st, w) && !alnumBefore(s, st) {
			return true
		}
	}
	return false
}

func findIPv4s(s []byte, m *matchSet) {
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], '.')
		if j < 0 {
			return
		}
		dot := i + j
		i = dot + 1
		st := dot
		for st > 0 && dot-st < 3 && isDigitByte(s[st-1]) {
			st--
		}
		if st == dot || (st > 0 && isDigitByte(s[st-1])) {
			continue
		}
		if st > 0 {
			if c := s[st-1]; c == '.' || c == '/' || c == '_' || alnumBefore(s, st) {
				continue
			}
		}
		var a [4]byte
		p, ok := st, true
		for k := 0; k < 4; k++ {
			if k > 0 {
				if p >= len(s) || s[p] != '.' {
					ok = false
					break
				}
				p++
			}
			q, v := p, 0
			for q < len(s) && q-p < 4 && isDigitByte(s[q]) {
				v = v*10 + int(s[q]-'0')
				q++
			}
			if q == p || q-p > 3 || v > 255 || (q-p > 1 && s[p] == '0') {
				ok = false
				break
			}
			a[k] = byte(v)
			p = q
		}
		if !ok {
			continue
		}
		// not followed by more of a version or a word
		if p < len(s) && (isAlnum(s[p]) || s[p] == '_' || (s[p] == '.' && p+1 < len(s) && isDigitByte(s[p+1]))) {
			i = p
			continue
		}
		i = p
		if versionBefore(s, st) {
			continue
		}
		addr := netip.AddrFrom4(a)
		if m.keepPrivateIPs && keepAddr(addr) {
			continue
		}
		if addr.IsUnspecified() {
			continue
		}
		m.add(TypeIPAddress, st, p)
	}
}

func keepAddr(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()
}

func findIPv6s(s []byte, m *matchSet) {
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], ':')
		if j < 0 {
			return
		}
		c := i + j
		i = c + 1
		if c == 0 || !(isHex(s[c-1]) || s[c-1] == ':') {
			if c+1 >= len(s) || s[c+1] != ':' {
				continue
			}
		}
		st := c
		for st > 0 && (isHex(s[st-1]) || s[st-1] == ':') && c-st < 40 {
			st--
		}
		if st > 0 && (s[st-1] == '.' || s[st-1] == '_' || s[st-1] == '-' || alnumBefore(s, st)) {
			continue
		}
		end, addr, ok := parseIPv6(s, st)
		if !ok {
			continue
		}
		i = end
		if m.keepPrivateIPs && keepAddr(addr) {
			continue
		}
		m.add(TypeIPAddress, st, end)
	}
}

// parseIPv6 parses an IPv6 address at s[st:] and returns where it ends.
// It wants eight groups, or fewer with one "::" and at least three written
// (so times, MACs and "a::b" are not addresses).
func parseIPv6(s []byte, st int) (int, netip.Addr, bool) {
	var groups [8]uint16
	n, gap, p := 0, -1, st
	if p+1 < len(s) && s[p] == ':' && s[p+1] == ':' {
		gap, p = 0, p+2
	}
	for n < 8 {
		q, v := p, 0
		for q < len(s) && q-p < 5 && isHex(s[q]) {
			v = v<<4 | int(hexVal(s[q]))
			q++
		}
		if q == p {
			break
		}
		if q-p > 4 {
			return 0, netip.Addr{}, false
		}
		groups[n] = uint16(v)
		n++
		p = q
		if p+1 < len(s) && s[p] == ':' && s[p+1] == ':' {
			if gap >= 0 {
				return 0, netip.Addr{}, false
			}
			gap, p = n, p+2
			continue
		}
		if p+1 < len(s) && s[p] == ':' && isHex(s[p+1]) {
			p++
			continue
		}
		break
	}
	if p < len(s) && (isAlnum(s[p]) || s[p] == ':' || s[p] == '.' || s[p] == '_') {
		return 0, netip.Addr{}, false
	}
	if gap < 0 && n != 8 || gap >= 0 && (n > 7 || n < 3) {
		return 0, netip.Addr{}, false
	}
	var b [16]byte
	k := 0
	for g := 0; g < 8; g++ {
		var v uint16
		switch {
		case gap < 0 || g < gap:
			v = groups[k]
			k++
		case g >= gap+8-n:
			v = groups[k]
			k++
		}
		b[2*g], b[2*g+1] = byte(v>>8), byte(v)
	}
	return p, netip.AddrFrom16(b), true
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

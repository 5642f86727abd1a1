package middleware

import (
	"bytes"
	"unsafe"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// span is a string being built: buf[off:end] of its builder.
type span struct{ off, end int }

func (s span) empty() bool { return s.end == s.off }

// actorSpans are the fields of an Actor while they are being built.
type actorSpans struct {
	userARN, accountID, accessKeyID, principalID, subject, issuer, username, sourceIP, userAgent span
}

// builder builds an Event with as few allocations as possible: every string
// of the event is unquoted or assembled into one buffer, which becomes one
// string at the end that all the event's strings share.
type builder struct {
	buf       []byte
	res       spanSet // resources
	op        span
	actor     actorSpans
	assurance Assurance
	source    Source
	region    string // region to build API ARNs with when the event lacks it
}

// event returns the Event built.
func (b *builder) event() Event {
	// Like strings.Builder, hand the buffer over as a string: nothing writes
	// to it after this point.
	s := unsafe.String(unsafe.SliceData(b.buf), len(b.buf))
	str := func(sp span) string { return s[sp.off:sp.end] }
	a := &b.actor
	ev := Event{
		Source:    b.source,
		Operation: str(b.op),
		Actor: Actor{
			UserARN:     str(a.userARN),
			AccountID:   str(a.accountID),
			AccessKeyID: str(a.accessKeyID),
			PrincipalID: str(a.principalID),
			Subject:     str(a.subject),
			Issuer:      str(a.issuer),
			Username:    str(a.username),
			SourceIP:    str(a.sourceIP),
			UserAgent:   str(a.userAgent),
			Assurance:   b.assurance,
		},
	}
	if ev.Actor.Assurance == "" {
		ev.Actor.Assurance = AssuranceNone
	}
	if n := b.res.n + len(b.res.more); n > 0 {
		ev.Resources = make([]string, 0, n)
		for _, r := range b.res.list[:b.res.n] {
			ev.Resources = append(ev.Resources, str(r))
		}
		for _, r := range b.res.more {
			ev.Resources = append(ev.Resources, str(r))
		}
	}
	b.buf = nil
	return ev
}

// bytes returns the bytes of sp.
func (b *builder) bytes(sp span) []byte { return b.buf[sp.off:sp.end] }

// str unquotes raw, a JSON string value, into the buffer. It returns an
// empty span if raw is not a string.
func (b *builder) str(raw []byte) span {
	if !isString(raw) {
		return span{}
	}
	off := len(b.buf)
	buf, ok := jsonscan.AppendUnquote(b.buf, raw)
	if !ok {
		return span{}
	}
	b.buf = buf
	return span{off, len(buf)}
}

// first returns the span of the first of raws that is a non-empty string.
func (b *builder) first(raws ...[]byte) span {
	for _, r := range raws {
		if sp := b.str(r); !sp.empty() {
			return sp
		}
	}
	return span{}
}

// start returns where the next string assembled with add begins.
func (b *builder) start() int { return len(b.buf) }

// add appends s to the string being assembled.
func (b *builder) add(s string) { b.buf = append(b.buf, s...) }

// addSpan appends the bytes of sp to the string being assembled.
func (b *builder) addSpan(sp span) { b.buf = append(b.buf, b.buf[sp.off:sp.end]...) }

// end returns the span of the string assembled since off.
func (b *builder) end(off int) span { return span{off, len(b.buf)} }

// join assembles l, sep and r into one string; when either is empty it
// returns the other.
func (b *builder) join(l span, sep string, r span) span {
	switch {
	case l.empty():
		return r
	case r.empty():
		return l
	}
	off := b.start()
	b.addSpan(l)
	b.add(sep)
	b.addSpan(r)
	return b.end(off)
}

// resource adds sp to the resources unless it is empty or already there.
func (b *builder) resource(sp span) { b.res.add(b, sp) }

// resourceValue adds the JSON string raw to the resources.
func (b *builder) resourceValue(raw []byte) { b.resource(b.str(raw)) }

// spanSet collects distinct non-empty spans of a builder, in order of first
// appearance.
type spanSet struct {
	list [4]span
	n    int
	more []span
}

// add adds sp unless it is empty or already there.
func (s *spanSet) add(b *builder, sp span) {
	if sp.empty() {
		return
	}
	for i := 0; i < s.n; i++ {
		if bytes.Equal(b.bytes(s.list[i]), b.bytes(sp)) {
			return
		}
	}
	for _, m := range s.more {
		if bytes.Equal(b.bytes(m), b.bytes(sp)) {
			return
		}
	}
	if s.n < len(s.list) {
		s.list[s.n] = sp
		s.n++
		return
	}
	s.more = append(s.more, sp)
}

// joined returns the spans of s joined by ",".
func (s *spanSet) joined(b *builder) span {
	switch s.n {
	case 0:
		return span{}
	case 1:
		return s.list[0]
	}
	off := b.start()
	for i := 0; i < s.n; i++ {
		if i > 0 {
			b.add(",")
		}
		b.addSpan(s.list[i])
	}
	for _, m := range s.more {
		b.add(",")
		b.addSpan(m)
	}
	return b.end(off)
}

// equalFold reports whether k equals s, ignoring ASCII case.
func equalFold(k []byte, s string) bool {
	if len(k) != len(s) {
		return false
	}
	for i := 0; i < len(k); i++ {
		c, d := k[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

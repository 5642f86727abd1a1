package interop

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// shape is the structure of a version-2 message with what is random in each
// message (message id, IVs, keys, ciphertexts, tags, the signing key)
// reduced to lengths, so that messages written by two implementations from
// the same inputs can be compared field by field. The offsets locate the
// fields the tamper tests flip.
type shape struct {
	Version     byte
	Suite       uint16
	Context     []string // "key=value" in stored order; the public key's value as its length
	ContextLen  int      // the u16 length field of the context
	EDKs        []string // "provider|name|tagbits|ivlen|ctlen"
	ContentType byte
	FrameLength uint32
	CommitLen   int
	HeaderLen   int      // through the header tag
	Frames      []string // "seq:len" for regular frames, "final seq:len" for the last
	IVsAreSeq   bool     // every frame IV is its sequence number, left-padded
	FooterLen   int      // signature length, -1 for unsigned suites
	Trailing    int      // bytes after the footer

	// Offsets of fields, for tampering.
	OffMessageID, OffContext, OffEDKCiphertext, OffHeaderTag, OffFirstFrameBody, OffFinalFrame, OffFooter int
}

// compare returns the differences between the fields of s and o that two
// correct writers given the same inputs must agree on (so not FooterLen,
// which moves with DER, nor offsets).
func (s *shape) compare(o *shape) []string {
	var d []string
	eq := func(what string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			d = append(d, fmt.Sprintf("%s: %v vs %v", what, a, b))
		}
	}
	eq("version", s.Version, o.Version)
	eq("suite", fmt.Sprintf("%04X", s.Suite), fmt.Sprintf("%04X", o.Suite))
	eq("context", s.Context, o.Context)
	eq("context length", s.ContextLen, o.ContextLen)
	eq("encrypted data keys", s.EDKs, o.EDKs)
	eq("content type", s.ContentType, o.ContentType)
	eq("frame length", s.FrameLength, o.FrameLength)
	eq("commit key length", s.CommitLen, o.CommitLen)
	eq("header length", s.HeaderLen, o.HeaderLen)
	eq("frames", summarize(s.Frames), summarize(o.Frames))
	eq("IVs are sequence numbers", s.IVsAreSeq, o.IVsAreSeq)
	eq("footer present", s.FooterLen >= 0, o.FooterLen >= 0)
	eq("trailing bytes", s.Trailing, o.Trailing)
	return d
}

// emptyFinalVariant reports whether o differs from s only in ending a
// plaintext of an exact multiple of the frame length with a full regular
// frame and an empty final frame, where s ends it with a full final frame.
// The spec allows both (framework/encrypt.md: with exactly one regular
// frame's worth left at the end of the input, construct "either a final
// frame or regular frame", then an empty final frame if none was written).
// The ESDK for JavaScript writes the empty final frame.
func (s *shape) emptyFinalVariant(o *shape) bool {
	n := len(s.Frames)
	if n == 0 || len(o.Frames) != n+1 || s.Frames[n-1] != fmt.Sprintf("final %d:%d", n, s.FrameLength) {
		return false
	}
	v := *s
	v.Frames = append(append([]string(nil), s.Frames[:n-1]...), fmt.Sprintf("%d:%d", n, s.FrameLength), fmt.Sprintf("final %d:0", n+1))
	return len(v.compare(o)) == 0
}

func (s *shape) String() string {
	return fmt.Sprintf("v%d suite %04X ctx(%d)%q edks%q type %d frame %d header %d frames[%s] ivseq=%v footer %d trailing %d",
		s.Version, s.Suite, s.ContextLen, s.Context, s.EDKs, s.ContentType, s.FrameLength, s.HeaderLen,
		summarize(s.Frames), s.IVsAreSeq, s.FooterLen, s.Trailing)
}

// summarize shortens a long frame list: first two, count, last two.
func summarize(f []string) string {
	if len(f) <= 5 {
		return strings.Join(f, " ")
	}
	return fmt.Sprintf("%s %s ...(%d frames)... %s %s", f[0], f[1], len(f), f[len(f)-2], f[len(f)-1])
}

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.off+n > len(r.b) {
		r.err = fmt.Errorf("truncated at byte %d (wanted %d more)", r.off, n)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() byte {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() int {
	if p := r.take(2); p != nil {
		return int(binary.BigEndian.Uint16(p))
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

// parseShape reads a framed version-2 message of suite 0x0478 or 0x0578.
func parseShape(msg []byte) (*shape, error) {
	r := &reader{b: msg}
	s := &shape{FooterLen: -1, IVsAreSeq: true}
	s.Version = r.u8()
	if r.err == nil && s.Version != 2 {
		return nil, fmt.Errorf("version %d, want 2", s.Version)
	}
	s.Suite = uint16(r.u16())
	s.OffMessageID = r.off
	r.take(32)
	s.ContextLen = r.u16()
	s.OffContext = r.off
	ctx := &reader{b: r.take(s.ContextLen)}
	if s.ContextLen > 0 {
		for n := ctx.u16(); n > 0 && ctx.err == nil; n-- {
			k := string(ctx.take(ctx.u16()))
			v := string(ctx.take(ctx.u16()))
			if k == "aws-crypto-public-key" {
				v = fmt.Sprintf("<%d bytes>", len(v))
			}
			s.Context = append(s.Context, k+"="+v)
		}
		if ctx.err == nil && ctx.off != len(ctx.b) {
			ctx.err = fmt.Errorf("%d bytes after the context pairs", len(ctx.b)-ctx.off)
		}
		if ctx.err != nil {
			return nil, fmt.Errorf("context: %v", ctx.err)
		}
	}
	for n := r.u16(); n > 0 && r.err == nil; n-- {
		provider := string(r.take(r.u16()))
		info := r.take(r.u16())
		s.OffEDKCiphertext = r.off + 2
		ct := r.take(r.u16())
		desc := fmt.Sprintf("%s|%x|ct %d", provider, info, len(ct))
		if len(info) >= 20 { // raw AES: name | u32 tag bits | u32 IV length | IV
			name, tail := info[:len(info)-20], info[len(info)-20:]
			desc = fmt.Sprintf("%s|%s|tag %d|iv %d|ct %d", provider, name,
				binary.BigEndian.Uint32(tail), binary.BigEndian.Uint32(tail[4:]), len(ct))
		}
		s.EDKs = append(s.EDKs, desc)
	}
	s.ContentType = r.u8()
	s.FrameLength = r.u32()
	s.CommitLen = 32
	r.take(32)
	s.OffHeaderTag = r.off
	r.take(16)
	s.HeaderLen = r.off
	if r.err != nil {
		return nil, fmt.Errorf("header: %v", r.err)
	}
	if s.ContentType != 2 {
		return s, fmt.Errorf("content type %d, want 2 (framed)", s.ContentType)
	}
	for seq := uint32(1); r.err == nil; seq++ {
		n := r.u32()
		final := n == 0xFFFFFFFF
		if final {
			s.OffFinalFrame = r.off - 4
			n = r.u32()
		}
		if n != seq {
			return s, fmt.Errorf("frame %d has sequence number %d", seq, n)
		}
		iv := r.take(12)
		var want [12]byte
		binary.BigEndian.PutUint32(want[8:], seq)
		if r.err == nil && !bytes.Equal(iv, want[:]) {
			s.IVsAreSeq = false
		}
		length := s.FrameLength
		if final {
			length = r.u32()
		}
		if seq == 1 {
			s.OffFirstFrameBody = r.off
		}
		r.take(int(length) + 16)
		if final {
			s.Frames = append(s.Frames, fmt.Sprintf("final %d:%d", seq, length))
			break
		}
		s.Frames = append(s.Frames, fmt.Sprintf("%d:%d", seq, length))
	}
	if r.err != nil {
		return s, fmt.Errorf("body: %v", r.err)
	}
	if s.Suite == 0x0578 {
		s.OffFooter = r.off
		s.FooterLen = r.u16()
		r.take(s.FooterLen)
		if r.err != nil {
			return s, fmt.Errorf("footer: %v", r.err)
		}
	}
	s.Trailing = len(msg) - r.off
	return s, nil
}

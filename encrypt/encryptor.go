package encrypt

import (
	"context"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Encryptor encrypts and decrypts messages. It is safe for concurrent use.
type Encryptor struct {
	cfg       config
	materials MaterialsManager
}

// New returns an Encryptor configured by opts. It needs WithKeyring or
// WithMaterialsManager; the other options have documented defaults.
func New(opts ...Option) (*Encryptor, error) {
	e := &Encryptor{}
	for _, o := range opts {
		if o != nil {
			o.apply(&e.cfg)
		}
	}
	c := &e.cfg
	switch c.suite {
	case 0:
		c.suite = SuiteCommit
	case SuiteCommit, SuiteCommitSigned:
	default:
		return nil, &PolicyError{Suite: c.suite, Reason: "messages are written only with suites 0x0478 and 0x0578"}
	}
	switch {
	case c.frameLength == 0:
		c.frameLength = DefaultFrameLength
	case c.frameLength < 0 || c.frameLength > maxFrameLen:
		return nil, &LimitError{What: "frame length", Limit: maxFrameLen, Got: int64(c.frameLength)}
	}
	switch {
	case c.maxDataKeys == 0:
		c.maxDataKeys = DefaultMaxEncryptedDataKeys
	case c.maxDataKeys < 0 || c.maxDataKeys > 0xFFFF:
		return nil, &LimitError{What: "maximum number of encrypted data keys", Limit: 0xFFFF, Got: int64(c.maxDataKeys)}
	}
	switch {
	case c.materials != nil && c.keyring != nil:
		return nil, errors.New("encrypt: use one of WithKeyring and WithMaterialsManager, not both")
	case c.materials != nil:
		e.materials = c.materials
	case c.keyring != nil:
		e.materials = NewMaterialsManager(c.keyring)
	default:
		return nil, errors.New("encrypt: New needs WithKeyring or WithMaterialsManager")
	}
	if c.cache != nil {
		e.materials = NewCachingMaterialsManager(e.materials, *c.cache)
	}
	return e, nil
}

// sealer writes one message.
type sealer struct {
	suite     *suiteInfo
	aead      cipher.AEAD
	messageID [msgIDLenV2]byte
	signing   *ecdsa.PrivateKey
	aad       [msgIDLenV2 + len(labelFinal) + 12]byte
}

// begin gets the materials of a message of plaintext length n (-1 when
// unknown) and returns the sealer and its header with tag, appended to dst
// grown to hold extra more bytes after the header.
func (e *Encryptor) begin(ctx context.Context, dst []byte, ec map[string]string, n int64, extra func(headerLen int) int) (*sealer, []byte, error) {
	for k := range ec {
		if strings.HasPrefix(k, reservedPrefix) {
			return nil, nil, &ContextError{Key: k, Reason: "keys starting with " + reservedPrefix + " are reserved"}
		}
	}
	m, err := e.materials.EncryptionMaterials(ctx, EncryptionRequest{Suite: e.cfg.suite, Context: ec, PlaintextLength: n})
	if err != nil {
		return nil, nil, err
	}
	if m == nil || m.Suite != e.cfg.suite {
		return nil, nil, &PolicyError{Suite: e.cfg.suite, Reason: "the materials manager returned another suite"}
	}
	s := &sealer{suite: lookupSuite(m.Suite)}
	if len(m.DataKey) != s.suite.keyLen {
		return nil, nil, errors.New("encrypt: the materials have a data key of the wrong length")
	}
	if len(m.EncryptedDataKeys) == 0 {
		return nil, nil, errors.New("encrypt: the materials have no encrypted data key")
	}
	if len(m.EncryptedDataKeys) > e.cfg.maxDataKeys {
		return nil, nil, &LimitError{What: "number of encrypted data keys", Limit: int64(e.cfg.maxDataKeys), Got: int64(len(m.EncryptedDataKeys))}
	}
	if s.suite.signed() {
		if m.SigningKey == nil || m.SigningKey.Curve != s.suite.curve {
			return nil, nil, errors.New("encrypt: the materials have no signing key for a signed suite")
		}
		s.signing = m.SigningKey
	}
	ctxLen, err := contextSize(m.Context, true)
	if err != nil {
		return nil, nil, err
	}
	hlen := 1 + 2 + msgIDLenV2 + 2 + ctxLen + 2 + 1 + 4 + commitLen + tagLen
	for i := range m.EncryptedDataKeys {
		n, err := edkSize(&m.EncryptedDataKeys[i])
		if err != nil {
			return nil, nil, err
		}
		hlen += n
	}
	if hlen > 1<<24 {
		return nil, nil, &LimitError{What: "header length", Limit: 1 << 24, Got: int64(hlen)}
	}
	rand.Read(s.messageID[:])
	key, commit, err := deriveKey(s.suite, m.DataKey, s.messageID[:])
	if err != nil {
		return nil, nil, errors.New("encrypt: key derivation failed")
	}
	if s.aead, err = newGCM(key); err != nil {
		return nil, nil, errors.New("encrypt: key derivation failed")
	}
	clear(key)
	out := slices.Grow(dst, hlen+extra(hlen))
	out = append(out, 2, byte(m.Suite>>8), byte(m.Suite))
	out = append(out, s.messageID[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(ctxLen))
	out = appendContext(out, m.Context)
	out = binary.BigEndian.AppendUint16(out, uint16(len(m.EncryptedDataKeys)))
	for i := range m.EncryptedDataKeys {
		out = appendEDK(out, &m.EncryptedDataKeys[i])
	}
	out = append(out, contentFramed)
	out = binary.BigEndian.AppendUint32(out, uint32(e.cfg.frameLength))
	out = append(out, commit...)
	var zeroIV [ivLen]byte
	out = s.aead.Seal(out, zeroIV[:], nil, out[len(dst):])
	return s, out, nil
}

// seal appends frame seq of plaintext pt.
func (s *sealer) seal(out []byte, seq uint32, final bool, pt []byte) []byte {
	label := labelFrame
	if final {
		out = append(out, 0xFF, 0xFF, 0xFF, 0xFF)
		label = labelFinal
	}
	out = binary.BigEndian.AppendUint32(out, seq)
	out = frameIV(out, seq)
	iv := out[len(out)-ivLen:]
	if final {
		out = binary.BigEndian.AppendUint32(out, uint32(len(pt)))
	}
	aad := bodyAAD(s.aad[:0], s.messageID[:], label, seq, uint64(len(pt)))
	return s.aead.Seal(out, iv, pt, aad)
}

// framing returns the number of frames (the final one included) of n
// plaintext bytes and the length of the final one.
func framing(n, frameLength int) (frames, last int) {
	if n == 0 {
		return 1, 0
	}
	frames = (n + frameLength - 1) / frameLength
	return frames, n - (frames-1)*frameLength
}

// Encrypt returns the message that encrypts plaintext under the encryption
// context ec (which may be nil). The context is stored in the message in
// clear and authenticated.
func (e *Encryptor) Encrypt(ctx context.Context, plaintext []byte, ec map[string]string) ([]byte, error) {
	return e.AppendEncrypt(ctx, nil, plaintext, ec)
}

// AppendEncrypt is Encrypt appending the message to dst, which it grows
// once: with a dst of enough capacity, reused from call to call, large
// messages cost no allocation. On error it returns dst unchanged (the bytes
// past its length may have been written).
func (e *Encryptor) AppendEncrypt(ctx context.Context, dst, plaintext []byte, ec map[string]string) ([]byte, error) {
	fl := e.cfg.frameLength
	frames, last := framing(len(plaintext), fl)
	if frames > maxFrames {
		return dst, &LimitError{What: "number of frames", Limit: maxFrames, Got: int64(frames)}
	}
	s, out, err := e.begin(ctx, dst, ec, int64(len(plaintext)), func(int) int {
		n := (frames-1)*(4+ivLen+fl+tagLen) + 8 + ivLen + 4 + last + tagLen
		if e.cfg.suite.Signed() {
			n += 2 + maxSigLen
		}
		return n
	})
	if err != nil {
		return dst, err
	}
	for seq := 1; seq < frames; seq++ {
		out = s.seal(out, uint32(seq), false, plaintext[:fl])
		plaintext = plaintext[fl:]
	}
	out = s.seal(out, uint32(frames), true, plaintext)
	if s.signing != nil {
		digest := sha512.Sum384(out[len(dst):])
		if out, err = appendFooter(out, s.signing, digest[:]); err != nil {
			return dst, err
		}
	}
	return out, nil
}

// EncryptStream writes to dst the message that encrypts all of src, holding
// about one frame in memory. The length of src need not be known: one frame
// is read ahead to find the final one. On error, what was written to dst is
// not a valid message.
func (e *Encryptor) EncryptStream(ctx context.Context, dst io.Writer, src io.Reader, ec map[string]string) error {
	fl := e.cfg.frameLength
	s, out, err := e.begin(ctx, nil, ec, -1, func(int) int { return 0 })
	if err != nil {
		return err
	}
	sig := sha512.New384()
	write := func(b []byte) error {
		if s.signing != nil {
			sig.Write(b)
		}
		if _, err := dst.Write(b); err != nil {
			return fmt.Errorf("encrypt: writing message: %w", err)
		}
		return nil
	}
	if err := write(out); err != nil {
		return err
	}
	in := make([]byte, fl+1) // a frame and one byte read ahead
	defer clear(in)          // plaintext, whichever way the loop ends
	out = make([]byte, 0, 8+ivLen+4+fl+tagLen)
	carry := 0
	for seq := uint32(1); ; seq++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := io.ReadFull(src, in[carry:])
		n += carry
		switch {
		case err == nil:
			if seq >= maxFrames {
				return &LimitError{What: "number of frames", Limit: maxFrames, Got: int64(seq) + 1}
			}
			if err := write(s.seal(out[:0], seq, false, in[:fl])); err != nil {
				return err
			}
			in[0], carry = in[fl], 1
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if err := write(s.seal(out[:0], seq, true, in[:n])); err != nil {
				return err
			}
			if s.signing != nil {
				footer, err := appendFooter(out[:0], s.signing, sig.Sum(nil))
				if err != nil {
					return err
				}
				if _, err := dst.Write(footer); err != nil {
					return fmt.Errorf("encrypt: writing message: %w", err)
				}
			}
			return nil
		default:
			return fmt.Errorf("encrypt: reading plaintext: %w", err)
		}
	}
}

// opener reads one message.
type opener struct {
	e      *Encryptor
	p      *parser
	h      *header
	aead   cipher.AEAD
	verify *ecdsa.PublicKey
	out    []byte    // plaintext so far (Decrypt) or of the last frame (DecryptStream)
	w      io.Writer // DecryptStream's destination
	aad    []byte
}

// open reads and authenticates the header and gets the materials.
func (e *Encryptor) open(ctx context.Context, p *parser, required map[string]string) (*opener, error) {
	h, err := p.readHeader(e.cfg.maxDataKeys)
	if err != nil {
		return nil, err
	}
	if !e.cfg.legacy {
		if !h.suite.commit {
			return nil, &PolicyError{Suite: h.suite.id, Reason: "suite without key commitment; see WithLegacyDecrypt"}
		}
		if h.contentType != contentFramed {
			return nil, &PolicyError{Suite: h.suite.id, Reason: "non-framed body; see WithLegacyDecrypt"}
		}
	}
	for k, v := range required {
		got, ok := h.context[k]
		if !ok {
			return nil, &ContextError{Key: k, Reason: "required but missing from the message"}
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(v)) != 1 {
			return nil, &ContextError{Key: k, Reason: "value differs from the required one"}
		}
	}
	m, err := e.materials.DecryptionMaterials(ctx, DecryptionRequest{Suite: h.suite.id, Context: h.context, EncryptedDataKeys: h.edks})
	if err != nil {
		return nil, err
	}
	if m == nil || len(m.DataKey) != h.suite.keyLen || (h.suite.signed() && (m.VerificationKey == nil || m.VerificationKey.Curve != h.suite.curve)) {
		return nil, ErrDecrypt
	}
	key, commit, err := deriveKey(h.suite, m.DataKey, h.messageID)
	if err != nil {
		return nil, ErrDecrypt
	}
	if h.suite.commit && subtle.ConstantTimeCompare(commit, h.commitKey) != 1 {
		return nil, ErrDecrypt
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, ErrDecrypt
	}
	if h.suite.kdf != nil {
		clear(key)
	}
	iv := h.headerIV
	if iv == nil {
		iv = make([]byte, ivLen)
	}
	if _, err := aead.Open(nil, iv, h.tag, h.body); err != nil {
		return nil, ErrDecrypt
	}
	o := &opener{e: e, p: p, h: h, aead: aead, aad: make([]byte, 0, msgIDLenV2+len(labelSingle)+12)}
	if h.suite.signed() {
		o.verify = m.VerificationKey
		p.sig = h.suite.sigHash()
	}
	return o, nil
}

// emit adds the plaintext of a frame just opened into o.out.
func (o *opener) emit(pt []byte) error {
	if o.w == nil {
		o.out = pt
		return nil
	}
	if _, err := o.w.Write(pt[len(o.out):]); err != nil {
		return fmt.Errorf("encrypt: writing plaintext: %w", err)
	}
	o.out = pt[:0]
	o.p.discard()
	return nil
}

// body reads, authenticates and emits the body, then checks the footer and
// that nothing follows.
func (o *opener) body(ctx context.Context) error {
	p, h := o.p, o.h
	p.discard()
	if h.contentType == contentNonFramed {
		iv, err := p.take(ivLen, "IV")
		if err != nil {
			return err
		}
		b, err := p.take(8, "content length")
		if err != nil {
			return err
		}
		n := binary.BigEndian.Uint64(b)
		if n > maxNonFramed {
			p.off -= 8
			return p.errorf("content length %d out of range", n)
		}
		ct, err := p.take(int(n)+tagLen, "content")
		if err != nil {
			return err
		}
		o.aad = bodyAAD(o.aad[:0], h.messageID, labelSingle, 1, n)
		pt, err := o.aead.Open(o.out, iv, ct, o.aad)
		if err != nil {
			return ErrDecrypt
		}
		if err := o.emit(pt); err != nil {
			return err
		}
	} else {
		for seq := uint32(1); ; seq++ {
			if o.w != nil {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			s, err := p.u32("sequence number")
			if err != nil {
				return err
			}
			final := s == finalSeqMark
			if final {
				if s, err = p.u32("sequence number"); err != nil {
					return err
				}
			}
			if s != seq || seq > maxFrames {
				p.off -= 4
				return p.errorf("sequence number %d, want %d", s, seq)
			}
			iv, err := p.take(ivLen, "frame IV")
			if err != nil {
				return err
			}
			n, label := h.frameLength, labelFrame
			if final {
				l, err := p.u32("final frame length")
				if err != nil {
					return err
				}
				if uint64(l) > uint64(h.frameLength) {
					p.off -= 4
					return p.errorf("final frame length %d over the frame length %d", l, h.frameLength)
				}
				n, label = int(l), labelFinal
			}
			ct, err := p.take(n+tagLen, "frame")
			if err != nil {
				return err
			}
			o.aad = bodyAAD(o.aad[:0], h.messageID, label, seq, uint64(n))
			pt, err := o.aead.Open(o.out, iv, ct, o.aad)
			if err != nil {
				return ErrDecrypt
			}
			if err := o.emit(pt); err != nil {
				return err
			}
			if final {
				break
			}
		}
	}
	if o.verify != nil {
		p.hashUpTo()
		sig, err := p.field("signature")
		if err != nil {
			return err
		}
		if !ecdsa.VerifyASN1(o.verify, p.sig.Sum(nil), sig) {
			return ErrDecrypt
		}
	}
	end, err := p.atEOF()
	if err != nil {
		return err
	}
	if !end {
		return p.errorf("trailing bytes after the message")
	}
	return nil
}

// Decrypt returns the plaintext of message and its encryption context. Every
// pair of required must be in the message's context with the same value.
// Nothing of the plaintext is returned unless the whole message, signature
// included, is authentic. Messages of the version-1 suites and non-framed
// bodies are refused with a *PolicyError unless WithLegacyDecrypt was given;
// more encrypted data keys than WithMaxEncryptedDataKeys allows are refused
// with a *LimitError before any keyring is called.
func (e *Encryptor) Decrypt(ctx context.Context, message []byte, required map[string]string) ([]byte, map[string]string, error) {
	p := &parser{buf: message}
	o, err := e.open(ctx, p, required)
	if err != nil {
		return nil, nil, err
	}
	o.out = make([]byte, 0, len(message)-p.off)
	if err := o.body(ctx); err != nil {
		clear(o.out[:cap(o.out)])
		return nil, nil, err
	}
	return o.out, o.h.context, nil
}

// DecryptStream writes to dst the plaintext of the message read from src,
// holding about one frame in memory, and returns its encryption context.
//
// Each frame is written to dst as soon as its own tag is verified, so a
// message cut short or altered after some frames leaves their plaintext in
// dst and returns an error: on any error, discard everything written to dst.
// For signed suites the signature covers the whole message and is checked
// only at the end, after the frames were written, as in the official
// Encryption SDKs' streaming decryption. A non-framed body (read only with
// WithLegacyDecrypt) is one authenticated block: it is held whole in memory.
func (e *Encryptor) DecryptStream(ctx context.Context, dst io.Writer, src io.Reader, required map[string]string) (map[string]string, error) {
	p := &parser{r: src}
	o, err := e.open(ctx, p, required)
	if err != nil {
		return nil, err
	}
	o.w = dst
	if err := o.body(ctx); err != nil {
		clear(o.out[:cap(o.out)])
		return nil, err
	}
	clear(o.out[:cap(o.out)])
	return o.h.context, nil
}

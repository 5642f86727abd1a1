package encrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Constants of the message format.
const (
	reservedPrefix = "aws-crypto-"
	publicKeyField = "aws-crypto-public-key"

	contentNonFramed = 1
	contentFramed    = 2

	ivLen        = 12
	tagLen       = 16
	msgIDLenV1   = 16
	msgIDLenV2   = 32
	commitLen    = 32
	finalSeqMark = 0xFFFFFFFF
	maxFrames    = 0xFFFFFFFE // sequence numbers 1 .. 2^32-2 (2^32-1 marks the final frame)
	maxFrameLen  = 1<<31 - 1
	maxNonFramed = 1<<36 - 32
	maxSigLen    = 104 // DER ECDSA P-384 signature, at most

	labelFrame  = "AWSKMSEncryptionClient Frame"
	labelFinal  = "AWSKMSEncryptionClient Final Frame"
	labelSingle = "AWSKMSEncryptionClient Single Block"
)

// contextSize returns the length of the serialization of ec, checking every
// limit of the format (lengths fit in 16 bits, UTF-8, no reserved keys when
// reserved is false).
func contextSize(ec map[string]string, allowReserved bool) (int, error) {
	if len(ec) == 0 {
		return 0, nil
	}
	if len(ec) > 0xFFFF {
		return 0, &LimitError{What: "number of encryption context pairs", Limit: 0xFFFF, Got: int64(len(ec))}
	}
	n := 2
	for k, v := range ec {
		if !allowReserved && strings.HasPrefix(k, reservedPrefix) {
			return 0, &ContextError{Key: k, Reason: "keys starting with " + reservedPrefix + " are reserved"}
		}
		if len(k) > 0xFFFF || len(v) > 0xFFFF {
			return 0, &ContextError{Key: truncateKey(k), Reason: "key or value longer than 65535 bytes"}
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return 0, &ContextError{Key: strings.ToValidUTF8(k, "\uFFFD"), Reason: "key or value is not UTF-8"}
		}
		n += 4 + len(k) + len(v)
	}
	if n > 0xFFFF {
		return 0, &LimitError{What: "serialized encryption context length", Limit: 0xFFFF, Got: int64(n)}
	}
	return n, nil
}

func truncateKey(k string) string {
	if len(k) > 64 {
		return k[:64] + "..."
	}
	return k
}

// appendContext appends the serialization of ec (checked by contextSize):
// nothing when it is empty, else a pair count and the pairs sorted by key.
func appendContext(dst []byte, ec map[string]string) []byte {
	if len(ec) == 0 {
		return dst
	}
	var arr [8]string
	keys := arr[:0]
	for k := range ec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(keys)))
	for _, k := range keys {
		v := ec[k]
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
		dst = append(dst, k...)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// serializeContext returns the serialization of ec, the AAD raw keyrings use.
func serializeContext(ec map[string]string) ([]byte, error) {
	n, err := contextSize(ec, true)
	if err != nil {
		return nil, err
	}
	return appendContext(make([]byte, 0, n), ec), nil
}

// edkSize returns the serialized length of k, checking its field lengths.
func edkSize(k *EncryptedDataKey) (int, error) {
	if len(k.ProviderID) > 0xFFFF || len(k.ProviderInfo) > 0xFFFF || len(k.Ciphertext) > 0xFFFF {
		return 0, errors.New("encrypt: an encrypted data key field is longer than 65535 bytes")
	}
	return 6 + len(k.ProviderID) + len(k.ProviderInfo) + len(k.Ciphertext), nil
}

func appendEDK(dst []byte, k *EncryptedDataKey) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(k.ProviderID)))
	dst = append(dst, k.ProviderID...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(k.ProviderInfo)))
	dst = append(dst, k.ProviderInfo...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(k.Ciphertext)))
	return append(dst, k.Ciphertext...)
}

// header is a parsed message header.
type header struct {
	version     byte
	suite       *suiteInfo
	messageID   []byte
	context     map[string]string
	edks        []EncryptedDataKey
	contentType byte
	frameLength int
	commitKey   []byte // version 2
	headerIV    []byte // version 1
	tag         []byte
	body        []byte // the serialized header body: the AAD of tag
}

// deriveKey returns the message's encryption key and, for committing
// suites, its commitment.
func deriveKey(s *suiteInfo, dataKey, messageID []byte) (key, commit []byte, err error) {
	switch {
	case s.commit:
		// HKDF-SHA512 written out: Extract, then one block of Expand per
		// key (both are 32 bytes, under SHA-512's 64), on the stack.
		var prk, t [sha512.Size]byte
		hmacSHA512(&prk, messageID, dataKey)
		var info [2 + len("DERIVEKEY\x01")]byte
		info[0], info[1] = byte(s.id>>8), byte(s.id)
		copy(info[2:], "DERIVEKEY\x01")
		key = make([]byte, s.keyLen+commitLen)
		hmacSHA512(&t, prk[:], info[:])
		copy(key, t[:])
		hmacSHA512(&t, prk[:], []byte("COMMITKEY\x01"))
		copy(key[s.keyLen:], t[:])
		clear(prk[:])
		clear(t[:])
		return key[:s.keyLen:s.keyLen], key[s.keyLen:], nil
	case s.kdf != nil:
		var info [2 + msgIDLenV2]byte
		binary.BigEndian.PutUint16(info[:], uint16(s.id))
		n := copy(info[2:], messageID)
		key, err = hkdf.Key(s.kdf, dataKey, nil, string(info[:2+n]), s.keyLen)
		return key, nil, err
	default:
		return dataKey, nil, nil
	}
}

// hmacSHA512 writes HMAC-SHA512(key, msg) to out, without allocating when key
// is at most a block and msg at most a digest long (always, for HKDF here).
func hmacSHA512(out *[sha512.Size]byte, key, msg []byte) {
	const block = sha512.BlockSize
	if len(key) > block || len(msg) > sha512.Size {
		m := hmac.New(sha512.New, key)
		m.Write(msg)
		m.Sum(out[:0])
		return
	}
	var buf [block + sha512.Size]byte
	copy(buf[:], key)
	for i := range block {
		buf[i] ^= 0x36
	}
	n := copy(buf[block:], msg)
	inner := sha512.Sum512(buf[:block+n])
	for i := range block {
		buf[i] ^= 0x36 ^ 0x5c
	}
	copy(buf[block:], inner[:])
	*out = sha512.Sum512(buf[:])
	clear(buf[:])
}

// newGCM returns AES-GCM over key.
func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// bodyAAD appends the AAD of a frame or of a non-framed body.
func bodyAAD(dst, messageID []byte, label string, seq uint32, n uint64) []byte {
	dst = append(dst, messageID...)
	dst = append(dst, label...)
	dst = binary.BigEndian.AppendUint32(dst, seq)
	return binary.BigEndian.AppendUint64(dst, n)
}

// frameIV writes the IV of frame seq: seq left-padded with zeros.
func frameIV(dst []byte, seq uint32) []byte {
	return append(dst, 0, 0, 0, 0, 0, 0, 0, 0, byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq))
}

// parser reads a message, either entirely in buf (r nil) or from r with a
// buffer of what is not yet consumed. Slices it returns stay valid until
// discard.
type parser struct {
	r      io.Reader
	buf    []byte
	off    int
	base   int64 // offset in the message of buf[0]
	hashed int   // buf[:hashed] went into sig
	sig    hash.Hash
}

func (p *parser) errorf(format string, args ...any) error {
	return &FormatError{Offset: p.base + int64(p.off), Reason: fmt.Sprintf(format, args...)}
}

// take returns the next n bytes.
func (p *parser) take(n int, what string) ([]byte, error) {
	if n < 0 || len(p.buf)-p.off < n {
		if err := p.fill(n, what); err != nil {
			return nil, err
		}
	}
	b := p.buf[p.off : p.off+n : p.off+n]
	p.off += n
	return b, nil
}

func (p *parser) fill(n int, what string) error {
	if p.r == nil || n < 0 {
		return p.errorf("truncated %s", what)
	}
	for len(p.buf)-p.off < n {
		if len(p.buf) == cap(p.buf) {
			need := n - (len(p.buf) - p.off)
			grow := min(need, max(len(p.buf), 32<<10))
			p.buf = slices.Grow(p.buf, max(grow, 512))
		}
		m, err := p.r.Read(p.buf[len(p.buf):cap(p.buf)])
		p.buf = p.buf[:len(p.buf)+m]
		if err == io.EOF {
			if len(p.buf)-p.off >= n {
				return nil
			}
			return p.errorf("truncated %s", what)
		}
		if err != nil {
			return fmt.Errorf("encrypt: reading message: %w", err)
		}
	}
	return nil
}

func (p *parser) u8(what string) (byte, error) {
	b, err := p.take(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (p *parser) u16(what string) (int, error) {
	b, err := p.take(2, what)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(b)), nil
}

func (p *parser) u32(what string) (uint32, error) {
	b, err := p.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// field reads a u16 length and that many bytes.
func (p *parser) field(what string) ([]byte, error) {
	n, err := p.u16(what + " length")
	if err != nil {
		return nil, err
	}
	return p.take(n, what)
}

// hashUpTo feeds the consumed bytes not yet hashed to the signature hash.
func (p *parser) hashUpTo() {
	if p.sig != nil && p.off > p.hashed {
		p.sig.Write(p.buf[p.hashed:p.off])
	}
	p.hashed = p.off
}

// discard forgets the consumed bytes (streaming only), after hashing them.
func (p *parser) discard() {
	if p.r == nil {
		return
	}
	p.hashUpTo()
	n := copy(p.buf, p.buf[p.off:])
	p.buf = p.buf[:n]
	p.base += int64(p.off)
	p.off, p.hashed = 0, 0
}

// atEOF reports whether nothing follows the consumed bytes.
func (p *parser) atEOF() (bool, error) {
	if p.off < len(p.buf) {
		return false, nil
	}
	if p.r == nil {
		return true, nil
	}
	var one [1]byte
	for {
		n, err := p.r.Read(one[:])
		if n > 0 {
			return false, nil
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("encrypt: reading message: %w", err)
		}
	}
}

// readHeader parses a header, its tag included. maxKeys caps the encrypted
// data keys, checked before any of them is read.
func (p *parser) readHeader(maxKeys int) (*header, error) {
	h := &header{}
	var err error
	if h.version, err = p.u8("version"); err != nil {
		return nil, err
	}
	switch h.version {
	case 1:
		t, err := p.u8("type")
		if err != nil {
			return nil, err
		}
		if t != 0x80 {
			p.off--
			return nil, p.errorf("unknown message type 0x%02X", t)
		}
	case 2:
	default:
		p.off--
		return nil, p.errorf("unknown version 0x%02X", h.version)
	}
	id, err := p.u16("suite id")
	if err != nil {
		return nil, err
	}
	if h.suite = lookupSuite(Suite(id)); h.suite == nil || h.suite.version != h.version {
		p.off -= 2
		return nil, p.errorf("unknown suite 0x%04X for version %d", id, h.version)
	}
	idLen := msgIDLenV2
	if h.version == 1 {
		idLen = msgIDLenV1
	}
	id0, err := p.take(idLen, "message id")
	if err != nil {
		return nil, err
	}
	h.messageID = slices.Clone(id0) // outlives the buffer when streaming
	if err := p.readContext(h); err != nil {
		return nil, err
	}
	if err := p.readEDKs(h, maxKeys); err != nil {
		return nil, err
	}
	if h.contentType, err = p.u8("content type"); err != nil {
		return nil, err
	}
	if h.contentType != contentFramed && h.contentType != contentNonFramed {
		p.off--
		return nil, p.errorf("unknown content type 0x%02X", h.contentType)
	}
	if h.version == 1 {
		r, err := p.take(4, "reserved field")
		if err != nil {
			return nil, err
		}
		if binary.BigEndian.Uint32(r) != 0 {
			p.off -= 4
			return nil, p.errorf("reserved field is not zero")
		}
		n, err := p.u8("IV length")
		if err != nil {
			return nil, err
		}
		if n != ivLen {
			p.off--
			return nil, p.errorf("IV length %d, want %d", n, ivLen)
		}
	}
	fl, err := p.u32("frame length")
	if err != nil {
		return nil, err
	}
	switch {
	case h.contentType == contentNonFramed && fl != 0:
		p.off -= 4
		return nil, p.errorf("frame length %d for non-framed content", fl)
	case h.contentType == contentFramed && (fl == 0 || fl > maxFrameLen):
		p.off -= 4
		return nil, p.errorf("frame length %d out of range", fl)
	}
	h.frameLength = int(fl)
	if h.version == 2 {
		if h.commitKey, err = p.take(commitLen, "commitment key"); err != nil {
			return nil, err
		}
	}
	bodyEnd := p.off
	if h.version == 1 {
		if h.headerIV, err = p.take(ivLen, "header IV"); err != nil {
			return nil, err
		}
	}
	if h.tag, err = p.take(tagLen, "header tag"); err != nil {
		return nil, err
	}
	h.body = p.buf[:bodyEnd] // the header starts at buf[0]
	return h, nil
}

func (p *parser) readContext(h *header) error {
	n, err := p.u16("encryption context length")
	if err != nil {
		return err
	}
	start := p.off
	aad, err := p.take(n, "encryption context")
	if err != nil {
		return err
	}
	if n == 0 {
		h.context = map[string]string{}
		return nil
	}
	q := parser{buf: aad, base: p.base + int64(start)}
	count, err := q.u16("encryption context pair count")
	if err != nil {
		return err
	}
	h.context = make(map[string]string, count)
	for range count {
		k, err := q.field("encryption context key")
		if err != nil {
			return err
		}
		v, err := q.field("encryption context value")
		if err != nil {
			return err
		}
		if !utf8.Valid(k) || !utf8.Valid(v) {
			return q.errorf("encryption context is not UTF-8")
		}
		if _, dup := h.context[string(k)]; dup {
			return q.errorf("duplicate encryption context key")
		}
		h.context[string(k)] = string(v)
	}
	if q.off != len(aad) {
		return q.errorf("%d bytes after the encryption context pairs", len(aad)-q.off)
	}
	return nil
}

func (p *parser) readEDKs(h *header, maxKeys int) error {
	count, err := p.u16("encrypted data key count")
	if err != nil {
		return err
	}
	if count == 0 {
		p.off -= 2
		return p.errorf("no encrypted data key")
	}
	if count > maxKeys {
		return &LimitError{What: "number of encrypted data keys", Limit: int64(maxKeys), Got: int64(count)}
	}
	h.edks = make([]EncryptedDataKey, count)
	for i := range h.edks {
		id, err := p.field("key provider id")
		if err != nil {
			return err
		}
		if !utf8.Valid(id) {
			return p.errorf("key provider id is not UTF-8")
		}
		info, err := p.field("key provider info")
		if err != nil {
			return err
		}
		ct, err := p.field("encrypted data key")
		if err != nil {
			return err
		}
		h.edks[i] = EncryptedDataKey{ProviderID: string(id), ProviderInfo: slices.Clone(info), Ciphertext: slices.Clone(ct)}
	}
	return nil
}

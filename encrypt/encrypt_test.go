package encrypt

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

var ctxBG = context.Background()

func TestRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 99, 100, 101, 4096, 4095, 4097, 8192, 1 << 20}
	contexts := []map[string]string{
		nil,
		{"purpose": "test", "tenant": "a"},
		{"clé": "värde ✓", "日本": "語"},
	}
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		for _, fl := range []int{4096, 100, 1} {
			e := newTestEncryptor(t, WithSuite(suite), WithFrameLength(fl))
			for _, n := range sizes {
				if fl == 1 && n > 8192 && suite == SuiteCommitSigned {
					continue // covered by the unsigned suite; keeps -race fast
				}
				pt := make([]byte, n)
				rand.Read(pt)
				for i, ec := range contexts {
					if n > 8192 && i > 0 {
						continue // large sizes with one context only: keeps -race fast
					}
					msg, err := e.Encrypt(ctxBG, pt, ec)
					if err != nil {
						t.Fatalf("suite %04X fl %d n %d: Encrypt: %v", suite, fl, n, err)
					}
					frames, last := framing(n, fl)
					if d := len(msg) - bodyLen(frames, last, fl, suite) - headerLen(len(ec), msg); d != 0 && (!suite.Signed() || d < -8 || d > 8) {
						t.Fatalf("suite %04X fl %d n %d: size off by %d", suite, fl, n, d)
					}
					got, gotEC, err := e.Decrypt(ctxBG, msg, ec)
					if err != nil {
						t.Fatalf("suite %04X fl %d n %d: Decrypt: %v", suite, fl, n, err)
					}
					if !bytes.Equal(got, pt) {
						t.Fatalf("suite %04X fl %d n %d: plaintext differs", suite, fl, n)
					}
					delete(gotEC, publicKeyField)
					if len(ec) != len(gotEC) || !maps.Equal(ec, gotEC) && len(ec) > 0 {
						t.Fatalf("context: got %v, want %v", gotEC, ec)
					}
					var buf bytes.Buffer
					if _, err := e.DecryptStream(ctxBG, &buf, bytes.NewReader(msg), ec); err != nil || !bytes.Equal(buf.Bytes(), pt) {
						t.Fatalf("suite %04X fl %d n %d: DecryptStream: %v", suite, fl, n, err)
					}
					var enc bytes.Buffer
					if err := e.EncryptStream(ctxBG, &enc, oddReads(bytes.NewReader(pt)), ec); err != nil {
						t.Fatal(err)
					}
					if d := enc.Len() - len(msg); d != 0 && (!suite.Signed() || d < -8 || d > 8) {
						t.Fatalf("stream size %d, want %d", enc.Len(), len(msg))
					}
					if got, _, err := e.Decrypt(ctxBG, enc.Bytes(), nil); err != nil || !bytes.Equal(got, pt) {
						t.Fatalf("suite %04X fl %d n %d: EncryptStream round trip: %v", suite, fl, n, err)
					}
				}
			}
		}
	}
}

// oddReads returns r in reads of odd sizes.
func oddReads(r io.Reader) io.Reader { return &oddReader{r: r} }

type oddReader struct {
	r io.Reader
	i int
}

func (o *oddReader) Read(p []byte) (int, error) {
	o.i++
	if n := o.i%7 + 1; len(p) > n*13 {
		p = p[:n*13]
	}
	return o.r.Read(p)
}

// headerLen is the header length of msg, from its own context length field
// (one raw AES key of the test keyring).
func headerLen(_ int, msg []byte) int {
	ctxLen := int(binary.BigEndian.Uint16(msg[35:]))
	return 1 + 2 + 32 + 2 + ctxLen + 2 + (2 + 7 + 2 + 8 + 8 + 12 + 2 + 32 + 16) + 1 + 4 + 32 + 16
}

func bodyLen(frames, last, fl int, suite Suite) int {
	n := (frames-1)*(4+12+fl+16) + 4 + 4 + 12 + 4 + last + 16
	if suite.Signed() {
		n += 2 + 102
	}
	return n
}

func TestFraming(t *testing.T) {
	tests := []struct{ n, fl, frames, last int }{
		{0, 4096, 1, 0}, {1, 4096, 1, 1}, {4096, 4096, 1, 4096}, {4097, 4096, 2, 1},
		{8192, 4096, 2, 4096}, {100, 100, 1, 100}, {101, 100, 2, 1}, {3, 1, 3, 1},
	}
	for _, tt := range tests {
		f, l := framing(tt.n, tt.fl)
		if f != tt.frames || l != tt.last {
			t.Errorf("framing(%d, %d) = %d, %d, want %d, %d", tt.n, tt.fl, f, l, tt.frames, tt.last)
		}
	}
}

// TestHeaderLayout checks a message byte by byte against one assembled by
// hand from the specification.
func TestHeaderLayout(t *testing.T) {
	fm := newFixedMaterials(t, SuiteCommit)
	e, err := New(WithMaterialsManager(fm), WithFrameLength(100))
	if err != nil {
		t.Fatal(err)
	}
	pt := bytes.Repeat([]byte("p"), 150)
	ec := map[string]string{"b": "2", "a": "1"}
	msg, err := e.Encrypt(ctxBG, pt, ec)
	if err != nil {
		t.Fatal(err)
	}
	id := msg[3:35]
	edk := fm.enc.EncryptedDataKeys[0]
	// The fixed materials carry their own (empty) context: the header stores
	// the materials' context, so build the expected one from them.
	var want []byte
	want = append(want, 0x02, 0x04, 0x78)
	want = append(want, id...)
	want = append(want, 0x00, 0x00) // empty context: length 0 and nothing else
	want = append(want, 0x00, 0x01)
	want = append(want, 0, byte(len(edk.ProviderID)))
	want = append(want, edk.ProviderID...)
	want = append(want, 0, byte(len(edk.ProviderInfo)))
	want = append(want, edk.ProviderInfo...)
	want = append(want, 0, byte(len(edk.Ciphertext)))
	want = append(want, edk.Ciphertext...)
	want = append(want, 0x02, 0x00, 0x00, 0x00, 100)
	prk, _ := hkdf.Extract(sha512.New, fm.enc.DataKey, id)
	key, _ := hkdf.Expand(sha512.New, prk, "\x04\x78DERIVEKEY", 32)
	commit, _ := hkdf.Expand(sha512.New, prk, "COMMITKEY", 32)
	want = append(want, commit...)
	g, _ := newGCM(key)
	want = g.Seal(want, make([]byte, 12), nil, want)
	// frame 1 (regular) and frame 2 (final, 50 bytes)
	want = append(want, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	aad := append(append(append([]byte{}, id...), "AWSKMSEncryptionClient Frame"...), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 100)
	want = g.Seal(want, want[len(want)-12:], pt[:100], aad)
	want = append(want, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 50)
	aad = append(append(append([]byte{}, id...), "AWSKMSEncryptionClient Final Frame"...), 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 50)
	want = g.Seal(want, want[len(want)-16:len(want)-4], pt[100:], aad)
	if !bytes.Equal(msg, want) {
		t.Fatalf("message differs from the hand-assembled one\n got %x\nwant %x", msg, want)
	}
	_ = ec

	// Context serialization: sorted by key, count then pairs.
	got, _ := serializeContext(map[string]string{"b": "2", "a": "1"})
	if wantCtx := []byte{0, 2, 0, 1, 'a', 0, 1, '1', 0, 1, 'b', 0, 1, '2'}; !bytes.Equal(got, wantCtx) {
		t.Errorf("context = %x, want %x", got, wantCtx)
	}
}

// TestMessageSize checks the overhead against the official implementations':
// one raw AES key (namespace "test-ns", name "test-key"), empty context.
func TestMessageSize(t *testing.T) {
	e := newTestEncryptor(t)
	msg, err := e.Encrypt(ctxBG, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	edk := 2 + 7 + 2 + 8 + 8 + 12 + 2 + 32 + 16
	header := 1 + 2 + 32 + 2 + 2 + edk + 1 + 4 + 32 + 16
	body := 4 + 4 + 12 + 4 + 16
	if len(msg) != header+body {
		t.Errorf("empty message is %d bytes, want %d", len(msg), header+body)
	}
}

func TestDecryptErrors(t *testing.T) {
	e := newTestEncryptor(t)
	pt := []byte("secret plaintext 0123456789")
	msg, err := e.Encrypt(ctxBG, pt, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := RawAESKeyring("test-ns", "test-key", bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	wrong, _ := New(WithKeyring(other))
	tests := []struct {
		name     string
		e        *Encryptor
		msg      []byte
		required map[string]string
		check    func(error) bool
	}{
		{"wrong key", wrong, msg, nil, func(err error) bool { return errors.Is(err, ErrDecrypt) }},
		{"trailing byte", e, append(append([]byte{}, msg...), 0), nil, isFormat},
		{"empty", e, nil, nil, isFormat},
		{"required missing", e, msg, map[string]string{"x": "v"}, isContext},
		{"required differs", e, msg, map[string]string{"k": "w"}, isContext},
	}
	for _, tt := range tests {
		got, _, err := tt.e.Decrypt(ctxBG, tt.msg, tt.required)
		if err == nil || got != nil || !tt.check(err) {
			t.Errorf("%s: got %v, %T %v", tt.name, got != nil, err, err)
		}
		if err != nil && strings.Contains(err.Error(), string(pt)) {
			t.Errorf("%s: error contains the plaintext", tt.name)
		}
	}
}

func isFormat(err error) bool  { var f *FormatError; return errors.As(err, &f) }
func isContext(err error) bool { var c *ContextError; return errors.As(err, &c) }

// TestEveryMutationRejected flips each bit of small messages of both suites.
func TestEveryMutationRejected(t *testing.T) {
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e := newTestEncryptor(t, WithSuite(suite), WithFrameLength(8))
		pt := []byte("attack at dawn!!!")
		msg, err := e.Encrypt(ctxBG, pt, map[string]string{"a": "b"})
		if err != nil {
			t.Fatal(err)
		}
		bits := len(msg) * 8
		if testing.Short() && suite.Signed() {
			bits = 0
		}
		for i := range bits {
			m := bytes.Clone(msg)
			m[i/8] ^= 1 << (i % 8)
			got, _, err := e.Decrypt(ctxBG, m, nil)
			if err == nil || got != nil {
				t.Fatalf("suite %04X: flip of bit %d accepted", suite, i)
			}
			if strings.Contains(err.Error(), string(pt)) {
				t.Fatalf("error contains the plaintext")
			}
		}
		for n := range len(msg) {
			if _, _, err := e.Decrypt(ctxBG, msg[:n], nil); err == nil {
				t.Fatalf("suite %04X: truncation to %d accepted", suite, n)
			}
			if _, err := e.DecryptStream(ctxBG, io.Discard, bytes.NewReader(msg[:n]), nil); err == nil {
				t.Fatalf("suite %04X: stream truncation to %d accepted", suite, n)
			}
		}
		if _, err := e.DecryptStream(ctxBG, io.Discard, bytes.NewReader(append(bytes.Clone(msg), 0)), nil); err == nil {
			t.Fatalf("suite %04X: stream with trailing byte accepted", suite)
		}
	}
}

func TestTooManyEncryptedDataKeys(t *testing.T) {
	kr1, _ := RawAESKeyring("ns", "k1", testKey)
	kr2, _ := RawAESKeyring("ns", "k2", testKey)
	multi := multiKeyring{kr1, kr2, kr1}
	w, err := New(WithKeyring(multi))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := w.Encrypt(ctxBG, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ck := &countingKeyring{Keyring: kr1}
	r, _ := New(WithKeyring(ck), WithMaxEncryptedDataKeys(2))
	_, _, err = r.Decrypt(ctxBG, msg, nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Got != 3 || le.Limit != 2 {
		t.Fatalf("got %v, want a LimitError", err)
	}
	if n := ck.dec.Load(); n != 0 {
		t.Fatalf("keyring called %d times", n)
	}
	if _, err := New(WithKeyring(multi), WithMaxEncryptedDataKeys(2)); err != nil {
		t.Fatal(err)
	}
	w2, _ := New(WithKeyring(multi), WithMaxEncryptedDataKeys(2))
	if _, err := w2.Encrypt(ctxBG, nil, nil); !errors.As(err, &le) {
		t.Fatalf("encrypt over the limit: %v", err)
	}
	r3, _ := New(WithKeyring(kr2))
	if got, _, err := r3.Decrypt(ctxBG, msg, nil); err != nil || string(got) != "x" {
		t.Fatalf("second key: %v", err)
	}
}

type multiKeyring []Keyring

func (m multiKeyring) OnEncrypt(ctx context.Context, mat *EncryptionMaterials) error {
	for _, k := range m {
		if err := k.OnEncrypt(ctx, mat); err != nil {
			return err
		}
	}
	return nil
}

func (m multiKeyring) OnDecrypt(ctx context.Context, mat *DecryptionMaterials, keys []EncryptedDataKey) error {
	for _, k := range m {
		if err := k.OnDecrypt(ctx, mat, keys); err != nil || mat.DataKey != nil {
			return err
		}
	}
	return nil
}

func TestReservedContext(t *testing.T) {
	e := newTestEncryptor(t)
	_, err := e.Encrypt(ctxBG, []byte("x"), map[string]string{"aws-crypto-public-key": "x"})
	var ce *ContextError
	if !errors.As(err, &ce) || ce.Key != "aws-crypto-public-key" {
		t.Fatalf("got %v, want a ContextError", err)
	}
	if err := e.EncryptStream(ctxBG, io.Discard, strings.NewReader("x"), map[string]string{"aws-crypto-x": ""}); !errors.As(err, &ce) {
		t.Fatalf("stream: got %v", err)
	}
	mm := NewMaterialsManager(nil)
	if _, err := mm.EncryptionMaterials(ctxBG, EncryptionRequest{Suite: SuiteCommit, Context: map[string]string{"aws-crypto-": ""}}); !errors.As(err, &ce) {
		t.Fatalf("materials: got %v", err)
	}
}

func TestSignatureKeyMismatch(t *testing.T) {
	// A signed message whose suite id is rewritten to the unsigned one keeps
	// the public key in its context: refused before any keyring call.
	s := newTestEncryptor(t, WithSuite(SuiteCommitSigned))
	msg, _ := s.Encrypt(ctxBG, []byte("x"), nil)
	msg[1], msg[2] = 0x04, 0x78
	if _, _, err := s.Decrypt(ctxBG, msg, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("got %v", err)
	}
}

func TestPolicy(t *testing.T) {
	msg := v1Message(t, 0x0178, 100, []byte("old"), nil)
	e := newTestEncryptor(t)
	var pe *PolicyError
	if _, _, err := e.Decrypt(ctxBG, msg, nil); !errors.As(err, &pe) {
		t.Fatalf("v1 suite without legacy: %v", err)
	}
	if _, err := New(WithKeyring(multiKeyring{}), WithSuite(0x0178)); !errors.As(err, &pe) {
		t.Fatalf("New with a v1 suite: %v", err)
	}
}

func TestLegacyDecrypt(t *testing.T) {
	e := newTestEncryptor(t, WithLegacyDecrypt())
	ec := map[string]string{"legacy": "yes"}
	for _, suite := range []Suite{0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378} {
		for _, fl := range []int{0, 100, 4096} {
			for _, n := range []int{0, 1, 100, 250} {
				pt := bytes.Repeat([]byte{byte(n)}, n)
				msg := v1Message(t, suite, fl, pt, ec)
				got, _, err := e.Decrypt(ctxBG, msg, ec)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("suite %04X fl %d n %d: %v", suite, fl, n, err)
				}
				var buf bytes.Buffer
				if _, err := e.DecryptStream(ctxBG, &buf, bytes.NewReader(msg), ec); err != nil || !bytes.Equal(buf.Bytes(), pt) {
					t.Fatalf("stream suite %04X fl %d n %d: %v", suite, fl, n, err)
				}
				msg[len(msg)-1] ^= 1
				if _, _, err := e.Decrypt(ctxBG, msg, nil); err == nil {
					t.Fatalf("suite %04X: modified message accepted", suite)
				}
			}
		}
	}
	// v1 non-framed without legacy is refused by policy.
	var pe *PolicyError
	if _, _, err := newTestEncryptor(t).Decrypt(ctxBG, v1Message(t, 0x0078, 0, []byte("x"), nil), nil); !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
}

func TestRawRSA(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, pad := range []RSAPadding{RSAOAEPSHA256, RSAOAEPSHA1, RSAOAEPSHA384, RSAOAEPSHA512, RSAPKCS1} {
		pubOnly, err := RawRSAKeyring("rsa-ns", "rsa-key", pad, &priv.PublicKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		full, _ := RawRSAKeyring("rsa-ns", "rsa-key", pad, nil, priv)
		w, _ := New(WithKeyring(pubOnly))
		r, _ := New(WithKeyring(full))
		msg, err := w.Encrypt(ctxBG, []byte("rsa"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := r.Decrypt(ctxBG, msg, nil); err != nil || string(got) != "rsa" {
			t.Fatalf("padding %d: %v", pad, err)
		}
		if _, _, err := w.Decrypt(ctxBG, msg, nil); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("public key only decrypted: %v", err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	kr, _ := RawAESKeyring("ns", "n", testKey)
	tests := []struct {
		name string
		opts []Option
	}{
		{"nothing", nil},
		{"suite", []Option{WithKeyring(kr), WithSuite(0x0178)}},
		{"frame length", []Option{WithKeyring(kr), WithFrameLength(-1)}},
		{"frame length max", []Option{WithKeyring(kr), WithFrameLength(1 << 31)}},
		{"max keys", []Option{WithKeyring(kr), WithMaxEncryptedDataKeys(-1)}},
	}
	for _, tt := range tests {
		if _, err := New(tt.opts...); err == nil || !strings.HasPrefix(err.Error(), "encrypt: ") {
			t.Errorf("%s: got %v", tt.name, err)
		}
	}
	for _, k := range [][]byte{nil, make([]byte, 31)} {
		if _, err := RawAESKeyring("ns", "n", k); err == nil {
			t.Errorf("key of %d bytes accepted", len(k))
		}
	}
	if _, err := RawAESKeyring("aws-kms", "n", testKey); err == nil {
		t.Error("namespace aws-kms accepted")
	}
}

func TestCache(t *testing.T) {
	e := newTestEncryptor(t, WithCache(CacheConfig{}))
	msg, err := e.Encrypt(ctxBG, []byte("cached"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := e.Decrypt(ctxBG, msg, nil); err != nil || string(got) != "cached" {
		t.Fatal(err)
	}
}

// zeroReader yields n zero bytes without holding them.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.n)]
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// TestStreamMemory checks that streaming 10 MiB allocates about a frame, not
// the message.
func TestStreamMemory(t *testing.T) {
	const size = 10 << 20
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e := newTestEncryptor(t, WithSuite(suite))
		var msg bytes.Buffer
		msg.Grow(size + size/64)
		allocated := func(f func()) uint64 {
			var a, b runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&a)
			f()
			runtime.ReadMemStats(&b)
			return b.TotalAlloc - a.TotalAlloc
		}
		n := allocated(func() {
			if err := e.EncryptStream(ctxBG, &msg, &zeroReader{n: size}, nil); err != nil {
				t.Fatal(err)
			}
		})
		if n > 1<<20 {
			t.Errorf("suite %04X: EncryptStream of 10 MiB allocated %d bytes", suite, n)
		}
		var count countWriter
		n = allocated(func() {
			if _, err := e.DecryptStream(ctxBG, &count, bytes.NewReader(msg.Bytes()), nil); err != nil {
				t.Fatal(err)
			}
		})
		if n > 1<<20 {
			t.Errorf("suite %04X: DecryptStream of 10 MiB allocated %d bytes", suite, n)
		}
		if count.n != size {
			t.Errorf("DecryptStream wrote %d bytes, want %d", count.n, size)
		}
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b != 0 {
			return 0, errors.New("unexpected byte")
		}
	}
	c.n += len(p)
	return len(p), nil
}

// TestStreamFrameReleasedBeforeFooter documents DecryptStream: frames are
// written as verified; a bad signature is reported at the end.
func TestStreamBadSignature(t *testing.T) {
	e := newTestEncryptor(t, WithSuite(SuiteCommitSigned), WithFrameLength(10))
	msg, _ := e.Encrypt(ctxBG, bytes.Repeat([]byte("a"), 35), nil)
	msg[len(msg)-5] ^= 1
	var out bytes.Buffer
	if _, err := e.DecryptStream(ctxBG, &out, bytes.NewReader(msg), nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("got %v", err)
	}
	if _, _, err := e.Decrypt(ctxBG, msg, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("got %v", err)
	}
}

func TestPublicKeyEncoding(t *testing.T) {
	for range 20 {
		k, s, err := newSigningKey(lookupSuite(SuiteCommitSigned).curve)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 68 { // base64 of 49 bytes
			t.Fatalf("public key %q", s)
		}
		pub, err := parsePublicKey(k.Curve, s)
		if err != nil || !pub.Equal(&k.PublicKey) {
			t.Fatalf("round trip: %v", err)
		}
	}
}

func TestParserNoPanic(t *testing.T) {
	// Crafted headers with every length at its maximum.
	b := []byte{2, 4, 0x78}
	b = append(b, make([]byte, 32)...)
	b = binary.BigEndian.AppendUint16(b, 0xFFFF)
	e := newTestEncryptor(t)
	if _, _, err := e.Decrypt(ctxBG, b, nil); !isFormat(err) {
		t.Fatalf("got %v", err)
	}
}

func TestDecryptStreamReaders(t *testing.T) {
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e := newTestEncryptor(t, WithSuite(suite), WithFrameLength(100))
		pt := bytes.Repeat([]byte("0123456789"), 55)
		msg, err := e.Encrypt(ctxBG, pt, map[string]string{"k": "v"})
		if err != nil {
			t.Fatal(err)
		}
		readers := map[string]func(io.Reader) io.Reader{
			"one byte": iotest.OneByteReader,
			"data err": iotest.DataErrReader,
			"half":     iotest.HalfReader,
		}
		for name, wrap := range readers {
			var out bytes.Buffer
			if _, err := e.DecryptStream(ctxBG, &out, wrap(bytes.NewReader(msg)), map[string]string{"k": "v"}); err != nil || !bytes.Equal(out.Bytes(), pt) {
				t.Errorf("suite %04X %s: %v", suite, name, err)
			}
		}
		if _, err := e.DecryptStream(ctxBG, io.Discard, iotest.TimeoutReader(bytes.NewReader(msg)), nil); !errors.Is(err, iotest.ErrTimeout) {
			t.Errorf("reader error: got %v", err)
		}
	}
}

func TestConcurrent(t *testing.T) {
	e := newTestEncryptor(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			pt := bytes.Repeat([]byte{byte(i)}, 1000+i)
			for range 20 {
				msg, err := e.Encrypt(ctxBG, pt, map[string]string{"i": "x"})
				if err != nil {
					t.Error(err)
					return
				}
				got, _, err := e.Decrypt(ctxBG, msg, nil)
				if err != nil || !bytes.Equal(got, pt) {
					t.Error("round trip failed", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestAppendEncrypt(t *testing.T) {
	e := newTestEncryptor(t)
	pt := bytes.Repeat([]byte("field"), 1000)
	prefix := []byte("kept:")
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e := newTestEncryptor(t, WithSuite(suite))
		out, err := e.AppendEncrypt(ctxBG, prefix, pt, map[string]string{"k": "v"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, prefix) {
			t.Fatalf("the prefix is gone: %q", out[:len(prefix)])
		}
		got, _, err := e.Decrypt(ctxBG, out[len(prefix):], map[string]string{"k": "v"})
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("suite %04X: round trip: %v", uint16(suite), err)
		}
	}
	out, err := e.Encrypt(ctxBG, pt, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A buffer with room is used as it is.
	buf := make([]byte, 0, len(out)+64)
	out2, err := e.AppendEncrypt(ctxBG, buf, pt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if &out2[0] != &buf[:1][0] {
		t.Error("AppendEncrypt allocated although dst had room")
	}
	// On error dst comes back as it was.
	if back, err := e.AppendEncrypt(ctxBG, prefix, pt, map[string]string{"aws-crypto-x": "v"}); err == nil || string(back) != string(prefix) {
		t.Errorf("on error: %q, %v", back, err)
	}
}

// failAfterKey makes the data key, keeps the materials, and fails: a
// keyring whose second KMS key refuses.
type failAfterKey struct{ m *EncryptionMaterials }

func (k *failAfterKey) OnEncrypt(_ context.Context, m *EncryptionMaterials) error {
	m.generateDataKey()
	k.m = m
	return errors.New("second key refused")
}

func (k *failAfterKey) OnDecrypt(context.Context, *DecryptionMaterials, []EncryptedDataKey) error {
	return ErrDecrypt
}

func TestFailedKeyringLeavesNoDataKey(t *testing.T) {
	k := &failAfterKey{}
	if _, err := NewMaterialsManager(k).EncryptionMaterials(context.Background(), EncryptionRequest{}); err == nil {
		t.Fatal("no error from a failing keyring")
	}
	if k.m == nil || len(k.m.DataKey) == 0 {
		t.Fatal("the keyring made no data key")
	}
	if !bytes.Equal(k.m.DataKey, make([]byte, len(k.m.DataKey))) {
		t.Errorf("the data key of the failed request is still there: %x", k.m.DataKey)
	}
}

func TestTakeDataKeyClearsARejectedKey(t *testing.T) {
	m := &DecryptionMaterials{Suite: SuiteCommit}
	short := bytes.Repeat([]byte{7}, 16)
	if m.takeDataKey(short) || m.DataKey != nil {
		t.Fatal("a 16-byte key taken for a 32-byte suite")
	}
	if !bytes.Equal(short, make([]byte, 16)) {
		t.Errorf("the rejected key is still there: %x", short)
	}
	key := bytes.Repeat([]byte{9}, 32)
	if !m.takeDataKey(key) || !bytes.Equal(m.DataKey, bytes.Repeat([]byte{9}, 32)) {
		t.Error("a 32-byte key refused")
	}
}

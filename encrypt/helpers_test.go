package encrypt

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"sync/atomic"
	"testing"
)

var testKey = bytes.Repeat([]byte{0x42}, 32)

func newTestEncryptor(tb testing.TB, opts ...Option) *Encryptor {
	tb.Helper()
	kr, err := RawAESKeyring("test-ns", "test-key", testKey)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(append([]Option{WithKeyring(kr)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// countingKeyring counts the calls to its keyring.
type countingKeyring struct {
	Keyring
	enc, dec atomic.Int64
}

func (c *countingKeyring) OnEncrypt(ctx context.Context, m *EncryptionMaterials) error {
	c.enc.Add(1)
	return c.Keyring.OnEncrypt(ctx, m)
}

func (c *countingKeyring) OnDecrypt(ctx context.Context, m *DecryptionMaterials, keys []EncryptedDataKey) error {
	c.dec.Add(1)
	return c.Keyring.OnDecrypt(ctx, m, keys)
}

// fixedMaterials hands out the same materials every time (benchmarks).
type fixedMaterials struct {
	enc *EncryptionMaterials
	dec MaterialsManager
}

func newFixedMaterials(tb testing.TB, suite Suite) *fixedMaterials {
	tb.Helper()
	kr, err := RawAESKeyring("test-ns", "test-key", testKey)
	if err != nil {
		tb.Fatal(err)
	}
	mm := NewMaterialsManager(kr)
	m, err := mm.EncryptionMaterials(context.Background(), EncryptionRequest{Suite: suite, PlaintextLength: -1})
	if err != nil {
		tb.Fatal(err)
	}
	return &fixedMaterials{enc: m, dec: mm}
}

func (f *fixedMaterials) EncryptionMaterials(ctx context.Context, req EncryptionRequest) (*EncryptionMaterials, error) {
	return f.enc, nil
}

func (f *fixedMaterials) DecryptionMaterials(ctx context.Context, req DecryptionRequest) (*DecryptionMaterials, error) {
	return f.dec.DecryptionMaterials(ctx, req)
}

// v1Message builds a version-1 message (test-only encoder) of suite with the
// test key, framed with frameLength, or non-framed when frameLength is 0.
func v1Message(tb testing.TB, suite Suite, frameLength int, pt []byte, ec map[string]string) []byte {
	tb.Helper()
	si := lookupSuite(suite)
	kr, _ := RawAESKeyring("test-ns", "test-key", testKey)
	full := map[string]string{}
	for k, v := range ec {
		full[k] = v
	}
	var signer *ecdsa.PrivateKey
	if si.signed() {
		k, pub, err := newSigningKey(si.curve)
		if err != nil {
			tb.Fatal(err)
		}
		signer, full[publicKeyField] = k, pub
	}
	m := &EncryptionMaterials{Suite: suite, Context: full}
	if err := kr.OnEncrypt(context.Background(), m); err != nil {
		tb.Fatal(err)
	}
	id := make([]byte, msgIDLenV1)
	rand.Read(id)
	key, _, err := deriveKey(si, m.DataKey, id)
	if err != nil {
		tb.Fatal(err)
	}
	aead, _ := newGCM(key)
	out := []byte{1, 0x80, byte(suite >> 8), byte(suite)}
	out = append(out, id...)
	ctxBytes, _ := serializeContext(full)
	out = binary.BigEndian.AppendUint16(out, uint16(len(ctxBytes)))
	out = append(out, ctxBytes...)
	out = binary.BigEndian.AppendUint16(out, 1)
	out = appendEDK(out, &m.EncryptedDataKeys[0])
	ct := byte(contentFramed)
	if frameLength == 0 {
		ct = contentNonFramed
	}
	out = append(out, ct, 0, 0, 0, 0, ivLen)
	out = binary.BigEndian.AppendUint32(out, uint32(frameLength))
	iv := make([]byte, ivLen)
	out = append(out, iv...)
	out = aead.Seal(out, iv, nil, out[:len(out)-ivLen])
	if frameLength == 0 {
		rand.Read(iv)
		out = append(out, iv...)
		out = binary.BigEndian.AppendUint64(out, uint64(len(pt)))
		out = aead.Seal(out, iv, pt, bodyAAD(nil, id, labelSingle, 1, uint64(len(pt))))
	} else {
		frames, _ := framing(len(pt), frameLength)
		s := &sealer{suite: si, aead: aead}
		for seq := 1; seq <= frames; seq++ {
			n := min(frameLength, len(pt))
			label := labelFrame
			if seq == frames {
				out = append(out, 0xFF, 0xFF, 0xFF, 0xFF)
				label = labelFinal
			}
			out = binary.BigEndian.AppendUint32(out, uint32(seq))
			out = frameIV(out, uint32(seq))
			if seq == frames {
				out = binary.BigEndian.AppendUint32(out, uint32(n))
			}
			out = s.aead.Seal(out, out[len(out)-ivLen-4*btoi(seq == frames):][:ivLen], pt[:n], bodyAAD(nil, id, label, uint32(seq), uint64(n)))
			pt = pt[n:]
		}
	}
	if signer != nil {
		var h hash.Hash = sha512.New384()
		if suite == 0x0214 {
			h = sha256.New()
		}
		h.Write(out)
		if out, err = appendFooter(out, signer, h.Sum(nil)); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

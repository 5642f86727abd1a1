package encrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"testing"
)

var benchSizes = []int{64, 4 << 10, 1 << 20}

func BenchmarkEncrypt(b *testing.B) {
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e, err := New(WithMaterialsManager(newFixedMaterials(b, suite)), WithSuite(suite))
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("suite=%04X/size=%d", uint16(suite), n), func(b *testing.B) {
				pt := make([]byte, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.Encrypt(ctxBG, pt, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAppendEncrypt reuses the output buffer: what is left of
// Encrypt's cost once the message's allocation is gone, to compare with
// BenchmarkRawAESGCM's "reuse" mode.
func BenchmarkAppendEncrypt(b *testing.B) {
	e, err := New(WithMaterialsManager(newFixedMaterials(b, SuiteCommit)))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("suite=%04X/size=%d", uint16(SuiteCommit), n), func(b *testing.B) {
			pt := make([]byte, n)
			var buf []byte
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = e.AppendEncrypt(ctxBG, buf[:0], pt, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecrypt(b *testing.B) {
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e, err := New(WithMaterialsManager(newFixedMaterials(b, suite)), WithSuite(suite))
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range benchSizes {
			msg, err := e.Encrypt(ctxBG, make([]byte, n), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("suite=%04X/size=%d", uint16(suite), n), func(b *testing.B) {
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := e.Decrypt(ctxBG, msg, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRawAESGCM is the ceiling: AES-256-GCM over the same sizes, one
// seal, no framing, key schedule included. "alloc" seals into a new buffer
// per operation, as Encrypt must return one; "reuse" seals into the same
// buffer every time.
func BenchmarkRawAESGCM(b *testing.B) {
	key := make([]byte, 32)
	for _, mode := range []string{"alloc", "reuse"} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/size=%d", mode, n), func(b *testing.B) {
				pt := make([]byte, n)
				out := make([]byte, 0, n+16)
				nonce := make([]byte, 12)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					blk, _ := aes.NewCipher(key)
					g, _ := cipher.NewGCM(blk)
					if mode == "alloc" {
						out = make([]byte, 0, n+16)
					}
					out = g.Seal(out[:0], nonce, pt, nil)
				}
			})
		}
	}
}

func BenchmarkEncryptStream(b *testing.B) {
	e, err := New(WithMaterialsManager(newFixedMaterials(b, SuiteCommit)))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1 << 20
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.EncryptStream(ctxBG, discard{}, &zeroReader{n: n}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkDecryptStream(b *testing.B) {
	e, err := New(WithMaterialsManager(newFixedMaterials(b, SuiteCommit)))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1 << 20
	msg, err := e.Encrypt(ctxBG, make([]byte, n), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.DecryptStream(ctxBG, discard{}, bytes.NewReader(msg), nil); err != nil {
			b.Fatal(err)
		}
	}
}

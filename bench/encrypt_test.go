package bench

// BenchmarkEncrypt and BenchmarkDecrypt compare package encrypt with the
// official AWS Encryption SDK for Go and with bare AES-256-GCM; see
// README.md, "BenchmarkEncrypt".

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"sync/atomic"
	"testing"

	mpl "github.com/aws/aws-cryptographic-material-providers-library/releases/go/mpl/awscryptographymaterialproviderssmithygenerated"
	mpltypes "github.com/aws/aws-cryptographic-material-providers-library/releases/go/mpl/awscryptographymaterialproviderssmithygeneratedtypes"
	esdk "github.com/aws/aws-encryption-sdk/releases/go/encryption-sdk/awscryptographyencryptionsdksmithygenerated"
	esdktypes "github.com/aws/aws-encryption-sdk/releases/go/encryption-sdk/awscryptographyencryptionsdksmithygeneratedtypes"

	"github.com/lambda-compliance/compliance/encrypt"
)

const (
	rawKeyNamespace = "bench"
	rawKeyName      = "key-1"
	frameLength     = 4096
)

var (
	rawKey = sha256.Sum256([]byte("bench raw AES-256 wrapping key"))

	// encryptSizes are the plaintexts: a field, a page, a large payload.
	encryptSizes = []struct {
		name string
		n    int
	}{{"64B", 64}, {"4KiB", 4 << 10}, {"1MiB", 1 << 20}}

	// benchContext is a small encryption context, as a Lambda function would
	// bind its messages to a tenant and a purpose.
	benchContext = map[string]string{"tenant": "acme", "purpose": "orders"}
)

// sealer is one implementation under benchmark.
type sealer struct {
	name    string
	encrypt func(pt []byte) ([]byte, error)
	decrypt func(msg []byte) ([]byte, error)
	keyring *countingKeyring // ours only
}

// countingKeyring counts the calls to a keyring, so that the benchmarks show
// how often the data-key cache sends a message to it (keyring-calls/op).
type countingKeyring struct {
	encrypt.Keyring
	calls atomic.Int64
}

func (k *countingKeyring) OnEncrypt(ctx context.Context, m *encrypt.EncryptionMaterials) error {
	k.calls.Add(1)
	return k.Keyring.OnEncrypt(ctx, m)
}

func (k *countingKeyring) OnDecrypt(ctx context.Context, m *encrypt.DecryptionMaterials, keys []encrypt.EncryptedDataKey) error {
	k.calls.Add(1)
	return k.Keyring.OnDecrypt(ctx, m, keys)
}

// reportKeyringCalls reports the keyring calls per op since before, for ours.
func (s sealer) reportKeyringCalls(b *testing.B, before int64) {
	if s.keyring != nil {
		b.ReportMetric(float64(s.keyring.calls.Load()-before)/float64(b.N), "keyring-calls/op")
	}
}

func (s sealer) keyringCalls() int64 {
	if s.keyring == nil {
		return 0
	}
	return s.keyring.calls.Load()
}

// sealers returns, in table order: ours with a data-key cache, ours without,
// the official ESDK for Go, and bare AES-256-GCM. All but the last write
// suite 0x0478 messages with 4 KiB frames under a raw AES-256 keyring.
func sealers(tb testing.TB) []sealer {
	tb.Helper()
	ctx := context.Background()
	ours := func(name string, reuse bool, opts ...encrypt.Option) sealer {
		raw, err := encrypt.RawAESKeyring(rawKeyNamespace, rawKeyName, rawKey[:])
		if err != nil {
			tb.Fatal(err)
		}
		kr := &countingKeyring{Keyring: raw}
		e, err := encrypt.New(append([]encrypt.Option{encrypt.WithKeyring(kr), encrypt.WithSuite(encrypt.SuiteCommit),
			encrypt.WithFrameLength(frameLength)}, opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		var buf []byte
		return sealer{
			name: name,
			encrypt: func(pt []byte) ([]byte, error) {
				if reuse { // AppendEncrypt into the buffer of the op before
					var err error
					buf, err = e.AppendEncrypt(ctx, buf[:0], pt, benchContext)
					return buf, err
				}
				return e.Encrypt(ctx, pt, benchContext)
			},
			decrypt: func(msg []byte) ([]byte, error) {
				pt, _, err := e.Decrypt(ctx, msg, nil)
				return pt, err
			},
			keyring: kr,
		}
	}
	return []sealer{
		ours("ours-cached", false, encrypt.WithCache(encrypt.CacheConfig{})),
		ours("ours-cached-reuse", true, encrypt.WithCache(encrypt.CacheConfig{})),
		ours("ours", false),
		esdkGo(tb),
		aesGCM(tb, false),
		aesGCM(tb, true),
	}
}

// esdkGo is the AWS Encryption SDK for Go v0.4.0 (material providers
// v0.4.0): raw AES keyring, commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT.
// It has no caching materials manager.
func esdkGo(tb testing.TB) sealer {
	tb.Helper()
	ctx := context.Background()
	mat, err := mpl.NewClient(mpltypes.MaterialProvidersConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	kr, err := mat.CreateRawAesKeyring(ctx, mpltypes.CreateRawAesKeyringInput{
		KeyName: rawKeyName, KeyNamespace: rawKeyNamespace,
		WrappingAlg: mpltypes.AesWrappingAlgAlgAes256GcmIv12Tag16, WrappingKey: rawKey[:],
	})
	if err != nil {
		tb.Fatal(err)
	}
	policy := mpltypes.ESDKCommitmentPolicyRequireEncryptRequireDecrypt
	client, err := esdk.NewClient(esdktypes.AwsEncryptionSdkConfig{CommitmentPolicy: &policy})
	if err != nil {
		tb.Fatal(err)
	}
	suite := mpltypes.ESDKAlgorithmSuiteIdAlgAes256GcmHkdfSha512CommitKey
	frame := int64(frameLength)
	return sealer{
		name: "esdk-go",
		encrypt: func(pt []byte) ([]byte, error) {
			out, err := client.Encrypt(ctx, esdktypes.EncryptInput{Plaintext: pt, AlgorithmSuiteId: &suite,
				EncryptionContext: benchContext, FrameLength: &frame, Keyring: kr})
			if err != nil {
				return nil, err
			}
			return out.Ciphertext, nil
		},
		decrypt: func(msg []byte) ([]byte, error) {
			out, err := client.Decrypt(ctx, esdktypes.DecryptInput{Ciphertext: msg, Keyring: kr})
			if err != nil {
				return nil, err
			}
			return out.Plaintext, nil
		},
	}
}

// aesGCM is the ceiling: one AES-256-GCM seal of the whole plaintext under a
// key set up once, with a counter nonce; no key derivation, framing or
// header. Its "message" is nonce | ciphertext | tag.
//
// With reuse, each op seals into the buffer of the op before, as
// ours-cached-reuse does with AppendEncrypt: the ceiling without the
// allocation of the output.
func aesGCM(tb testing.TB, reuse bool) sealer {
	tb.Helper()
	blk, err := aes.NewCipher(rawKey[:])
	if err != nil {
		tb.Fatal(err)
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		tb.Fatal(err)
	}
	var counter uint64
	var buf []byte
	name := "aes-gcm"
	if reuse {
		name = "aes-gcm-reuse"
	}
	return sealer{
		name: name,
		encrypt: func(pt []byte) ([]byte, error) {
			var out []byte
			if reuse {
				if cap(buf) < 12+len(pt)+16 {
					buf = make([]byte, 12, 12+len(pt)+16)
				}
				out = buf[:12]
			} else {
				out = make([]byte, 12, 12+len(pt)+16)
			}
			counter++
			binary.BigEndian.PutUint64(out[4:], counter)
			return g.Seal(out, out[:12], pt, nil), nil
		},
		decrypt: func(msg []byte) ([]byte, error) {
			return g.Open(nil, msg[:12], msg[12:], nil)
		},
	}
}

func plaintext(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// BenchmarkEncrypt is the latency of encrypting one message per op.
func BenchmarkEncrypt(b *testing.B) {
	for _, s := range sealers(b) {
		for _, size := range encryptSizes {
			b.Run(s.name+"/"+size.name, func(b *testing.B) {
				pt := plaintext(size.n)
				if _, err := s.encrypt(pt); err != nil { // and warm the cache
					b.Fatal(err)
				}
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				calls := s.keyringCalls()
				for b.Loop() {
					if _, err := s.encrypt(pt); err != nil {
						b.Fatal(err)
					}
				}
				s.reportKeyringCalls(b, calls)
			})
		}
	}
}

// BenchmarkDecrypt is the latency of decrypting one message per op (the same
// message every time, written by the same implementation).
func BenchmarkDecrypt(b *testing.B) {
	for _, s := range sealers(b) {
		for _, size := range encryptSizes {
			b.Run(s.name+"/"+size.name, func(b *testing.B) {
				msg, err := s.encrypt(plaintext(size.n))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.decrypt(msg); err != nil { // and warm the cache
					b.Fatal(err)
				}
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				calls := s.keyringCalls()
				for b.Loop() {
					if _, err := s.decrypt(msg); err != nil {
						b.Fatal(err)
					}
				}
				s.reportKeyringCalls(b, calls)
			})
		}
	}
}

// TestEncryptorsAgree checks that the benchmarks compare like with like:
// every implementation decrypts what it encrypts, and ours and the ESDK for Go
// decrypt each other's messages, which have the same size.
func TestEncryptorsAgree(t *testing.T) {
	ss := sealers(t)
	byName := map[string]sealer{}
	for _, s := range ss {
		byName[s.name] = s
	}
	for _, size := range encryptSizes {
		pt := plaintext(size.n)
		msgs := map[string][]byte{}
		for _, s := range ss {
			m, err := s.encrypt(pt)
			if err != nil {
				t.Fatalf("%s/%s: encrypt: %v", s.name, size.name, err)
			}
			msgs[s.name] = m
		}
		for _, pair := range [][2]string{
			{"ours", "ours"}, {"ours-cached", "ours-cached"}, {"esdk-go", "esdk-go"}, {"aes-gcm", "aes-gcm"},
			{"ours", "esdk-go"}, {"ours-cached", "esdk-go"}, {"esdk-go", "ours"}, {"esdk-go", "ours-cached"},
			{"ours-cached-reuse", "esdk-go"}, {"aes-gcm-reuse", "aes-gcm"},
		} {
			got, err := byName[pair[1]].decrypt(msgs[pair[0]])
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("%s: %s's message, decrypted by %s: %d bytes, %v", size.name, pair[0], pair[1], len(got), err)
			}
		}
		if a, b := len(msgs["ours"]), len(msgs["esdk-go"]); a != b {
			t.Errorf("%s: ours writes %d bytes, esdk-go %d", size.name, a, b)
		}
	}
	// The cache is warm: ten more messages of each size, and their
	// decryptions, do not reach the keyring.
	cached := byName["ours-cached"]
	before := cached.keyringCalls()
	for range 10 {
		for _, size := range encryptSizes {
			m, err := cached.encrypt(plaintext(size.n))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cached.decrypt(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := cached.keyringCalls() - before; n != 0 {
		t.Errorf("ours-cached: %d keyring calls for 30 warm messages and their decryptions, want 0", n)
	}
}

// fieldDoc is a small JSON document with one 64-byte string field,
// $.customer.email, the field that BenchmarkEncryptFields encrypts.
var fieldDoc = []byte(`{"orderId":"4711","status":"accepted","customer":{"email":"` +
	`zoe.martin.customer.account.0000042@mail.example-shop-domain.com",` + // 64 bytes
	`"country":"FR"},"amount":42.5,"currency":"EUR"}`)

var fieldPaths = []string{"$.customer.email"}

// fieldEncryptors are ours with and without the data-key cache, as in
// BenchmarkEncrypt, for the field-level benchmarks.
func fieldEncryptors(tb testing.TB) []struct {
	name string
	e    *encrypt.Encryptor
} {
	tb.Helper()
	var out []struct {
		name string
		e    *encrypt.Encryptor
	}
	for _, c := range []struct {
		name string
		opts []encrypt.Option
	}{{"ours-cached", []encrypt.Option{encrypt.WithCache(encrypt.CacheConfig{})}}, {"ours", nil}} {
		kr, err := encrypt.RawAESKeyring(rawKeyNamespace, rawKeyName, rawKey[:])
		if err != nil {
			tb.Fatal(err)
		}
		e, err := encrypt.New(append([]encrypt.Option{encrypt.WithKeyring(kr)}, c.opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, struct {
			name string
			e    *encrypt.Encryptor
		}{c.name, e})
	}
	return out
}

// BenchmarkEncryptFields is the cost of encrypting one 64-byte string field
// of a small JSON document (EncryptFields: find the field, encrypt it as a
// message of its own, write the base64 in its place). SetBytes is the field.
func BenchmarkEncryptFields(b *testing.B) {
	ctx := context.Background()
	for _, f := range fieldEncryptors(b) {
		b.Run(f.name+"/64B", func(b *testing.B) {
			if _, err := f.e.EncryptFields(ctx, fieldDoc, fieldPaths, benchContext); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.e.EncryptFields(ctx, fieldDoc, fieldPaths, benchContext); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecryptFields is the reverse of BenchmarkEncryptFields.
func BenchmarkDecryptFields(b *testing.B) {
	ctx := context.Background()
	for _, f := range fieldEncryptors(b) {
		b.Run(f.name+"/64B", func(b *testing.B) {
			doc, err := f.e.EncryptFields(ctx, fieldDoc, fieldPaths, benchContext)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.e.DecryptFields(ctx, doc, fieldPaths, nil); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.e.DecryptFields(ctx, doc, fieldPaths, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFieldDoc checks BenchmarkEncryptFields' document: valid JSON whose
// field is 64 bytes, and a round trip through EncryptFields and DecryptFields.
func TestFieldDoc(t *testing.T) {
	var doc struct{ Customer struct{ Email string } }
	if err := json.Unmarshal(fieldDoc, &doc); err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Customer.Email); n != 64 {
		t.Fatalf("the field is %d bytes, want 64", n)
	}
	ctx := context.Background()
	for _, f := range fieldEncryptors(t) {
		enc, err := f.e.EncryptFields(ctx, fieldDoc, fieldPaths, benchContext)
		if err != nil {
			t.Fatal(err)
		}
		back, err := f.e.DecryptFields(ctx, enc, fieldPaths, nil)
		if err != nil || !bytes.Equal(back, fieldDoc) {
			t.Errorf("%s: round trip: %s, %v", f.name, back, err)
		}
	}
}

package encrypt_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"maps"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambda-compliance/compliance/encrypt"
)

const (
	arn1   = "arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-1111-1111-111111111111"
	arn2   = "arn:aws:kms:us-east-1:111122223333:key/22222222-2222-2222-2222-222222222222"
	alias1 = "alias/app"
)

// fakeKMS is an in-memory KMS for unit tests: AES-GCM under one key per ARN,
// the encryption context as AAD, the key ARN in the ciphertext blob. It
// counts its calls, and fails them with err (when set) or per operation.
type fakeKMS struct {
	keys    map[string]cipher.AEAD
	aliases map[string]string
	calls   sync.Map // operation -> *atomic.Int64

	mu       sync.Mutex
	err      error            // every call fails with it
	opErr    map[string]error // the calls of one operation fail with it
	badLen   bool             // GenerateDataKey returns 16 bytes
	lastEC   map[string]string
	returnID string // Decrypt claims this key id when set
}

func newFakeKMS() *fakeKMS {
	f := &fakeKMS{keys: map[string]cipher.AEAD{}, aliases: map[string]string{alias1: arn1}, opErr: map[string]error{}}
	for _, arn := range []string{arn1, arn2} {
		k := make([]byte, 32)
		rand.Read(k)
		b, _ := aes.NewCipher(k)
		f.keys[arn], _ = cipher.NewGCM(b)
	}
	return f
}

func (f *fakeKMS) count(op string) int64 {
	v, _ := f.calls.LoadOrStore(op, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func (f *fakeKMS) begin(op string, ec map[string]string) error {
	v, _ := f.calls.LoadOrStore(op, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastEC = maps.Clone(ec)
	if f.err != nil {
		return f.err
	}
	return f.opErr[op]
}

func (f *fakeKMS) resolve(id *string) (string, cipher.AEAD, error) {
	if id == nil {
		return "", nil, &smithy.GenericAPIError{Code: "ValidationException"}
	}
	arn := *id
	if a, ok := f.aliases[arn]; ok {
		arn = a
	}
	k, ok := f.keys[arn]
	if !ok {
		return "", nil, &smithy.GenericAPIError{Code: "NotFoundException"}
	}
	return arn, k, nil
}

func aad(ec map[string]string) []byte {
	b, _ := json.Marshal(ec) // sorted keys
	return b
}

func (f *fakeKMS) seal(arn string, k cipher.AEAD, pt []byte, ec map[string]string) []byte {
	out := binary.BigEndian.AppendUint16(nil, uint16(len(arn)))
	out = append(out, arn...)
	nonce := make([]byte, 12)
	rand.Read(nonce)
	out = append(out, nonce...)
	return k.Seal(out, nonce, pt, aad(ec))
}

func (f *fakeKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if err := f.begin("GenerateDataKey", in.EncryptionContext); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	arn, k, err := f.resolve(in.KeyId)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, *in.NumberOfBytes)
	rand.Read(pt)
	if f.badLen {
		pt = pt[:16]
	}
	return &kms.GenerateDataKeyOutput{KeyId: &arn, Plaintext: pt, CiphertextBlob: f.seal(arn, k, pt, in.EncryptionContext)}, nil
}

func (f *fakeKMS) Encrypt(ctx context.Context, in *kms.EncryptInput, _ ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	if err := f.begin("Encrypt", in.EncryptionContext); err != nil {
		return nil, err
	}
	arn, k, err := f.resolve(in.KeyId)
	if err != nil {
		return nil, err
	}
	return &kms.EncryptOutput{KeyId: &arn, CiphertextBlob: f.seal(arn, k, in.Plaintext, in.EncryptionContext)}, nil
}

func (f *fakeKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if err := f.begin("Decrypt", in.EncryptionContext); err != nil {
		return nil, err
	}
	invalid := &smithy.GenericAPIError{Code: "InvalidCiphertextException"}
	b := in.CiphertextBlob
	if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b))+12 {
		return nil, invalid
	}
	arn := string(b[2 : 2+binary.BigEndian.Uint16(b)])
	b = b[2+len(arn):]
	want, k, err := f.resolve(in.KeyId)
	if err != nil {
		return nil, err
	}
	if want != arn {
		return nil, &smithy.GenericAPIError{Code: "IncorrectKeyException"}
	}
	pt, err := k.Open(nil, b[:12], b[12:], aad(in.EncryptionContext))
	if err != nil {
		return nil, invalid
	}
	if f.returnID != "" {
		arn = f.returnID
	}
	return &kms.DecryptOutput{KeyId: &arn, Plaintext: pt}, nil
}

func newKMSEncryptor(t testing.TB, f encrypt.KMSClient, ids ...string) *encrypt.Encryptor {
	t.Helper()
	kr, err := encrypt.KMSKeyring(f, ids...)
	if err != nil {
		t.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestKMSKeyringArguments(t *testing.T) {
	f := newFakeKMS()
	tests := []struct {
		name   string
		client encrypt.KMSClient
		ids    []string
		ok     bool
	}{
		{"one key", f, []string{arn1}, true},
		{"alias", f, []string{alias1}, true},
		{"two keys", f, []string{arn1, arn2}, true},
		{"no key", f, nil, false},
		{"empty key", f, []string{arn1, ""}, false},
		{"no client", nil, []string{arn1}, false},
	}
	for _, tt := range tests {
		_, err := encrypt.KMSKeyring(tt.client, tt.ids...)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got error %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "encrypt: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, err)
		}
	}
}

func TestKMSKeyringRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, suite := range []encrypt.Suite{encrypt.SuiteCommit, encrypt.SuiteCommitSigned} {
		f := newFakeKMS()
		kr, _ := encrypt.KMSKeyring(f, alias1, arn2)
		e, err := encrypt.New(encrypt.WithKeyring(kr), encrypt.WithSuite(suite))
		if err != nil {
			t.Fatal(err)
		}
		ec := map[string]string{"tenant": "acme"}
		msg, err := e.Encrypt(ctx, []byte("4111 1111 1111 1111"), ec)
		if err != nil {
			t.Fatal(err)
		}
		if g, en := f.count("GenerateDataKey"), f.count("Encrypt"); g != 1 || en != 1 {
			t.Fatalf("suite %04X: %d GenerateDataKey, %d Encrypt, want 1 and 1", suite, g, en)
		}
		// KMS saw the full context, the signing public key included.
		if f.lastEC["tenant"] != "acme" || (suite.Signed() != (f.lastEC["aws-crypto-public-key"] != "")) {
			t.Fatalf("suite %04X: KMS got context %v", suite, f.lastEC)
		}
		// The provider info is the ARN KMS returned, not the alias asked.
		for _, arn := range []string{arn1, arn2} {
			if !bytes.Contains(msg, []byte(arn)) {
				t.Fatalf("suite %04X: message does not name %s", suite, arn)
			}
		}
		if bytes.Contains(msg, []byte(alias1)) {
			t.Fatalf("suite %04X: message names the alias", suite)
		}
		for _, arn := range []string{arn1, arn2} {
			d := newKMSEncryptor(t, f, arn)
			pt, gotEC, err := d.Decrypt(ctx, msg, ec)
			if err != nil || string(pt) != "4111 1111 1111 1111" || gotEC["tenant"] != "acme" {
				t.Fatalf("suite %04X, decrypt with %s alone: %v", suite, arn, err)
			}
		}
	}
}

func TestKMSKeyringDecryptOnlyItsKeys(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	msg, err := newKMSEncryptor(t, f, arn1).Encrypt(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := f.count("Decrypt")
	_, _, err = newKMSEncryptor(t, f, arn2).Decrypt(ctx, msg, nil)
	if !errors.Is(err, encrypt.ErrDecrypt) {
		t.Fatalf("got %v, want ErrDecrypt", err)
	}
	if got := f.count("Decrypt") - before; got != 0 {
		t.Fatalf("KMS asked %d times about a key not configured", got)
	}
}

func TestKMSKeyringDecryptNeedsARN(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	e := newKMSEncryptor(t, f, alias1)
	msg, err := e.Encrypt(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.Decrypt(ctx, msg, nil)
	var ke *encrypt.KMSError
	if !errors.As(err, &ke) || ke.Kind != encrypt.KMSInvalidKeyID || ke.KeyID != alias1 {
		t.Fatalf("got %v, want a KMSError of kind invalid key id", err)
	}
	if f.count("Decrypt") != 0 {
		t.Fatal("KMS was called")
	}
}

func TestKMSKeyringWrongContext(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	kr, _ := encrypt.KMSKeyring(f, arn1)
	m := &encrypt.EncryptionMaterials{Suite: encrypt.SuiteCommit, Context: map[string]string{"tenant": "a"}}
	if err := kr.OnEncrypt(ctx, m); err != nil {
		t.Fatal(err)
	}
	d := &encrypt.DecryptionMaterials{Suite: encrypt.SuiteCommit, Context: map[string]string{"tenant": "b"}}
	err := kr.OnDecrypt(ctx, d, m.EncryptedDataKeys)
	var ke *encrypt.KMSError
	if !errors.Is(err, encrypt.ErrDecrypt) || !errors.As(err, &ke) || ke.Kind != encrypt.KMSInvalidCiphertext || d.DataKey != nil {
		t.Fatalf("got %v, want ErrDecrypt and an invalid-ciphertext KMSError", err)
	}
	d.Context = map[string]string{"tenant": "a"}
	if err := kr.OnDecrypt(ctx, d, m.EncryptedDataKeys); err != nil || !bytes.Equal(d.DataKey, m.DataKey) {
		t.Fatalf("right context: %v", err)
	}
}

func TestKMSKeyringFirstSuccessWins(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	kr, _ := encrypt.KMSKeyring(f, arn1, arn2)
	m := &encrypt.EncryptionMaterials{Suite: encrypt.SuiteCommit}
	if err := kr.OnEncrypt(ctx, m); err != nil {
		t.Fatal(err)
	}
	// The first key's data key is corrupted: the second one decrypts.
	keys := append([]encrypt.EncryptedDataKey{}, m.EncryptedDataKeys...)
	keys[0].Ciphertext = append([]byte{}, keys[0].Ciphertext...)
	keys[0].Ciphertext[len(keys[0].Ciphertext)-1] ^= 1
	d := &encrypt.DecryptionMaterials{Suite: encrypt.SuiteCommit}
	if err := kr.OnDecrypt(ctx, d, keys); err != nil || !bytes.Equal(d.DataKey, m.DataKey) {
		t.Fatalf("got %v, want the second key to decrypt", err)
	}
	if got := f.count("Decrypt"); got != 2 {
		t.Fatalf("Decrypt calls: got %d, want 2", got)
	}
	// Already decrypted by another keyring: KMS is not called.
	if err := kr.OnDecrypt(ctx, d, keys); err != nil || f.count("Decrypt") != 2 {
		t.Fatalf("keyring called KMS for materials that had a data key: %v", err)
	}
}

func TestKMSKeyringBadResponses(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	f.badLen = true
	kr, _ := encrypt.KMSKeyring(f, arn1)
	m := &encrypt.EncryptionMaterials{Suite: encrypt.SuiteCommit}
	err := kr.OnEncrypt(ctx, m)
	var ke *encrypt.KMSError
	if !errors.As(err, &ke) || ke.Kind != encrypt.KMSInvalidResponse || m.DataKey != nil || len(m.EncryptedDataKeys) != 0 {
		t.Fatalf("short data key: got %v", err)
	}
	f.badLen = false
	if err := kr.OnEncrypt(ctx, m); err != nil {
		t.Fatal(err)
	}
	f.returnID = arn2 // KMS claims another key decrypted
	d := &encrypt.DecryptionMaterials{Suite: encrypt.SuiteCommit}
	err = kr.OnDecrypt(ctx, d, m.EncryptedDataKeys)
	if !errors.As(err, &ke) || ke.Kind != encrypt.KMSInvalidResponse || d.DataKey != nil {
		t.Fatalf("other key id: got %v", err)
	}
}

// timeoutError is a net.Error that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestKMSErrorKinds(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		err  error
		want encrypt.KMSErrorKind
	}{
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, encrypt.KMSThrottled},
		{&smithy.GenericAPIError{Code: "LimitExceededException"}, encrypt.KMSThrottled},
		{&smithy.GenericAPIError{Code: "SlowDownThrottled"}, encrypt.KMSThrottled},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, encrypt.KMSAccessDenied},
		{&smithy.GenericAPIError{Code: "DisabledException"}, encrypt.KMSKeyUnusable},
		{&smithy.GenericAPIError{Code: "KMSInvalidStateException"}, encrypt.KMSKeyUnusable},
		{&smithy.GenericAPIError{Code: "KeyUnavailableException"}, encrypt.KMSKeyUnusable},
		{&smithy.GenericAPIError{Code: "NotFoundException"}, encrypt.KMSKeyUnusable},
		{&smithy.GenericAPIError{Code: "InvalidCiphertextException"}, encrypt.KMSInvalidCiphertext},
		{&smithy.GenericAPIError{Code: "IncorrectKeyException"}, encrypt.KMSInvalidCiphertext},
		{&smithy.GenericAPIError{Code: "DependencyTimeoutException"}, encrypt.KMSUnavailable},
		{&smithy.GenericAPIError{Code: "KMSInternalException"}, encrypt.KMSUnavailable},
		{&smithy.GenericAPIError{Code: "ValidationException"}, encrypt.KMSOther},
		{&smithy.OperationError{ServiceID: "KMS", OperationName: "GenerateDataKey", Err: &smithy.GenericAPIError{Code: "ThrottlingException"}}, encrypt.KMSThrottled},
		{context.DeadlineExceeded, encrypt.KMSTimeout},
		{fmt.Errorf("send: %w", timeoutError{}), encrypt.KMSTimeout},
		{refused, encrypt.KMSUnavailable},
		{&smithyhttp.RequestSendError{Err: errors.New("connection reset by peer")}, encrypt.KMSUnavailable},
		{errors.New("something else"), encrypt.KMSOther},
	}
	ctx := context.Background()
	for _, tt := range tests {
		f := newFakeKMS()
		f.err = tt.err
		kr, _ := encrypt.KMSKeyring(f, arn1)
		m := &encrypt.EncryptionMaterials{Suite: encrypt.SuiteCommit}
		err := kr.OnEncrypt(ctx, m)
		var ke *encrypt.KMSError
		if !errors.As(err, &ke) {
			t.Errorf("%v: got %v, want a *KMSError", tt.err, err)
			continue
		}
		if ke.Kind != tt.want || ke.Op != "GenerateDataKey" || ke.KeyID != arn1 || !errors.Is(err, tt.err) {
			t.Errorf("%v: got %+v, want kind %v", tt.err, ke, tt.want)
		}
		if m.DataKey != nil || len(m.EncryptedDataKeys) != 0 {
			t.Errorf("%v: materials written on failure", tt.err)
		}
		want := "encrypt: kms GenerateDataKey " + arn1 + ": " + tt.want.String() + ": "
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%v: message %q, want prefix %q", tt.err, err, want)
		}
	}
}

func TestKMSKeyringEncryptFailureLeavesNoKey(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	f.opErr["Encrypt"] = &smithy.GenericAPIError{Code: "AccessDeniedException"}
	kr, _ := encrypt.KMSKeyring(f, arn1, arn2)
	m := &encrypt.EncryptionMaterials{Suite: encrypt.SuiteCommit}
	err := kr.OnEncrypt(ctx, m)
	var ke *encrypt.KMSError
	if !errors.As(err, &ke) || ke.Kind != encrypt.KMSAccessDenied || ke.Op != "Encrypt" || ke.KeyID != arn2 {
		t.Fatalf("got %v, want an access-denied KMSError of Encrypt", err)
	}
	if m.DataKey != nil || len(m.EncryptedDataKeys) != 0 {
		t.Fatal("materials written on failure")
	}
	// Through an Encryptor the keyring's error comes back as it is, and the
	// caller's buffer as it was: AppendEncrypt documents that it returns
	// dst unchanged on error. Encrypt's nil dst could not show either.
	e, _ := encrypt.New(encrypt.WithKeyring(kr))
	dst := append(make([]byte, 0, 256), "kept:"...)
	back, err := e.AppendEncrypt(ctx, dst, []byte("secret"), nil)
	if !errors.As(err, &ke) || ke.Kind != encrypt.KMSAccessDenied || ke.Op != "Encrypt" {
		t.Fatalf("AppendEncrypt: got %v, want the keyring's access-denied KMSError", err)
	}
	if len(back) != len(dst) || cap(back) != cap(dst) || &back[0] != &dst[0] || string(back) != "kept:" {
		t.Fatalf("AppendEncrypt: got %q (cap %d), want dst %q (cap %d) back unchanged", back, cap(back), dst, cap(dst))
	}
	if bytes.Contains(back[:cap(back)], []byte("secret")) {
		t.Fatal("AppendEncrypt: the plaintext is in the buffer after a failure")
	}
}

func TestKMSKeyringDecryptTimeout(t *testing.T) {
	f := newFakeKMS()
	e := newKMSEncryptor(t, f, arn1)
	msg, err := e.Encrypt(context.Background(), []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.err = context.DeadlineExceeded
	_, _, err = e.Decrypt(context.Background(), msg, nil)
	var ke *encrypt.KMSError
	if !errors.As(err, &ke) || ke.Kind != encrypt.KMSTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout KMSError", err)
	}
}

func TestMultiKeyring(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	kmsKR, _ := encrypt.KMSKeyring(f, arn1)
	raw, _ := encrypt.RawAESKeyring("break-glass", "key-1", bytes.Repeat([]byte{9}, 32))
	e, _ := encrypt.New(encrypt.WithKeyring(encrypt.MultiKeyring(kmsKR, raw)))
	msg, err := e.Encrypt(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, kr := range map[string]encrypt.Keyring{"kms": kmsKR, "raw": raw, "multi": encrypt.MultiKeyring(kmsKR, raw)} {
		d, _ := encrypt.New(encrypt.WithKeyring(kr))
		if pt, _, err := d.Decrypt(ctx, msg, nil); err != nil || string(pt) != "x" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// KMS down: the raw key still decrypts.
	f.err = &smithy.GenericAPIError{Code: "KMSInternalException"}
	d, _ := encrypt.New(encrypt.WithKeyring(encrypt.MultiKeyring(kmsKR, raw)))
	if pt, _, err := d.Decrypt(ctx, msg, nil); err != nil || string(pt) != "x" {
		t.Errorf("KMS down: %v", err)
	}
	// And encrypt fails closed.
	if _, err := e.Encrypt(ctx, []byte("x"), nil); err == nil {
		t.Error("encrypt succeeded with KMS down")
	}
	// Raw generator, KMS keyring only encrypts.
	f.err = nil
	e2, _ := encrypt.New(encrypt.WithKeyring(encrypt.MultiKeyring(raw, kmsKR)))
	before := f.count("GenerateDataKey")
	msg2, err := e2.Encrypt(ctx, []byte("y"), nil)
	if err != nil || f.count("GenerateDataKey") != before {
		t.Fatalf("raw generator: %v", err)
	}
	if pt, _, err := newKMSEncryptor(t, f, arn1).Decrypt(ctx, msg2, nil); err != nil || string(pt) != "y" {
		t.Fatalf("KMS decrypt of a raw-generated key: %v", err)
	}
}

func TestKMSKeyringWithCache(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS()
	kr, _ := encrypt.KMSKeyring(f, arn1)
	e, _ := encrypt.New(encrypt.WithKeyring(kr), encrypt.WithCache(encrypt.CacheConfig{MaxAge: time.Minute}))
	var msgs [][]byte
	for i := range 1000 {
		msg, err := e.Encrypt(ctx, []byte(fmt.Sprint(i)), map[string]string{"tenant": "a"})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, msg)
	}
	if got := f.count("GenerateDataKey"); got != 1 {
		t.Fatalf("GenerateDataKey calls: got %d, want 1", got)
	}
	for i, msg := range msgs {
		if pt, _, err := e.Decrypt(ctx, msg, nil); err != nil || string(pt) != fmt.Sprint(i) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if got := f.count("Decrypt"); got != 1 {
		t.Fatalf("Decrypt calls: got %d, want 1", got)
	}
}

// staticKMS is a KMS that always answers the same, for the examples.
type staticKMS struct{ err error }

func (s staticKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, s.err
}

func (s staticKMS) Encrypt(ctx context.Context, in *kms.EncryptInput, _ ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	return nil, s.err
}

func (s staticKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, s.err
}

// A KMS keyring (here over an in-memory stand-in for *kms.Client) with a
// data-key cache: one GenerateDataKey call serves every message of the same
// encryption context for a minute.
func ExampleKMSKeyring() {
	var client encrypt.KMSClient = newFakeKMS() // kms.NewFromConfig(cfg) in a real function
	kr, err := encrypt.KMSKeyring(client, "arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-1111-1111-111111111111")
	if err != nil {
		log.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr), encrypt.WithCache(encrypt.CacheConfig{MaxAge: time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := e.Encrypt(ctx, []byte("4111 1111 1111 1111"), map[string]string{"tenant": "acme"}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("GenerateDataKey calls:", client.(*fakeKMS).count("GenerateDataKey"))
	// Output: GenerateDataKey calls: 1
}

// A throttled KMS call is a *KMSError of kind KMSThrottled: the caller can
// retry with backoff. Encryption fails closed: no message, no plaintext.
func ExampleKMSError() {
	client := staticKMS{err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}
	kr, _ := encrypt.KMSKeyring(client, "alias/app")
	e, _ := encrypt.New(encrypt.WithKeyring(kr))
	msg, err := e.Encrypt(context.Background(), []byte("secret"), nil)
	var ke *encrypt.KMSError
	if errors.As(err, &ke) && ke.Kind == encrypt.KMSThrottled {
		fmt.Println("retry later:", ke.Op, ke.KeyID, len(msg))
	}
	// Output: retry later: GenerateDataKey alias/app 0
}

// A KMS key and a raw AES break-glass key: either alone decrypts.
func ExampleMultiKeyring() {
	kmsKR, _ := encrypt.KMSKeyring(newFakeKMS(), "arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-1111-1111-111111111111")
	raw, _ := encrypt.RawAESKeyring("break-glass", "key-1", bytes.Repeat([]byte{9}, 32))
	e, _ := encrypt.New(encrypt.WithKeyring(encrypt.MultiKeyring(kmsKR, raw)))
	msg, err := e.Encrypt(context.Background(), []byte("hello"), nil)
	if err != nil {
		log.Fatal(err)
	}
	d, _ := encrypt.New(encrypt.WithKeyring(raw))
	pt, _, err := d.Decrypt(context.Background(), msg, nil)
	fmt.Println(string(pt), err)
	// Output: hello <nil>
}

func BenchmarkKMSKeyringEncrypt(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cached), func(b *testing.B) {
			kr, _ := encrypt.KMSKeyring(newFakeKMS(), arn1)
			opts := []encrypt.Option{encrypt.WithKeyring(kr)}
			if cached {
				opts = append(opts, encrypt.WithCache(encrypt.CacheConfig{}))
			}
			e, _ := encrypt.New(opts...)
			pt := make([]byte, 1024)
			ec := map[string]string{"tenant": "acme"}
			b.ReportAllocs()
			b.SetBytes(int64(len(pt)))
			for b.Loop() {
				if _, err := e.Encrypt(context.Background(), pt, ec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestKMSKeyringByRegion gives each key the client of its Region: two
// Regions' KMS that know only their own key, as real ones do.
func TestKMSKeyringByRegion(t *testing.T) {
	east, west := newFakeKMS(), newFakeKMS()
	delete(east.keys, arn2) // arn1 lives in one Region, arn2 in the other
	delete(west.keys, arn1)
	clients := map[string]encrypt.KMSClient{encrypt.KeyRegion(arn1): east, encrypt.KeyRegion(arn2): west}
	if encrypt.KeyRegion(arn1) == encrypt.KeyRegion(arn2) {
		t.Fatalf("the test keys share Region %q", encrypt.KeyRegion(arn1))
	}
	clientFor := func(region string) (encrypt.KMSClient, error) {
		if c, ok := clients[region]; ok {
			return c, nil
		}
		return nil, errors.New("unknown Region")
	}
	kr, err := encrypt.KMSKeyringByRegion(clientFor, arn1, arn2)
	if err != nil {
		t.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := e.Encrypt(context.Background(), []byte("both Regions"), map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	// Either Region alone decrypts it.
	for _, id := range []string{arn1, arn2} {
		kr, err := encrypt.KMSKeyringByRegion(clientFor, id)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := encrypt.New(encrypt.WithKeyring(kr))
		if pt, _, err := d.Decrypt(context.Background(), msg, nil); err != nil || string(pt) != "both Regions" {
			t.Errorf("decrypt with %s alone: %q, %v", id, pt, err)
		}
	}
	if _, err := encrypt.KMSKeyringByRegion(clientFor, "arn:aws:kms:ap-south-1:111122223333:key/x"); err == nil {
		t.Error("a key in a Region without a client was accepted")
	}
	if got := encrypt.KeyRegion("alias/orders"); got != "" {
		t.Errorf("encrypt.KeyRegion(alias) = %q", got)
	}
}

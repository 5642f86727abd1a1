package integration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/lambda-compliance/compliance/encrypt"
	"github.com/lambda-compliance/compliance/integration/localkms"
)

var ctxBG = context.Background()

func newEncryptor(t testing.TB, client encrypt.KMSClient, keyIDs []string, opts ...encrypt.Option) *encrypt.Encryptor {
	t.Helper()
	kr, err := encrypt.KMSKeyring(client, keyIDs...)
	if err != nil {
		t.Fatal(err)
	}
	e, err := encrypt.New(append([]encrypt.Option{encrypt.WithKeyring(kr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// kmsErrorOf returns the *KMSError in err, failing t when there is none.
func kmsErrorOf(t testing.TB, err error) *encrypt.KMSError {
	t.Helper()
	var ke *encrypt.KMSError
	if !errors.As(err, &ke) {
		t.Fatalf("got %v (%T), want a *encrypt.KMSError", err, err)
	}
	return ke
}

// counter counts the KMS operations that go over the wire, by the
// X-Amz-Target header of the JSON protocol.
type counter struct {
	next http.RoundTripper
	mu   sync.Mutex
	ops  map[string]int
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	c.mu.Lock()
	c.ops[op]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *counter) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[op]
}

func countingClient(s *localkms.Server) (*kms.Client, *counter) {
	c := &counter{next: http.DefaultTransport, ops: map[string]int{}}
	return s.Client(func(o *kms.Options) { o.HTTPClient = &http.Client{Transport: c} }), c
}

func TestRoundTrip(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	client := s.Client()
	for _, suite := range []encrypt.Suite{encrypt.SuiteCommit, encrypt.SuiteCommitSigned} {
		e := newEncryptor(t, client, []string{arn}, encrypt.WithSuite(suite))
		ec := map[string]string{"tenant": "acme", "purpose": "test"}
		pt := []byte("4111 1111 1111 1111")
		msg, err := e.Encrypt(ctxBG, pt, ec)
		if err != nil {
			t.Fatalf("suite %04X: %v", suite, err)
		}
		if !bytes.Contains(msg, []byte(arn)) || bytes.Contains(msg, pt) {
			t.Fatalf("suite %04X: the message does not name the key ARN, or holds the plaintext", suite)
		}
		got, gotEC, err := e.Decrypt(ctxBG, msg, map[string]string{"tenant": "acme"})
		if err != nil || !bytes.Equal(got, pt) || gotEC["purpose"] != "test" {
			t.Fatalf("suite %04X: decrypt: %v", suite, err)
		}
	}
}

func TestKeyringAgainstLocalKMS(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	kr, err := encrypt.KMSKeyring(s.Client(), arn)
	if err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"tenant": "acme"}
	m := &encrypt.EncryptionMaterials{Suite: encrypt.SuiteCommit, Context: ec}
	if err := kr.OnEncrypt(ctxBG, m); err != nil {
		t.Fatal(err)
	}
	if len(m.DataKey) != 32 || len(m.EncryptedDataKeys) != 1 {
		t.Fatalf("got a %d-byte data key and %d encrypted data keys", len(m.DataKey), len(m.EncryptedDataKeys))
	}
	edk := m.EncryptedDataKeys[0]
	if edk.ProviderID != "aws-kms" || string(edk.ProviderInfo) != arn || len(edk.Ciphertext) == 0 {
		t.Fatalf("encrypted data key: provider %q, info %q", edk.ProviderID, edk.ProviderInfo)
	}
	d := &encrypt.DecryptionMaterials{Suite: encrypt.SuiteCommit, Context: ec}
	if err := kr.OnDecrypt(ctxBG, d, m.EncryptedDataKeys); err != nil || !bytes.Equal(d.DataKey, m.DataKey) {
		t.Fatalf("decrypt: %v", err)
	}
}

func TestTwoKeys(t *testing.T) {
	s := localkms.Start(t)
	arn1, arn2 := s.CreateKey(t), s.CreateKey(t)
	s.CreateAlias(t, "alias/generator", arn1)
	client, calls := countingClient(s)
	// The generator named by its alias: the message names the ARN.
	e := newEncryptor(t, client, []string{"alias/generator", arn2})
	msg, err := e.Encrypt(ctxBG, []byte("hello"), map[string]string{"tenant": "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if calls.count("GenerateDataKey") != 1 || calls.count("Encrypt") != 1 {
		t.Fatalf("calls: %v, want one GenerateDataKey and one Encrypt", calls.ops)
	}
	if !bytes.Contains(msg, []byte(arn1)) || !bytes.Contains(msg, []byte(arn2)) || bytes.Contains(msg, []byte("alias/")) {
		t.Fatal("the message should name both key ARNs and no alias")
	}
	for _, arn := range []string{arn1, arn2} {
		pt, _, err := newEncryptor(t, client, []string{arn}).Decrypt(ctxBG, msg, nil)
		if err != nil || string(pt) != "hello" {
			t.Fatalf("decrypt with %s alone: %v", arn, err)
		}
	}
	// A third key decrypts nothing, and KMS is not asked.
	arn3 := s.CreateKey(t)
	before := calls.count("Decrypt")
	if _, _, err := newEncryptor(t, client, []string{arn3}).Decrypt(ctxBG, msg, nil); !errors.Is(err, encrypt.ErrDecrypt) {
		t.Fatalf("decrypt with another key: got %v, want ErrDecrypt", err)
	}
	if calls.count("Decrypt") != before {
		t.Fatal("KMS was asked to decrypt with a key not in the message")
	}
	// An alias cannot decrypt: the keyring says so.
	_, _, err = newEncryptor(t, client, []string{"alias/generator"}).Decrypt(ctxBG, msg, nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSInvalidKeyID {
		t.Fatalf("decrypt with an alias: kind %v, want %v", ke.Kind, encrypt.KMSInvalidKeyID)
	}
}

// wrongContext is a KMS client that asks Decrypt under another encryption
// context than the keyring gives.
type wrongContext struct {
	encrypt.KMSClient
	ec map[string]string
}

func (w wrongContext) Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	in2 := *in
	in2.EncryptionContext = w.ec
	return w.KMSClient.Decrypt(ctx, &in2, opts...)
}

func TestEncryptionContextEnforced(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	client := s.Client()
	ec := map[string]string{"tenant": "acme", "purpose": "test"}
	msg, err := newEncryptor(t, client, []string{arn}).Encrypt(ctxBG, []byte("hello"), ec)
	if err != nil {
		t.Fatal(err)
	}
	// The local KMS itself refuses a wrong, partial or missing context.
	gen, err := client.GenerateDataKey(ctxBG, &kms.GenerateDataKeyInput{KeyId: &arn, NumberOfBytes: aws.Int32(32), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []map[string]string{
		{"tenant": "other", "purpose": "test"},
		{"tenant": "acme"},
		nil,
		{"tenant": "acme", "purpose": "test", "extra": "x"},
	} {
		_, err := client.Decrypt(ctxBG, &kms.DecryptInput{KeyId: &arn, CiphertextBlob: gen.CiphertextBlob, EncryptionContext: wrong})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidCiphertextException" {
			t.Fatalf("context %v: got %v, want InvalidCiphertextException", wrong, err)
		}
		kr, _ := encrypt.KMSKeyring(client, arn)
		d := &encrypt.DecryptionMaterials{Suite: encrypt.SuiteCommit, Context: wrong}
		err = kr.OnDecrypt(ctxBG, d, []encrypt.EncryptedDataKey{{ProviderID: "aws-kms", ProviderInfo: []byte(arn), Ciphertext: gen.CiphertextBlob}})
		if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSInvalidCiphertext || ke.Op != "Decrypt" || d.DataKey != nil {
			t.Fatalf("context %v: got %v, want kind %v", wrong, err, encrypt.KMSInvalidCiphertext)
		}
	}
	// A message decrypted with KMS asked under another context fails opaquely.
	bad := newEncryptor(t, wrongContext{client, map[string]string{"tenant": "other", "purpose": "test"}}, []string{arn})
	pt, _, err := bad.Decrypt(ctxBG, msg, nil)
	if !errors.Is(err, encrypt.ErrDecrypt) || pt != nil {
		t.Fatalf("got %v, want ErrDecrypt", err)
	}
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSInvalidCiphertext {
		t.Fatalf("kind %v, want %v", ke.Kind, encrypt.KMSInvalidCiphertext)
	}
}

func TestKMSOutage(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	client := s.Client()
	plain := newEncryptor(t, client, []string{arn})
	const maxAge = 2 * time.Second
	cached := newEncryptor(t, client, []string{arn}, encrypt.WithCache(encrypt.CacheConfig{MaxAge: maxAge}))
	ec := map[string]string{"tenant": "acme"}
	secret := []byte("4111 1111 1111 1111")
	var old []byte
	for range 3 {
		msg, err := plain.Encrypt(ctxBG, secret, ec)
		if err != nil {
			t.Fatal(err)
		}
		old = msg
	}
	warmed := time.Now()
	if _, err := cached.Encrypt(ctxBG, secret, ec); err != nil { // warms the cache
		t.Fatal(err)
	}
	if _, _, err := cached.Decrypt(ctxBG, old, nil); err != nil { // warms the decryption cache
		t.Fatal(err)
	}

	s.Close() // KMS goes away

	// Without a cache: a typed error, no message, nothing of the plaintext.
	msg, err := plain.Encrypt(ctxBG, secret, ec)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSUnavailable || ke.Op != "GenerateDataKey" || ke.KeyID != arn {
		t.Fatalf("got %v, want an unavailable KMSError of GenerateDataKey", err)
	}
	if msg != nil || strings.Contains(err.Error(), string(secret)) {
		t.Fatal("a failed Encrypt returned a message or leaked the plaintext")
	}
	if _, _, err := plain.Decrypt(ctxBG, old, nil); kmsErrorOf(t, err).Kind != encrypt.KMSUnavailable {
		t.Fatalf("decrypt during the outage: got %v", err)
	}

	// With a warm cache: encrypt goes on until the data key is maxAge old.
	for i := range 10 {
		msg, err := cached.Encrypt(ctxBG, secret, ec)
		if err != nil {
			if time.Since(warmed) >= maxAge {
				t.Skipf("the machine is too slow: %v passed before message %d", time.Since(warmed), i)
			}
			t.Fatalf("message %d with a warm cache: %v", i, err)
		}
		if msg == nil {
			t.Fatal("no message")
		}
	}
	// Decrypt too, of the message whose data key it holds.
	if got, _, err := cached.Decrypt(ctxBG, old, nil); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("decrypt with a warm cache: %v", err)
	}
	time.Sleep(time.Until(warmed.Add(maxAge + 100*time.Millisecond)))
	msg, err = cached.Encrypt(ctxBG, secret, ec)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSUnavailable || msg != nil {
		t.Fatalf("after expiry: got %v, want an unavailable KMSError and no message", err)
	}
}

func TestOneGenerateDataKeyFor10000Messages(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	client, calls := countingClient(s)
	e := newEncryptor(t, client, []string{arn}, encrypt.WithCache(encrypt.CacheConfig{MaxAge: time.Minute}))
	ec := map[string]string{"tenant": "acme"}
	var last []byte
	for i := range 10_000 {
		msg, err := e.Encrypt(ctxBG, []byte(fmt.Sprint("record ", i)), ec)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		last = msg
	}
	if got := calls.count("GenerateDataKey"); got != 1 {
		t.Fatalf("GenerateDataKey calls: got %d, want 1", got)
	}
	for range 100 {
		if pt, _, err := e.Decrypt(ctxBG, last, nil); err != nil || string(pt) != "record 9999" {
			t.Fatalf("decrypt: %v", err)
		}
	}
	if got := calls.count("Decrypt"); got != 1 {
		t.Fatalf("Decrypt calls: got %d, want 1", got)
	}
	// Other contexts get other data keys.
	if _, err := e.Encrypt(ctxBG, []byte("x"), map[string]string{"tenant": "other"}); err != nil {
		t.Fatal(err)
	}
	if got := calls.count("GenerateDataKey"); got != 2 {
		t.Fatalf("GenerateDataKey calls: got %d, want 2", got)
	}
}

func TestConcurrentColdCache(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	client, calls := countingClient(s)
	e := newEncryptor(t, client, []string{arn}, encrypt.WithCache(encrypt.CacheConfig{MaxAge: time.Minute}))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 64 {
		wg.Go(func() {
			if _, err := e.Encrypt(ctxBG, []byte("x"), map[string]string{"tenant": "acme"}); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 || calls.count("GenerateDataKey") != 1 {
		t.Fatalf("%d failures, %d GenerateDataKey calls; want 0 and 1", failed.Load(), calls.count("GenerateDataKey"))
	}
}

// throttling is a KMS client whose every call is throttled.
type throttling struct{ encrypt.KMSClient }

func (throttling) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
}

func TestThrottled(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	_, err := newEncryptor(t, throttling{s.Client()}, []string{arn}).Encrypt(ctxBG, []byte("x"), nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSThrottled || ke.Op != "GenerateDataKey" {
		t.Fatalf("got %v, want a throttled KMSError", err)
	}

	// Over the wire: an endpoint that answers as KMS does when throttling,
	// in front of the local KMS. The SDK retries, then gives up.
	kmsHandler, closeDB := localkms.NewHandler(t.TempDir(), nil)
	defer closeDB()
	var throttled atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "TrentService.GenerateDataKey" {
			throttled.Add(1)
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		kmsHandler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client := s.Client(func(o *kms.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	out, err := client.CreateKey(ctxBG, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := newEncryptor(t, client, []string{*out.KeyMetadata.Arn}).Encrypt(ctxBG, []byte("x"), nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSThrottled || msg != nil {
		t.Fatalf("over the wire: got %v, want a throttled KMSError", err)
	}
	if throttled.Load() < 2 {
		t.Fatalf("the SDK tried %d times, want retries", throttled.Load())
	}
}

func TestTimeout(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	e := newEncryptor(t, s.Client(), []string{arn})
	msg, err := e.Encrypt(ctxBG, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(ctxBG, time.Now().Add(-time.Second))
	defer cancel()
	_, err = e.Encrypt(ctx, []byte("x"), nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("encrypt: got %v, want a timeout KMSError", err)
	}
	_, _, err = e.Decrypt(ctx, msg, nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSTimeout {
		t.Fatalf("decrypt: got %v, want a timeout KMSError", err)
	}
}

func TestDisabledKey(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	client := s.Client()
	e := newEncryptor(t, client, []string{arn})
	msg, err := e.Encrypt(ctxBG, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DisableKey(ctxBG, &kms.DisableKeyInput{KeyId: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Encrypt(ctxBG, []byte("x"), nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSKeyUnusable {
		t.Fatalf("encrypt with a disabled key: got %v, want kind %v", err, encrypt.KMSKeyUnusable)
	}
	_, _, err = e.Decrypt(ctxBG, msg, nil)
	if ke := kmsErrorOf(t, err); ke.Kind != encrypt.KMSKeyUnusable {
		t.Fatalf("decrypt with a disabled key: got %v, want kind %v", err, encrypt.KMSKeyUnusable)
	}
}

func TestCreateSigningKey(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateSigningKey(t)
	client := s.Client()
	pub, err := client.GetPublicKey(ctxBG, &kms.GetPublicKeyInput{KeyId: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if pub.KeySpec != types.KeySpecEccNistP256 || pub.KeyUsage != types.KeyUsageTypeSignVerify || len(pub.PublicKey) == 0 {
		t.Fatalf("got key spec %s, usage %s", pub.KeySpec, pub.KeyUsage)
	}
	msg := []byte("audit chain head")
	sig, err := client.Sign(ctxBG, &kms.SignInput{KeyId: &arn, Message: msg, MessageType: types.MessageTypeRaw, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	if err != nil {
		t.Fatal(err)
	}
	v, err := client.Verify(ctxBG, &kms.VerifyInput{KeyId: &arn, Message: msg, MessageType: types.MessageTypeRaw, Signature: sig.Signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	if err != nil || !v.SignatureValid {
		t.Fatalf("verify: %v", err)
	}
}

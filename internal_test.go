package compliance

import (
	"bytes"
	"context"
	"errors"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/middleware"
	"github.com/lambda-compliance/compliance/redact"
)

// Start routes the standard logger through redactingWriter: aws-lambda-go
// logs every error a handler returns with log.Printf.
func TestRedactingWriter(t *testing.T) {
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := log.New(&redactingWriter{w: &buf, r: r}, "", 0)
	l.Printf(`{"errorMessage":"no account for jane.doe@example.com","errorType":"AccountError"}`)
	if got := buf.String(); strings.Contains(got, "jane.doe@example.com") || !strings.Contains(got, "AccountError") {
		t.Errorf("got %q", got)
	}
}

// Outside Wrap, a malformed environment must not turn redaction off.
func TestFallbackLoggerRedactsUnderABadEnvironment(t *testing.T) {
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "LOUD")
	if c := fallbackConfig(); c.redactor == nil {
		t.Fatal("the fallback logger has no redactor")
	}
}

// The logger outside Wrap makes no KMS call at all: without options, nothing
// of it would use the redaction key that COMPLIANCE_REDACT_HMAC_KEY_KMS
// names, and the call could block the first Logger call for seconds.
func TestFallbackLoggerCallsNoKMS(t *testing.T) {
	t.Setenv("COMPLIANCE_REDACT_HMAC_KEY_KMS", "AQIDBAUGBwg=")
	errLoad := errors.New("no configuration")
	calls := stubAWSConfig(t, aws.Config{}, &errLoad)
	if c := fallbackConfig(); c.redactor == nil {
		t.Fatal("the fallback logger has no redactor")
	}
	if *calls != 0 {
		t.Errorf("the fallback logger loaded the AWS configuration %d times, want 0", *calls)
	}
}

// stubAWSConfig makes loadAWSConfig return cfg and err for the test's
// duration, and counts its calls.
func stubAWSConfig(t *testing.T, cfg aws.Config, err *error) *int {
	t.Helper()
	calls := new(int)
	old := loadAWSConfig
	loadAWSConfig = func(context.Context) (aws.Config, error) {
		*calls++
		return cfg, *err
	}
	t.Cleanup(func() { loadAWSConfig = old })
	return calls
}

// A chain that failed to start is not kept: the next invocation tries
// again. After close, a chain that was never started never is.
func TestAuditorGetChain(t *testing.T) {
	errLoad := errors.New("no configuration")
	calls := stubAWSConfig(t, aws.Config{}, &errLoad)
	inv := &middleware.Invocation{FunctionName: "f"}
	a := &auditor{w: &bytes.Buffer{}, keyID: "arn:aws:kms:eu-west-1:123456789012:key/k"}
	for i := range 2 {
		var ae *AuditError
		if _, err := a.getChain(context.Background(), inv); !errors.As(err, &ae) {
			t.Fatalf("call %d: %v, want an *AuditError", i, err)
		}
	}
	if *calls != 2 {
		t.Errorf("%d attempts to start the chain, want 2", *calls)
	}
	if err := a.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.getChain(context.Background(), inv); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("after close: %v, want audit.ErrClosed", err)
	}
	if *calls != 2 {
		t.Errorf("after close: %d attempts to start the chain, want 2", *calls)
	}

	// A chain started before close is still handed out: its Record says
	// it is closed.
	b := &auditor{w: &bytes.Buffer{}}
	ch, err := b.getChain(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := b.getChain(context.Background(), inv); again != ch || err != nil {
		t.Fatalf("second call: %p, %v; want %p", again, err, ch)
	}
	if err := b.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again, err := b.getChain(context.Background(), inv); again != ch || err != nil {
		t.Errorf("after close: %p, %v; want %p", again, err, ch)
	}
}

// Once the chain holds its copy of the digest key (the redaction key KMS
// decrypted), the auditor's is cleared, and records are still written.
func TestAuditorClearsDigestKey(t *testing.T) {
	key := bytes.Repeat([]byte{0x5a}, 32)
	out := &bytes.Buffer{}
	a := &auditor{w: out, digest: key}
	inv := &middleware.Invocation{FunctionName: "f", RequestID: "r"}
	if err := a.record(context.Background(), &audit.Event{Invocation: inv, Outcome: audit.OutcomeSuccess, Request: []byte(`{}`), Response: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, make([]byte, 32)) || a.digest != nil {
		t.Errorf("the auditor still holds the digest key after starting the chain")
	}
	if n := bytes.Count(out.Bytes(), []byte{'\n'}); n != 2 {
		t.Errorf("%d records written, want the genesis and one", n)
	}
}

// An Encryptor that could not be built is not kept: the next invocation
// tries again; one that was built is handed out from then on.
func TestEncryptorSourceGet(t *testing.T) {
	errLoad := errors.New("no configuration")
	calls := stubAWSConfig(t, aws.Config{Region: "eu-west-1"}, &errLoad)
	s := &encryptorSource{keyIDs: []string{"arn:aws:kms:eu-west-1:123456789012:key/k"}}
	ctx := context.Background()
	for i := range 2 {
		var ee *EncryptorError
		if _, err := s.get(ctx).Encrypt(ctx, []byte("x"), nil); !errors.As(err, &ee) {
			t.Fatalf("call %d: %v, want an *EncryptorError", i, err)
		}
	}
	if *calls != 2 {
		t.Errorf("%d attempts to build, want 2", *calls)
	}
	errLoad = nil
	e := s.get(ctx)
	if again := s.get(ctx); again != e {
		t.Errorf("second call after a build: %p, want %p", again, e)
	}
	if *calls != 3 {
		t.Errorf("%d attempts to build, want 3", *calls)
	}
}

// failingHTTP fails every request without sending it.
type failingHTTP struct{}

func (failingHTTP) Do(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in tests")
}

// The AWS configuration is loaded once for everything of a Wrap that calls
// KMS: here the Encryptor and the audit chain's certifier.
func TestAWSConfigLoadedOnce(t *testing.T) {
	t.Setenv("COMPLIANCE_KMS_KEY_ID", "")
	t.Setenv("COMPLIANCE_AUDIT_KMS_KEY_ID", "")
	var noErr error
	calls := stubAWSConfig(t, aws.Config{Region: "eu-west-1", HTTPClient: failingHTTP{},
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}, &noErr)
	const key = "arn:aws:kms:eu-west-1:123456789012:key/k"
	h := Wrap(func(ctx context.Context) error {
		Encryptor(ctx)
		return nil
	}, WithOutput(&bytes.Buffer{}), WithKMSKey(key), WithAuditSigningKey(key))
	var ae *AuditError
	if _, err := h.Invoke(context.Background(), []byte(`{}`)); !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *AuditError (KMS cannot be reached)", err)
	}
	if *calls != 1 {
		t.Errorf("the AWS configuration was loaded %d times, want 1", *calls)
	}
}

// hostsHTTP records the host of every request and fails it unsent.
type hostsHTTP struct {
	mu    sync.Mutex
	hosts []string
}

func (h *hostsHTTP) Do(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hosts = append(h.hosts, req.URL.Host)
	return nil, errors.New("no network in tests")
}

// The audit chain's signing key is called in the Region of its ARN, not in
// the function's when they differ.
func TestAuditSigningKeyInItsRegion(t *testing.T) {
	t.Setenv("COMPLIANCE_AUDIT_KMS_KEY_ID", "")
	rec := &hostsHTTP{}
	var noErr error
	stubAWSConfig(t, aws.Config{Region: "eu-west-1", HTTPClient: rec, Credentials: aws.AnonymousCredentials{},
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}, &noErr)
	h := Wrap(func(context.Context) error { return nil }, WithOutput(&bytes.Buffer{}),
		WithAuditSigningKey("arn:aws:kms:us-west-2:123456789012:key/k"))
	var ae *AuditError
	if _, err := h.Invoke(context.Background(), []byte(`{}`)); !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *AuditError (KMS cannot be reached)", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.hosts) == 0 || !strings.Contains(rec.hosts[0], "us-west-2") {
		t.Errorf("KMS called at %q, want the key's Region us-west-2", rec.hosts)
	}
}

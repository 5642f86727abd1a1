package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"go.uber.org/zap"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/encrypt"
	"github.com/lambda-compliance/compliance/integration/localkms"
	"github.com/lambda-compliance/compliance/redact"
)

// TestWrapEncryptsWithKMS configures a wrapped function the way it is
// deployed, with COMPLIANCE_KMS_KEY_ID and the SDK's standard variables, and
// checks that what its handler encrypts through compliance.Encryptor
// decrypts with the key in KMS, and that 50 invocations ask KMS for one data
// key.
func TestWrapEncryptsWithKMS(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	env := localEnv(s)
	env["COMPLIANCE_KMS_KEY_ID"] = arn
	for k, v := range env {
		t.Setenv(k, v)
	}
	h := compliance.Wrap(func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		return compliance.Encryptor(ctx).EncryptFields(ctx, in, []string{"$.card"}, map[string]string{"tenant": "t1"})
	}, compliance.WithOutput(testWriter{t}))
	var out []byte
	for i := range 50 {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-" + string(rune('a'+i%26))})
		var err error
		if out, err = h.Invoke(ctx, []byte(`{"id":7,"card":"4111111111111111"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Calls("GenerateDataKey"); got != 1 {
		t.Errorf("50 invocations made %d GenerateDataKey calls, want 1 (the data key is cached)", got)
	}
	kr, err := encrypt.KMSKeyring(s.Client(), arn)
	if err != nil {
		t.Fatal(err)
	}
	d, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := d.DecryptFields(context.Background(), out, []string{"$.card"}, map[string]string{"tenant": "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != `{"id":7,"card":"4111111111111111"}` {
		t.Errorf("round trip through KMS: %s", doc)
	}
}

// testWriter sends the function's log lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", p)
	return len(p), nil
}

// TestRedactionKeyFromKMS keys the hmac operator with a data key that only
// KMS can decrypt: the tokens in the function's log are those of that key.
func TestRedactionKeyFromKMS(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	dk, err := s.Client().GenerateDataKey(context.Background(), &kms.GenerateDataKeyInput{KeyId: &arn, NumberOfBytes: aws.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range localEnv(s) {
		t.Setenv(k, v)
	}
	t.Setenv("COMPLIANCE_REDACT_HMAC_KEY_KMS", base64.StdEncoding.EncodeToString(dk.CiphertextBlob))
	cfg := redact.Config{Operators: map[string]redact.Operator{"*": redact.HMAC}}
	var logs bytes.Buffer
	h := compliance.Wrap(func(ctx context.Context, in json.RawMessage) error {
		compliance.Logger(ctx).Info("signup", zap.String("email", "jane.doe@example.com"))
		return nil
	}, compliance.WithRedaction(cfg), compliance.WithOutput(&logs))
	if _, err := h.Invoke(lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "r1"}), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	cfg.HMACKey = dk.Plaintext
	r, err := redact.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := r.String("jane.doe@example.com")
	if !strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "jane.doe") {
		t.Errorf("log %s\nwant the token %s of the KMS data key", logs.String(), token)
	}

	// A blob KMS cannot decrypt fails every invocation, logging nothing in clear.
	t.Setenv("COMPLIANCE_REDACT_HMAC_KEY_KMS", base64.StdEncoding.EncodeToString([]byte("not a ciphertext blob")))
	logs.Reset()
	h = compliance.Wrap(func(ctx context.Context) error { return nil }, compliance.WithRedaction(cfg), compliance.WithOutput(&logs))
	_, err = h.Invoke(context.Background(), []byte(`{}`))
	var ce *compliance.ConfigError
	if !errors.As(err, &ce) || ce.Var != "COMPLIANCE_REDACT_HMAC_KEY_KMS" {
		t.Errorf("undecryptable key: %v, want a *ConfigError naming the variable", err)
	}
}

// localEnv is the environment of a function whose AWS SDK talks to s.
func localEnv(s *localkms.Server) map[string]string {
	return map[string]string{
		"AWS_REGION":                  s.Region,
		"AWS_ENDPOINT_URL_KMS":        s.URL,
		"AWS_ACCESS_KEY_ID":           "AKIDLOCALKMS",
		"AWS_SECRET_ACCESS_KEY":       "local-kms-secret",
		"AWS_CONFIG_FILE":             "/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "2",
	}
}

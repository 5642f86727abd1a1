package compliance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/encrypt"
)

func rawAESEncryptor(t *testing.T) *encrypt.Encryptor {
	t.Helper()
	kr, err := encrypt.RawAESKeyring("test-ns", "test-key", bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// clearKMSEnv leaves no KMS key and no AWS configuration from the machine.
func clearKMSEnv(t *testing.T) {
	t.Setenv("COMPLIANCE_KMS_KEY_ID", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// encryptingHandler encrypts the email of its event with the invocation's
// Encryptor, and the whole event as one message too.
func encryptingHandler(ctx context.Context, event json.RawMessage) (map[string]string, error) {
	e := compliance.Encryptor(ctx)
	doc, err := e.EncryptFields(ctx, event, []string{"$.user.email"}, map[string]string{"purpose": "test"})
	if err != nil {
		return nil, err
	}
	msg, err := e.Encrypt(ctx, event, nil)
	if err != nil {
		return nil, err
	}
	return map[string]string{"doc": string(doc), "msg": base64.StdEncoding.EncodeToString(msg)}, nil
}

func TestWithEncryptor(t *testing.T) {
	clearKMSEnv(t)
	e := rawAESEncryptor(t)
	event := `{"user":{"email":"jane.doe@example.com","id":9007199254740993}}`
	h := compliance.Wrap(encryptingHandler, compliance.WithEncryptor(e), compliance.WithOutput(&syncBuffer{}))
	resp, err := h.Invoke(lambdaCtx("r1", ""), []byte(event))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(resp, []byte("jane.doe")) {
		t.Fatalf("the response holds the plaintext: %s", resp)
	}
	var out map[string]string
	if err := json.Unmarshal(resp, &out); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dec, err := e.DecryptFields(ctx, []byte(out["doc"]), []string{"$.user.email"}, map[string]string{"purpose": "test"})
	if err != nil || string(dec) != event {
		t.Errorf("DecryptFields: %s, %v; want %s", dec, err, event)
	}
	msg, _ := base64.StdEncoding.DecodeString(out["msg"])
	pt, _, err := e.Decrypt(ctx, msg, nil)
	if err != nil || string(pt) != event {
		t.Errorf("Decrypt: %s, %v; want %s", pt, err, event)
	}
}

func TestEncryptorWithoutKey(t *testing.T) {
	clearKMSEnv(t)
	check := func(name string, e *encrypt.Encryptor) {
		t.Helper()
		if e == nil {
			t.Fatalf("%s: Encryptor returned nil", name)
		}
		ctx := context.Background()
		out, err := e.EncryptFields(ctx, []byte(`{"a":"secret"}`), []string{"a"}, nil)
		ee, ok := errors.AsType[*compliance.EncryptorError](err)
		if out != nil || !ok || !errors.Is(err, compliance.ErrNoEncryptionKey) {
			t.Errorf("%s: EncryptFields gives %s, %v; want an *EncryptorError matching ErrNoEncryptionKey", name, out, err)
		}
		if ok && !strings.HasPrefix(ee.Error(), "compliance: ") {
			t.Errorf("%s: error %q is not prefixed", name, ee)
		}
		if msg, err := e.Encrypt(ctx, []byte("secret"), nil); msg != nil || !errors.Is(err, compliance.ErrNoEncryptionKey) {
			t.Errorf("%s: Encrypt gives %x, %v", name, msg, err)
		}
	}
	check("outside Wrap", compliance.Encryptor(context.Background()))
	var inside *encrypt.Encryptor
	h := compliance.Wrap(func(ctx context.Context) { inside = compliance.Encryptor(ctx) }, compliance.WithOutput(&syncBuffer{}))
	if _, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	check("inside Wrap", inside)
	// The handler's error is returned as it is: its type names the problem.
	h = compliance.Wrap(encryptingHandler, compliance.WithOutput(&syncBuffer{}))
	_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{"user":{"email":"jane.doe@example.com"}}`))
	if !errors.Is(err, compliance.ErrNoEncryptionKey) || strings.Contains(err.Error(), "jane.doe") {
		t.Errorf("handler error %v, want one matching ErrNoEncryptionKey", err)
	}
}

func TestKMSKeyEnv(t *testing.T) {
	const arn1 = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	const arn2 = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
	tests := []struct {
		env     string
		wantErr bool
	}{
		{arn1, false},
		{arn1 + "," + arn2, false},
		{" " + arn1 + " , " + arn2 + ",", false},
		{"alias/orders", false},
		{"1234abcd-12ab-34cd-56ef-1234567890ab", false},
		{",", true},
		{"not a key", true},
		{arn1 + ",arn:aws:s3:::bucket", true},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			clearKMSEnv(t)
			t.Setenv("COMPLIANCE_KMS_KEY_ID", tt.env)
			h := compliance.Wrap(func(context.Context) {}, compliance.WithOutput(&syncBuffer{}))
			_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
			ce, ok := errors.AsType[*compliance.ConfigError](err)
			if tt.wantErr != (ok && ce.Var == "COMPLIANCE_KMS_KEY_ID") || !tt.wantErr && err != nil {
				t.Errorf("COMPLIANCE_KMS_KEY_ID=%q: %v, want a *ConfigError: %v", tt.env, err, tt.wantErr)
			}
		})
	}
}

// WithKMSKey's key IDs are checked as COMPLIANCE_KMS_KEY_ID's are: a bad
// one, or none, fails every invocation with a *ConfigError naming the option.
func TestWithKMSKeyChecked(t *testing.T) {
	const arn1 = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name    string
		ids     []string
		wantErr bool
	}{
		{"one ARN", []string{arn1}, false},
		{"ARN, alias and key ID", []string{arn1, "alias/orders", "1234abcd-12ab-34cd-56ef-1234567890ab"}, false},
		{"none", nil, true},
		{"empty", []string{""}, true},
		{"blank after an ARN", []string{arn1, " "}, true},
		{"not a key", []string{"not a key"}, true},
		{"an S3 ARN", []string{"arn:aws:s3:::bucket"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearKMSEnv(t)
			h := compliance.Wrap(func(context.Context) {}, compliance.WithKMSKey(tt.ids...), compliance.WithOutput(&syncBuffer{}))
			for range 2 {
				_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
				ce, ok := errors.AsType[*compliance.ConfigError](err)
				if tt.wantErr != (ok && ce.Var == "WithKMSKey") || !tt.wantErr && err != nil {
					t.Fatalf("WithKMSKey(%q): %v, want a *ConfigError: %v", tt.ids, err, tt.wantErr)
				}
			}
		})
	}
}

// deadKMS returns the URL of a local port where nothing listens.
func deadKMS(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// kmsEnv points the AWS SDK at url with static credentials.
func kmsEnv(t *testing.T, url string) {
	clearKMSEnv(t)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_KMS", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}

// TestKMSKeyFailsClosed: with the KMS key configured but KMS unreachable, or
// the AWS configuration broken, every call fails with a typed error and no
// plaintext; the environment wins over WithEncryptor and WithKMSKey.
func TestKMSKeyFailsClosed(t *testing.T) {
	const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	event := []byte(`{"user":{"email":"jane.doe@example.com"}}`)
	for _, tt := range []struct {
		name string
		env  bool
		opts []compliance.Option
	}{
		{"WithKMSKey", false, []compliance.Option{compliance.WithKMSKey(arn)}},
		{"env over WithEncryptor", true, []compliance.Option{compliance.WithEncryptor(rawAESEncryptor(t))}},
		{"env over WithKMSKey", true, []compliance.Option{compliance.WithKMSKey("alias/other")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kmsEnv(t, deadKMS(t))
			if tt.env {
				t.Setenv("COMPLIANCE_KMS_KEY_ID", arn)
			}
			h := compliance.Wrap(encryptingHandler, append(tt.opts, compliance.WithOutput(&syncBuffer{}))...)
			for range 2 {
				resp, err := h.Invoke(lambdaCtx("r", ""), event)
				ke, ok := errors.AsType[*encrypt.KMSError](err)
				if resp != nil || !ok || ke.Kind != encrypt.KMSUnavailable || ke.KeyID != arn || strings.Contains(err.Error(), "jane.doe") {
					t.Fatalf("got %s, %v; want a *KMSError of kind KMSUnavailable on %s", resp, err, arn)
				}
			}
		})
	}
	t.Run("broken AWS configuration", func(t *testing.T) {
		kmsEnv(t, deadKMS(t))
		t.Setenv("AWS_PROFILE", "no-such-profile")
		h := compliance.Wrap(encryptingHandler, compliance.WithKMSKey(arn), compliance.WithOutput(&syncBuffer{}))
		_, err := h.Invoke(lambdaCtx("r", ""), event)
		if ee, ok := errors.AsType[*compliance.EncryptorError](err); !ok || errors.Is(err, compliance.ErrNoEncryptionKey) {
			t.Fatalf("got %v (%T), want an *EncryptorError", err, err)
		} else if !strings.Contains(ee.Error(), "AWS configuration") {
			t.Errorf("error %q does not say what failed", ee)
		}
		// Not kept: once the configuration is fixed, the next invocation builds the client.
		t.Setenv("AWS_PROFILE", "")
		_, err = h.Invoke(lambdaCtx("r", ""), event)
		if _, ok := errors.AsType[*encrypt.KMSError](err); !ok {
			t.Errorf("after the fix: %v, want a *KMSError (KMS is unreachable)", err)
		}
	})
}

// A handler encrypts a field of its response with the invocation's
// Encryptor: here a raw AES key given with WithEncryptor; in a deployed
// function, the KMS keys of WithKMSKey or COMPLIANCE_KMS_KEY_ID.
func ExampleEncryptor() {
	kr, _ := encrypt.RawAESKeyring("my-namespace", "my-key", bytes.Repeat([]byte{7}, 32))
	e, _ := encrypt.New(encrypt.WithKeyring(kr))
	handler := func(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
		return compliance.Encryptor(ctx).EncryptFields(ctx, event, []string{"$.email"}, nil)
	}
	h := compliance.Wrap(handler, compliance.WithEncryptor(e), compliance.WithOutput(io.Discard))
	resp, err := h.Invoke(context.Background(), []byte(`{"email":"jane.doe@example.com","n":1}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bytes.Contains(resp, []byte("jane.doe")))
	plain, err := e.DecryptFields(context.Background(), resp, []string{"$.email"}, nil)
	fmt.Printf("%s %v\n", plain, err)
	// Output:
	// false
	// {"email":"jane.doe@example.com","n":1} <nil>
}

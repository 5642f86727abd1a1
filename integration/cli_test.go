package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/lambda-compliance/compliance/integration/localkms"
	"github.com/lambda-compliance/compliance/redact"
)

// buildCLI builds cmd/compliance of the parent module into a temporary
// directory of t.
func buildCLI(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "compliance")
	cmd := exec.Command("go", "build", "-o", path, "./cmd/compliance")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/compliance: %v\n%s", err, out)
	}
	return path
}

// cliEnv is an environment in which the AWS SDK of the CLI talks to s only,
// with static credentials.
func cliEnv(s *localkms.Server) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_REGION=" + s.Region,
		"AWS_ENDPOINT_URL_KMS=" + s.URL,
		"AWS_ACCESS_KEY_ID=AKIDLOCALKMS",
		"AWS_SECRET_ACCESS_KEY=local-kms-secret",
		"AWS_CONFIG_FILE=/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=2",
	}
}

func runCLI(t *testing.T, bin string, env []string, stdin []byte, args ...string) (status int, stdout, stderr []byte) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.Bytes(), errOut.Bytes()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.Bytes(), errOut.Bytes()
}

// TestCLIWithKMS runs the compliance binary's encrypt and decrypt against a
// local KMS, configured only through the standard AWS environment variables.
func TestCLIWithKMS(t *testing.T) {
	bin := buildCLI(t)
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	other := s.CreateKey(t)
	env := cliEnv(s)
	plaintext := []byte("4111 1111 1111 1111 belongs to jane.doe@example.com\n")

	status, b64, stderr := runCLI(t, bin, env, plaintext, "encrypt", "--kms-key-id", arn, "--context", "tenant=acme")
	if status != 0 || len(stderr) != 0 || !bytes.HasSuffix(b64, []byte("\n")) {
		t.Fatalf("encrypt: status %d, stdout %q, stderr %s", status, b64, stderr)
	}
	msg, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b64)))
	if err != nil || !bytes.Contains(msg, []byte(arn)) {
		t.Fatalf("the output is not the base64 of a message with an encrypted data key of %s: %v", arn, err)
	}
	for name, in := range map[string][]byte{"base64": b64, "binary": msg} {
		status, out, stderr := runCLI(t, bin, env, in, "decrypt", "--kms-key-id", arn, "--context", "tenant=acme")
		if status != 0 || !bytes.Equal(out, plaintext) {
			t.Errorf("decrypt %s: status %d, stdout %q, stderr %s", name, status, out, stderr)
		}
	}

	// Failures: nothing on stdout, exit status 1, the reason on stderr.
	var down []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL_KMS=") {
			kv = "AWS_ENDPOINT_URL_KMS=http://127.0.0.1:1"
		}
		down = append(down, kv)
	}
	for _, tt := range []struct {
		name    string
		env     []string
		args    []string
		wantErr string
	}{
		{"another key", env, []string{"decrypt", "--kms-key-id", other}, "cannot be decrypted"},
		{"context differs", env, []string{"decrypt", "--kms-key-id", arn, "--context", "tenant=other"}, `"tenant"`},
		{"KMS down", down, []string{"decrypt", "--kms-key-id", arn}, "compliance: decrypt: "},
		{"encrypt with KMS down", down, []string{"encrypt", "--kms-key-id", arn}, "compliance: encrypt: "},
	} {
		status, out, stderr := runCLI(t, bin, tt.env, b64, tt.args...)
		if status != 1 || len(out) != 0 || !bytes.HasPrefix(stderr, []byte("compliance: ")) || !bytes.Contains(stderr, []byte(tt.wantErr)) {
			t.Errorf("%s: status %d, stdout %q, stderr %s; want status 1, nothing, %q", tt.name, status, out, stderr, tt.wantErr)
		}
		if bytes.Contains(stderr, []byte("jane.doe")) || bytes.Contains(stderr, []byte("4111")) {
			t.Errorf("%s: stderr quotes the plaintext: %s", tt.name, stderr)
		}
	}

	// --fields, one JSON document per line.
	doc := []byte(`{"user":{"email":"jane.doe@example.com","id":9007199254740993}}` + "\n")
	status, enc, stderr := runCLI(t, bin, env, doc, "encrypt", "--kms-key-id", arn, "--fields", "$.user.email")
	if status != 0 || bytes.Contains(enc, []byte("jane.doe")) || !bytes.Contains(enc, []byte(`"id":9007199254740993}}`)) {
		t.Fatalf("encrypt --fields: status %d, stdout %s, stderr %s", status, enc, stderr)
	}
	status, dec, stderr := runCLI(t, bin, env, enc, "decrypt", "--kms-key-id", arn, "--fields", "$.user.email")
	if status != 0 || !bytes.Equal(dec, doc) {
		t.Errorf("decrypt --fields: status %d, stdout %s, stderr %s", status, dec, stderr)
	}
}

// TestCLIRedactHMACKeyFromKMS keys compliance redact's hmac operator with a
// data key decrypted by KMS: the tokens are those of the plaintext key.
func TestCLIRedactHMACKeyFromKMS(t *testing.T) {
	bin := buildCLI(t)
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	dk, err := s.Client().GenerateDataKey(context.Background(), &kms.GenerateDataKeyInput{KeyId: &arn, NumberOfBytes: aws.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "hmac.key.kms")
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(dk.CiphertextBlob)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(redact.Config{Operators: map[string]redact.Operator{"*": redact.HMAC}, HMACKey: dk.Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r.String("mail jane.doe@example.com\n")
	status, out, stderr := runCLI(t, bin, cliEnv(s), []byte("mail jane.doe@example.com\n"), "redact", "--operator", "*=hmac", "--hmac-kms-key-file", file)
	if status != 0 || string(out) != want {
		t.Errorf("status %d, stdout %q, stderr %s; want %q", status, out, stderr, want)
	}
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString([]byte("forged blob"))), 0o600); err != nil {
		t.Fatal(err)
	}
	status, out, stderr = runCLI(t, bin, cliEnv(s), []byte("mail jane.doe@example.com\n"), "redact", "--operator", "*=hmac", "--hmac-kms-key-file", file)
	if status != 2 || len(out) != 0 || !bytes.Contains(stderr, []byte("--hmac-kms-key-file")) {
		t.Errorf("undecryptable key: status %d, stdout %q, stderr %s", status, out, stderr)
	}
}

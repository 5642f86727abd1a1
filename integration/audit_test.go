package integration_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/integration/localkms"
	"github.com/lambda-compliance/compliance/middleware"
)

func auditEvent(i int) *audit.Event {
	now := time.Now()
	return &audit.Event{
		Invocation: &middleware.Invocation{
			RequestID:          fmt.Sprintf("req-%04d", i),
			InvokedFunctionARN: "arn:aws:lambda:eu-west-1:111122223333:function:orders",
			FunctionName:       "orders",
			Region:             "eu-west-1",
			AccountID:          "111122223333",
			Start:              now.Add(-3 * time.Millisecond),
			Source:             middleware.SourceAPIGatewayREST,
			Operation:          "POST /orders",
			Actor:              middleware.Actor{UserARN: "arn:aws:iam::111122223333:user/alice", Assurance: middleware.AssuranceSigV4},
		},
		End:     now,
		Outcome: audit.OutcomeSuccess,
	}
}

// kmsChain writes a closed chain of n records certified by cert, in HMAC
// mode when hmacKey is set.
func kmsChain(t *testing.T, cert audit.Certifier, n int, hmacKey, hmacCiphertext []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	c, err := audit.NewChain(ctxBG, &buf, audit.Config{
		FunctionARN: "arn:aws:lambda:eu-west-1:111122223333:function:orders",
		LogStream:   "2026/11/28/[$LATEST]abcdef",
		Certifier:   cert, HMACKey: hmacKey, HMACKeyCiphertext: hmacCiphertext,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if err := c.Record(ctxBG, auditEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(ctxBG); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), c.ChainUID()
}

// TestAuditKMSCertification certifies a chain's genesis with KMS Sign on an
// ECC_NIST_P256 key and checks the certificate with GetPublicKey.
func TestAuditKMSCertification(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateSigningKey(t)
	client := s.Client()
	log, uid := kmsChain(t, audit.KMSCertifier(client, arn), 5, nil, nil)
	if n := s.Calls("Sign"); n != 1 {
		t.Fatalf("%d Sign calls for one chain, want 1", n)
	}
	rep, err := audit.Verify(ctxBG, bytes.NewReader(log), audit.VerifyOptions{KMS: client})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Chains) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if c := rep.Chains[0]; c.ChainUID != uid || c.Status != audit.StatusValid || !c.Certified || c.KeyARN != arn || c.Records != 7 {
		t.Fatalf("chain %+v", c)
	}
	if n := s.Calls("GetPublicKey"); n != 1 {
		t.Fatalf("%d GetPublicKey calls, want 1", n)
	}

	// The public key fetched once, given as PublicKeys: no KMS call.
	pub, err := audit.KMSPublicKey(ctxBG, client, arn)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = audit.Verify(ctxBG, bytes.NewReader(log), audit.VerifyOptions{PublicKeys: map[string]*ecdsa.PublicKey{arn: pub}})
	if err != nil || !rep.OK() {
		t.Fatalf("with the public key: %v, %+v", err, rep)
	}

	// A KMS key that is no signing key cannot certify.
	sym := s.CreateKey(t)
	_, err = audit.NewChain(ctxBG, &bytes.Buffer{}, audit.Config{Certifier: audit.KMSCertifier(client, sym)})
	var ke *audit.KMSError
	if !errors.As(err, &ke) || ke.Op != "Sign" {
		t.Fatalf("certifying with a symmetric key: %v", err)
	}
}

// writePEM writes the public key of the KMS key arn as PEM, as
// 'aws kms get-public-key' output converts to.
func writePEM(t *testing.T, client *kms.Client, arn string) string {
	t.Helper()
	out, err := client.GetPublicKey(ctxBG, &kms.GetPublicKeyInput{KeyId: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKIXPublicKey(out.PublicKey); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: out.PublicKey}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCLIAuditVerifyKMS runs 'compliance audit verify' against chains
// certified by a local KMS, configured only through the standard AWS
// environment variables.
func TestCLIAuditVerifyKMS(t *testing.T) {
	bin := buildCLI(t)
	s := localkms.Start(t)
	arn := s.CreateSigningKey(t)
	other := s.CreateSigningKey(t)
	client := s.Client()
	env := cliEnv(s)
	log, uid := kmsChain(t, audit.KMSCertifier(client, arn), 3, nil, nil)
	file := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(file, log, 0o600); err != nil {
		t.Fatal(err)
	}

	status, out, stderr := runCLI(t, bin, env, nil, "audit", "verify", "--kms", file)
	want := uid + ": valid (5 records, certified by " + arn + ")\n"
	if status != 0 || len(stderr) != 0 || !strings.HasPrefix(string(out), want) {
		t.Fatalf("--kms: status %d, stdout %s, stderr %s", status, out, stderr)
	}
	// The same from stdin, with the key as PEM, without KMS.
	status, out, stderr = runCLI(t, bin, env, log, "audit", "verify", "--public-key-pem", writePEM(t, client, arn))
	if status != 0 || !strings.HasPrefix(string(out), want) {
		t.Fatalf("--public-key-pem: status %d, stdout %s, stderr %s", status, out, stderr)
	}
	// Another signing key's public key: it certifies nothing, the chain is
	// uncertified; tied to the chain's key ARN, the certificate is forged.
	otherPEM := writePEM(t, client, other)
	status, out, _ = runCLI(t, bin, env, log, "audit", "verify", "--public-key-pem", otherPEM)
	if status != 1 || !strings.Contains(string(out), uid+": uncertified (5 records)\n  seq 0 line 1: uncertified: certificate not checked: no public key for "+arn) {
		t.Fatalf("other key: status %d, stdout %s", status, out)
	}
	status, out, _ = runCLI(t, bin, env, log, "audit", "verify", "--public-key-pem", arn+"="+otherPEM)
	if status != 1 || !strings.Contains(string(out), uid+": forged (5 records)\n  seq 0 line 1: forged: certificate does not verify") {
		t.Fatalf("other key for the ARN: status %d, stdout %s", status, out)
	}

	// An HMAC-mode chain whose first key is a KMS data key: --kms decrypts
	// the key ciphertext of the genesis record and checks every signature.
	dk, err := client.GenerateDataKey(ctxBG, &kms.GenerateDataKeyInput{KeyId: aws.String(s.CreateKey(t)), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		t.Fatal(err)
	}
	hlog, huid := kmsChain(t, audit.KMSCertifier(client, arn), 3, dk.Plaintext, dk.CiphertextBlob)
	status, out, stderr = runCLI(t, bin, env, hlog, "audit", "verify", "--kms")
	if status != 0 || !strings.HasPrefix(string(out), huid+": valid (5 records, certified by "+arn+")\n") {
		t.Fatalf("HMAC chain: status %d, stdout %s, stderr %s", status, out, stderr)
	}
	tampered := bytes.Replace(hlog, []byte(`"req-0002"`), []byte(`"req-9999"`), 1)
	if status, out, _ = runCLI(t, bin, env, tampered, "audit", "verify", "--kms"); status != 1 || !strings.Contains(string(out), ": modified (") {
		t.Fatalf("tampered HMAC chain: status %d, stdout %s", status, out)
	}

	// KMS down: nothing can be concluded, exit 2 with the KMS error.
	s.Close()
	status, out, stderr = runCLI(t, bin, env, log, "audit", "verify", "--kms")
	if status != 2 || len(out) != 0 || !strings.HasPrefix(string(stderr), "compliance: audit verify: audit: KMS GetPublicKey with key "+arn) {
		t.Fatalf("KMS down: status %d, stdout %s, stderr %s", status, out, stderr)
	}
}

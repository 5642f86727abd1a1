package integration_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/integration/localkms"
)

// lockedBuffer collects what a wrapped function writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.b.Bytes())
}

func invokeN(t *testing.T, h *compliance.Handler, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("req-%03d", i)
		ids = append(ids, id)
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
			AwsRequestID:       id,
			InvokedFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:orders",
		})
		if _, err := h.Invoke(ctx, []byte(`{"id":7}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestWrapAuditChainCertifiedByKMS deploys a wrapped function with
// COMPLIANCE_AUDIT_KMS_KEY_ID naming an ECC_NIST_P256 signing key: its chain
// verifies as valid under the key's public key from GetPublicKey, and
// KMS signed once for many invocations.
func TestWrapAuditChainCertifiedByKMS(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateSigningKey(t)
	env := localEnv(s)
	env["COMPLIANCE_AUDIT_KMS_KEY_ID"] = arn
	for k, v := range env {
		t.Setenv(k, v)
	}
	out := &lockedBuffer{}
	h := compliance.Wrap(func(ctx context.Context) (string, error) { return "ok", nil }, compliance.WithOutput(out)).(*compliance.Handler)
	ids := invokeN(t, h, 40)
	if got := s.Calls("Sign"); got != 1 {
		t.Errorf("40 invocations made %d KMS Sign calls, want 1", got)
	}
	if bytes.Contains(out.Bytes(), []byte("uncertified")) {
		t.Error("a WARN line says the chain is uncertified although a signing key is configured")
	}

	ctx := context.Background()
	pub, err := audit.KMSPublicKey(ctx, s.Client(), arn)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, bytes.NewReader(out.Bytes()), audit.VerifyOptions{
		PublicKeys: map[string]*ecdsa.PublicKey{arn: pub},
		RequestIDs: ids,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Chains) != 1 {
		t.Fatalf("report %+v: want one valid chain", rep)
	}
	c := rep.Chains[0]
	if c.Status != audit.StatusValid || !c.Certified || c.KeyARN != arn || c.Records != len(ids)+2 {
		t.Errorf("chain %+v: want valid, certified by %s, %d records", c, arn, len(ids)+2)
	}

	// The same chain through KMS GetPublicKey, as `audit verify --kms` does.
	rep, err = audit.Verify(ctx, bytes.NewReader(out.Bytes()), audit.VerifyOptions{KMS: s.Client()})
	if err != nil || !rep.OK() {
		t.Fatalf("verify with KMS: %v %+v", err, rep)
	}
}

// TestWrapAuditSigningKeyFailsClosed: a signing key KMS will not use fails
// the invocation with an AuditError (no response without a record).
func TestWrapAuditSigningKeyFailsClosed(t *testing.T) {
	s := localkms.Start(t)
	for k, v := range localEnv(s) {
		t.Setenv(k, v)
	}
	missing := "arn:aws:kms:" + s.Region + ":111122223333:key/00000000-0000-0000-0000-000000000000"
	h := compliance.Wrap(func() (string, error) { return "ok", nil },
		compliance.WithAuditSigningKey(missing), compliance.WithOutput(&lockedBuffer{}))
	resp, err := h.Invoke(context.Background(), []byte(`{}`))
	if _, ok := err.(*compliance.AuditError); !ok || resp != nil {
		t.Fatalf("got %q, %v (%T); want no response and an *AuditError", resp, err, err)
	}
}

// TestWrapAuditHMACModeAndDigestKey: COMPLIANCE_AUDIT_HMAC_KEY_KMS puts the
// chain in HMAC mode, verifiable with the data key; with
// COMPLIANCE_REDACT_HMAC_KEY_KMS the payload digests are reproducible.
func TestWrapAuditHMACModeAndDigestKey(t *testing.T) {
	s := localkms.Start(t)
	arn := s.CreateKey(t)
	for k, v := range localEnv(s) {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	dk, err := s.Client().GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &arn, NumberOfBytes: aws.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := s.Client().GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &arn, NumberOfBytes: aws.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("COMPLIANCE_AUDIT_HMAC_KEY_KMS", base64.StdEncoding.EncodeToString(dk.CiphertextBlob))
	t.Setenv("COMPLIANCE_REDACT_HMAC_KEY_KMS", base64.StdEncoding.EncodeToString(rk.CiphertextBlob))
	out := &lockedBuffer{}
	h := compliance.Wrap(func() (string, error) { return "ok", nil }, compliance.WithOutput(out)).(*compliance.Handler)
	invokeN(t, h, 5)
	if bytes.Contains(out.Bytes(), []byte(`"reproducible":false`)) || !bytes.Contains(out.Bytes(), []byte(`"hmac":true`)) {
		t.Errorf("want an HMAC chain with reproducible digests:\n%s", out.Bytes())
	}
	rep, err := audit.Verify(ctx, bytes.NewReader(out.Bytes()), audit.VerifyOptions{HMACKey: dk.Plaintext})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Chains) != 1 || !rep.Intact() || rep.Chains[0].Algorithm != audit.AlgorithmHS256 {
		t.Fatalf("report %+v: want one intact HS256 chain", rep.Chains)
	}
	wrong := bytes.Repeat([]byte{1}, 32)
	rep, err = audit.Verify(ctx, bytes.NewReader(out.Bytes()), audit.VerifyOptions{HMACKey: wrong})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Intact() {
		t.Error("the chain verifies under a wrong HMAC key")
	}
}

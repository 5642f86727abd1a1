package compliance_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/redact"
)

// TestRedactionKeyFromKMSBadBlob: a value that is not base64 fails every
// invocation with a *ConfigError naming the variable, before any KMS call.
// (The KMS round trip is in the integration module, against a local KMS.)
func TestRedactionKeyFromKMSBadBlob(t *testing.T) {
	t.Setenv("COMPLIANCE_REDACT_HMAC_KEY_KMS", "not base64!")
	h := compliance.Wrap(func(context.Context) error { return nil })
	_, err := h.Invoke(context.Background(), []byte(`{}`))
	var ce *compliance.ConfigError
	if !errors.As(err, &ce) || ce.Var != "COMPLIANCE_REDACT_HMAC_KEY_KMS" {
		t.Fatalf("got %v, want a *ConfigError naming COMPLIANCE_REDACT_HMAC_KEY_KMS", err)
	}
}

// So does one in COMPLIANCE_AUDIT_HMAC_KEY_KMS.
func TestAuditHMACKeyFromKMSBadBlob(t *testing.T) {
	for _, v := range []string{"not base64!", "===="} {
		t.Setenv("COMPLIANCE_AUDIT_HMAC_KEY_KMS", v)
		h := compliance.Wrap(func(context.Context) error { return nil })
		_, err := h.Invoke(context.Background(), []byte(`{}`))
		var ce *compliance.ConfigError
		if !errors.As(err, &ce) || ce.Var != "COMPLIANCE_AUDIT_HMAC_KEY_KMS" {
			t.Fatalf("%q: got %v, want a *ConfigError naming COMPLIANCE_AUDIT_HMAC_KEY_KMS", v, err)
		}
	}
}

// With redaction off, no key is decrypted, and the caller's own HMAC key is
// neither used for the audit digests nor cleared.
func TestRedactionKeyFromKMSWithoutRedaction(t *testing.T) {
	t.Setenv("COMPLIANCE_REDACT_HMAC_KEY_KMS", "")
	key := bytes.Repeat([]byte{0x5a}, 32)
	h := compliance.Wrap(func(context.Context) error { return nil }, compliance.WithOutput(io.Discard),
		compliance.WithRedaction(redact.Config{HMACKey: key}), compliance.WithRedactionKeyFromKMS([]byte("blob")),
		compliance.WithoutRedaction())
	if _, err := h.Invoke(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, bytes.Repeat([]byte{0x5a}, 32)) {
		t.Errorf("the caller's HMAC key was changed to %x", key)
	}
}

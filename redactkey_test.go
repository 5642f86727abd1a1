package compliance_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lambda-compliance/compliance"
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

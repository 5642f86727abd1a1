package compliance

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/lambda-compliance/compliance/internal/kmsclient"
)

// WithRedactionKeyFromKMS keys the redaction's hmac operator with a data key
// kept encrypted by AWS KMS: ciphertext is its CiphertextBlob, as
//
//	aws kms generate-data-key-without-plaintext --key-id KEY --key-spec AES_256 \
//	    --query CiphertextBlob --output text | base64 -d
//
// makes it. Wrap has KMS decrypt it once, at cold start, through the AWS
// SDK's standard configuration, so every execution environment of the
// function (and every function given the same blob) turns a value into the
// same token, and the key itself is in no configuration. The environment
// variable COMPLIANCE_REDACT_HMAC_KEY_KMS (the blob in standard base64) takes
// precedence. If KMS cannot decrypt it, every invocation fails with a
// [*ConfigError]: nothing is logged unredacted.
func WithRedactionKeyFromKMS(ciphertext []byte) Option {
	return optionFunc(func(c *config) { c.redactKeyKMS = ciphertext })
}

// redactKeyTimeout bounds the KMS call at cold start.
const redactKeyTimeout = 5 * time.Second

// redactionKeyConfig sets c.redaction.HMACKey from the KMS data key that
// WithRedactionKeyFromKMS or COMPLIANCE_REDACT_HMAC_KEY_KMS gives.
func redactionKeyConfig(c *config) error {
	source := "WithRedactionKeyFromKMS"
	if blob, err := envKMSBlob("COMPLIANCE_REDACT_HMAC_KEY_KMS"); err != nil {
		return err
	} else if blob != nil {
		c.redactKeyKMS, source = blob, "COMPLIANCE_REDACT_HMAC_KEY_KMS"
	}
	if len(c.redactKeyKMS) == 0 || c.noRedaction || c.noKMS {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), redactKeyTimeout)
	defer cancel()
	cfg, err := c.aws.load(ctx)
	if err != nil {
		return &ConfigError{Var: source, Err: err}
	}
	key, err := kmsclient.DecryptDataKey(ctx, cfg, c.redactKeyKMS)
	if err != nil {
		return &ConfigError{Var: source, Err: err}
	}
	c.redaction.HMACKey = key
	return nil
}

// envKMSBlob returns the KMS CiphertextBlob that the environment variable
// name holds in standard base64, nil when it is unset or blank.
func envKMSBlob(name string) ([]byte, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return nil, nil
	}
	blob, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(blob) == 0 {
		return nil, &ConfigError{Var: name, Err: errors.New("want the standard base64 of a KMS CiphertextBlob")}
	}
	return blob, nil
}

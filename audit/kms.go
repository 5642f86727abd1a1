package audit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSSigner is the part of the AWS KMS client ([*kms.Client]) that
// [KMSCertifier] uses.
type KMSSigner interface {
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// KMSPublicKeyGetter is the part of the AWS KMS client ([*kms.Client]) that
// [Verify] uses to fetch the public keys that certify chains.
type KMSPublicKeyGetter interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

var (
	_ KMSSigner          = (*kms.Client)(nil)
	_ KMSPublicKeyGetter = (*kms.Client)(nil)
)

// KMSError reports a failed AWS KMS call. It names the operation and the
// key, never data.
type KMSError struct {
	Op    string // "Sign" or "GetPublicKey"
	KeyID string
	Err   error
}

// Error describes the failure; it carries no data.
func (e *KMSError) Error() string {
	return fmt.Sprintf("audit: KMS %s with key %s: %v", e.Op, e.KeyID, e.Err)
}

// Unwrap returns the KMS client's error.
func (e *KMSError) Unwrap() error { return e.Err }

// CertifierFunc adapts a function to a [Certifier].
type CertifierFunc func(ctx context.Context, digest []byte) (signature []byte, keyARN string, err error)

// Certify calls f.
func (f CertifierFunc) Certify(ctx context.Context, digest []byte) ([]byte, string, error) {
	return f(ctx, digest)
}

var _ Certifier = CertifierFunc(nil)

// KMSCertifier returns a Certifier that signs with the asymmetric
// ECC_NIST_P256 KMS key keyID (id, ARN or alias): one KMS Sign call per
// chain, MessageType DIGEST, SigningAlgorithm ECDSA_SHA_256. It reports the
// key ARN KMS returns. Errors are [*KMSError].
func KMSCertifier(client KMSSigner, keyID string) Certifier {
	return CertifierFunc(func(ctx context.Context, digest []byte) ([]byte, string, error) {
		out, err := client.Sign(ctx, &kms.SignInput{
			KeyId:            &keyID,
			Message:          digest,
			MessageType:      types.MessageTypeDigest,
			SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
		})
		if err != nil {
			return nil, "", &KMSError{Op: "Sign", KeyID: keyID, Err: err}
		}
		arn := keyID
		if out.KeyId != nil && *out.KeyId != "" {
			arn = *out.KeyId
		}
		if len(out.Signature) == 0 {
			return nil, "", &KMSError{Op: "Sign", KeyID: keyID, Err: errors.New("empty signature")}
		}
		return out.Signature, arn, nil
	})
}

// KeyError reports a public key that cannot be used to check certificates:
// not PEM or DER, or not an ECDSA P-256 key.
type KeyError struct {
	Reason string
}

// Error describes the failure; it carries no data.
func (e *KeyError) Error() string { return "audit: public key: " + e.Reason }

// ParsePublicKey parses an ECDSA P-256 public key from PEM ("PUBLIC KEY",
// as `aws kms get-public-key` output converts to) or DER
// SubjectPublicKeyInfo, for [VerifyOptions].PublicKeys.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	k, err := x509.ParsePKIXPublicKey(data)
	if err != nil {
		return nil, &KeyError{Reason: "not a DER SubjectPublicKeyInfo"}
	}
	pk, ok := k.(*ecdsa.PublicKey)
	if !ok || pk.Curve != elliptic.P256() {
		return nil, &KeyError{Reason: "not an ECDSA P-256 key"}
	}
	return pk, nil
}

// KMSPublicKey fetches the public key of the KMS key keyARN with
// GetPublicKey and parses it (an ECDSA P-256 key), for
// [VerifyOptions].PublicKeys. Errors are [*KMSError].
func KMSPublicKey(ctx context.Context, g KMSPublicKeyGetter, keyARN string) (*ecdsa.PublicKey, error) {
	out, err := g.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &keyARN})
	if err != nil {
		return nil, &KMSError{Op: "GetPublicKey", KeyID: keyARN, Err: err}
	}
	pk, err := ParsePublicKey(out.PublicKey)
	if err != nil {
		return nil, &KMSError{Op: "GetPublicKey", KeyID: keyARN, Err: err}
	}
	return pk, nil
}

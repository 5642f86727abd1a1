package encrypt

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
)

// Suite is an algorithm suite of the message format, by its two-byte id.
type Suite uint16

// The committing suites. Decrypt accepts the version-1 suites (0x0014 through
// 0x0378) only with [WithLegacyDecrypt].
const (
	// SuiteCommit is AES-256-GCM with an HKDF-SHA512 derived, committed key:
	// the default.
	SuiteCommit Suite = 0x0478
	// SuiteCommitSigned is SuiteCommit plus an ECDSA P-384 signature over
	// the whole message, for readers that must not be able to encrypt.
	SuiteCommitSigned Suite = 0x0578
)

// EncryptedDataKey is one encryption of a message's data key, as a keyring
// wrote it: ProviderID names the keyring ("aws-kms" or a raw key's
// namespace), ProviderInfo the key (a KMS key ARN, or a raw key's name and
// IV).
type EncryptedDataKey struct {
	ProviderID   string
	ProviderInfo []byte
	Ciphertext   []byte
}

// EncryptionMaterials is what encrypting one message needs. A keyring's
// OnEncrypt sets DataKey when it is nil (a generator) and appends an
// encryption of it to EncryptedDataKeys.
type EncryptionMaterials struct {
	Suite             Suite
	Context           map[string]string // the full encryption context, stored in the header
	DataKey           []byte            // the plaintext data key, 32 bytes
	EncryptedDataKeys []EncryptedDataKey
	SigningKey        *ecdsa.PrivateKey // signed suites only
}

// DecryptionMaterials is what decrypting one message needs. A keyring's
// OnDecrypt sets DataKey from the first encrypted data key it can decrypt.
type DecryptionMaterials struct {
	Suite           Suite
	Context         map[string]string
	DataKey         []byte
	VerificationKey *ecdsa.PublicKey // signed suites only
}

// Keyring wraps and unwraps data keys.
type Keyring interface {
	// OnEncrypt generates m.DataKey when it is nil, or fails if it cannot,
	// and appends its encryption of m.DataKey to m.EncryptedDataKeys.
	OnEncrypt(ctx context.Context, m *EncryptionMaterials) error
	// OnDecrypt sets m.DataKey from the first of keys it can decrypt. It
	// leaves m.DataKey nil and returns nil when none of keys is its own.
	OnDecrypt(ctx context.Context, m *DecryptionMaterials, keys []EncryptedDataKey) error
}

// EncryptionRequest asks a MaterialsManager for the materials of one message.
type EncryptionRequest struct {
	Suite           Suite
	Context         map[string]string
	PlaintextLength int64 // -1 when unknown (streaming)
}

// DecryptionRequest asks a MaterialsManager for the materials to decrypt one
// message with the given header fields.
type DecryptionRequest struct {
	Suite             Suite
	Context           map[string]string
	EncryptedDataKeys []EncryptedDataKey
}

// MaterialsManager hands out the materials of each message: the default one
// asks a Keyring each time ([NewMaterialsManager]); a caching one reuses them
// within limits ([NewCachingMaterialsManager]).
type MaterialsManager interface {
	EncryptionMaterials(ctx context.Context, req EncryptionRequest) (*EncryptionMaterials, error)
	DecryptionMaterials(ctx context.Context, req DecryptionRequest) (*DecryptionMaterials, error)
}

// ErrDecrypt is the error, matched with errors.Is, of every decryption that
// fails because of the message's keys, content or authentication: which of
// them it was is not said, as in any AEAD.
var ErrDecrypt = errors.New("encrypt: message cannot be decrypted")

// FormatError reports a message whose structure is not the message format, at
// a byte offset. It never carries message content.
type FormatError struct {
	Offset int64
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("encrypt: malformed message at byte %d: %s", e.Offset, e.Reason)
}

// ContextError reports an encryption context that cannot be used: a reserved
// key on encrypt, or a required pair missing or different on decrypt. It
// names the key, never a value.
type ContextError struct {
	Key    string
	Reason string
}

func (e *ContextError) Error() string {
	return fmt.Sprintf("encrypt: encryption context key %q: %s", e.Key, e.Reason)
}

// LimitError reports a message or a request beyond a configured limit (the
// number of encrypted data keys, a frame length).
type LimitError struct {
	What  string
	Limit int64
	Got   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("encrypt: %s is %d, over the limit of %d", e.What, e.Got, e.Limit)
}

// PolicyError reports a message that the decrypt policy refuses: a suite
// without key commitment or a non-framed body without [WithLegacyDecrypt], or
// a suite the Encryptor is not configured for.
type PolicyError struct {
	Suite  Suite
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("encrypt: suite 0x%04X refused: %s", uint16(e.Suite), e.Reason)
}

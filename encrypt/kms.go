package encrypt

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// KMSClient is the part of *kms.Client a KMS keyring uses.
type KMSClient interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ KMSClient = (*kms.Client)(nil)

// KMSProviderID is the provider id of the encrypted data keys a KMS keyring
// writes, as every AWS Encryption SDK writes it.
const KMSProviderID = "aws-kms"

// KMSErrorKind classifies a failed KMS call, so callers can branch on it
// (retry a throttled call, alert on a disabled key) without parsing error
// codes.
type KMSErrorKind int

// The kinds of KMS errors.
const (
	// KMSOther is any error not classified below.
	KMSOther KMSErrorKind = iota
	// KMSThrottled is a request over the account's quota
	// (ThrottlingException, LimitExceededException): retry with backoff.
	KMSThrottled
	// KMSTimeout is a call that ran out of time: the context's deadline or a
	// network timeout.
	KMSTimeout
	// KMSAccessDenied is a caller without permission on the key
	// (AccessDeniedException) or with invalid credentials.
	KMSAccessDenied
	// KMSKeyUnusable is a key that is disabled, pending deletion, unavailable
	// or not found (DisabledException, KMSInvalidStateException,
	// KeyUnavailableException, NotFoundException).
	KMSKeyUnusable
	// KMSInvalidCiphertext is an encrypted data key that the key cannot
	// decrypt, or not under this encryption context
	// (InvalidCiphertextException, IncorrectKeyException).
	KMSInvalidCiphertext
	// KMSUnavailable is KMS not answering or failing on its side: connection
	// refused or reset, DependencyTimeoutException, KMSInternalException.
	KMSUnavailable
	// KMSInvalidResponse is an answer of KMS that the keyring refuses: a data
	// key of the wrong length, or another key than the one asked.
	KMSInvalidResponse
	// KMSInvalidKeyID is a configured key ID that cannot be used for the
	// operation: decrypt needs key ARNs, not aliases or bare key IDs.
	KMSInvalidKeyID
)

var kmsKindNames = [...]string{
	KMSOther:             "error",
	KMSThrottled:         "throttled",
	KMSTimeout:           "timeout",
	KMSAccessDenied:      "access denied",
	KMSKeyUnusable:       "key unusable",
	KMSInvalidCiphertext: "invalid ciphertext",
	KMSUnavailable:       "unavailable",
	KMSInvalidResponse:   "invalid response",
	KMSInvalidKeyID:      "invalid key id",
}

// String returns the kind's name, as it appears in error messages.
func (k KMSErrorKind) String() string {
	if k >= 0 && int(k) < len(kmsKindNames) {
		return kmsKindNames[k]
	}
	return fmt.Sprintf("KMSErrorKind(%d)", int(k))
}

// KMSError reports a failed call of a KMS keyring to KMS: the operation
// (GenerateDataKey, Encrypt or Decrypt), the key asked, the kind of failure
// and the underlying error of the SDK. It never carries key material: a
// keyring that gets a KMSError writes no encrypted data key and never falls
// back to plaintext.
type KMSError struct {
	Op    string
	KeyID string
	Kind  KMSErrorKind
	Err   error
}

// Error returns "encrypt: kms Op KeyID: kind: underlying error".
func (e *KMSError) Error() string {
	msg := "encrypt: kms " + e.Op + " " + e.KeyID + ": " + e.Kind.String()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *KMSError) Unwrap() error { return e.Err }

// kmsError classifies err, the error of a KMS call op on keyID.
func kmsError(op, keyID string, err error) *KMSError {
	return &KMSError{Op: op, KeyID: keyID, Kind: classifyKMS(err), Err: err}
}

func classifyKMS(err error) KMSErrorKind {
	if errors.Is(err, context.DeadlineExceeded) {
		return KMSTimeout
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		switch code {
		case "ThrottlingException", "LimitExceededException", "RequestLimitExceeded", "TooManyRequestsException":
			return KMSThrottled
		case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
			"IncompleteSignature", "ExpiredTokenException", "MissingAuthenticationToken":
			return KMSAccessDenied
		case "DisabledException", "KMSInvalidStateException", "KeyUnavailableException", "NotFoundException":
			return KMSKeyUnusable
		case "InvalidCiphertextException", "IncorrectKeyException":
			return KMSInvalidCiphertext
		case "DependencyTimeoutException", "KMSInternalException", "InternalFailure", "InternalServerError",
			"ServiceUnavailable", "ServiceUnavailableException":
			return KMSUnavailable
		}
		if strings.Contains(strings.ToLower(code), "throttl") {
			return KMSThrottled
		}
		return KMSOther
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KMSTimeout
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return KMSUnavailable
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return KMSUnavailable
	}
	return KMSOther
}

// kmsARN matches a KMS key ARN, in any partition.
var kmsARN = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[^/]+$`)

// KMSKeyring returns a keyring over AWS KMS keys: the first of keyIDs
// generates each data key (GenerateDataKey), the others encrypt it too
// (Encrypt; another Region, another account), all under the message's full
// encryption context. When another keyring already generated the data key
// (see [MultiKeyring]), every key only encrypts it. Each encrypted data key
// has provider id "aws-kms" and, as provider info, the key ARN that KMS
// returned.
//
// On decrypt only these keys are tried, on the encrypted data keys that name
// them, first success wins. For that their IDs must be key ARNs
// (arn:aws:kms:region:account:key/id): aliases and bare key IDs are fine to
// encrypt, but a keyring holding one refuses to decrypt with a *KMSError of
// kind KMSInvalidKeyID. When no key decrypts, the error matches [ErrDecrypt]
// and, with errors.As, the *KMSError of each failed call.
//
// Failed calls return a *KMSError that says what kind of failure it was.
func KMSKeyring(client KMSClient, keyIDs ...string) (Keyring, error) {
	if client == nil {
		return nil, errors.New("encrypt: KMSKeyring needs a KMS client")
	}
	if len(keyIDs) == 0 {
		return nil, errors.New("encrypt: KMSKeyring needs at least one key ID")
	}
	for _, id := range keyIDs {
		if id == "" {
			return nil, errors.New("encrypt: KMSKeyring key IDs must not be empty")
		}
		if len(id) > 0xFFFF {
			return nil, errors.New("encrypt: KMSKeyring key ID too long")
		}
	}
	return &kmsKeyring{client: client, keyIDs: slices.Clone(keyIDs)}, nil
}

type kmsKeyring struct {
	client KMSClient
	keyIDs []string
}

// KMSKeyringByRegion is KMSKeyring over keys in several Regions (a
// multi-Region key's replicas, a key per Region for disaster recovery): each
// key is called through the client clientFor returns for its Region, ""
// for a key given without one (an alias or a bare key ID). The first key
// generates the data keys.
func KMSKeyringByRegion(clientFor func(region string) (KMSClient, error), keyIDs ...string) (Keyring, error) {
	if clientFor == nil {
		return nil, errors.New("encrypt: KMSKeyringByRegion needs a client for each Region")
	}
	if len(keyIDs) == 0 {
		return nil, errors.New("encrypt: KMSKeyring needs at least one key ID")
	}
	rings := make([]Keyring, len(keyIDs))
	for i, id := range keyIDs {
		client, err := clientFor(KeyRegion(id))
		if err != nil {
			return nil, fmt.Errorf("encrypt: no KMS client for the Region of key %s: %w", id, err)
		}
		if rings[i], err = KMSKeyring(client, id); err != nil {
			return nil, err
		}
	}
	if len(rings) == 1 {
		return rings[0], nil
	}
	return MultiKeyring(rings[0], rings[1:]...), nil
}

// KeyRegion returns the Region of a KMS key or alias ARN, or "" for an ID
// that is not an ARN.
func KeyRegion(id string) string {
	if parts := strings.SplitN(id, ":", 6); len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" {
		return parts[3]
	}
	return ""
}

var _ Keyring = (*kmsKeyring)(nil)

// kmsContext is the encryption context as KMS takes it: nil when empty.
func kmsContext(ec map[string]string) map[string]string {
	if len(ec) == 0 {
		return nil
	}
	return ec
}

// OnEncrypt implements Keyring.
func (k *kmsKeyring) OnEncrypt(ctx context.Context, m *EncryptionMaterials) error {
	n := m.Suite.DataKeyLength()
	if n == 0 {
		n = 32
	}
	ec := kmsContext(m.Context)
	edks := make([]EncryptedDataKey, 0, len(k.keyIDs))
	ids := k.keyIDs
	generated := false
	if m.DataKey == nil {
		id := ids[0]
		ids = ids[1:]
		out, err := k.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
			KeyId: &id, NumberOfBytes: ptr(int32(n)), EncryptionContext: ec,
		})
		if err != nil {
			return kmsError("GenerateDataKey", id, err)
		}
		if out == nil || len(out.Plaintext) != n {
			if out != nil {
				clear(out.Plaintext)
			}
			return &KMSError{Op: "GenerateDataKey", KeyID: id, Kind: KMSInvalidResponse,
				Err: errors.New("data key of the wrong length")}
		}
		if out.KeyId == nil || *out.KeyId == "" || len(out.CiphertextBlob) == 0 {
			clear(out.Plaintext)
			return &KMSError{Op: "GenerateDataKey", KeyID: id, Kind: KMSInvalidResponse,
				Err: errors.New("no key ARN or ciphertext in the response")}
		}
		m.DataKey = out.Plaintext
		generated = true
		edks = append(edks, EncryptedDataKey{ProviderID: KMSProviderID, ProviderInfo: []byte(*out.KeyId), Ciphertext: out.CiphertextBlob})
	}
	for _, id := range ids {
		out, err := k.client.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: m.DataKey, EncryptionContext: ec})
		if err == nil && (out == nil || out.KeyId == nil || *out.KeyId == "" || len(out.CiphertextBlob) == 0) {
			err = &KMSError{Op: "Encrypt", KeyID: id, Kind: KMSInvalidResponse,
				Err: errors.New("no key ARN or ciphertext in the response")}
		}
		if err != nil {
			if generated {
				clear(m.DataKey)
				m.DataKey = nil
			}
			var ke *KMSError
			if errors.As(err, &ke) {
				return err
			}
			return kmsError("Encrypt", id, err)
		}
		edks = append(edks, EncryptedDataKey{ProviderID: KMSProviderID, ProviderInfo: []byte(*out.KeyId), Ciphertext: out.CiphertextBlob})
	}
	m.EncryptedDataKeys = append(m.EncryptedDataKeys, edks...)
	return nil
}

// OnDecrypt implements Keyring.
func (k *kmsKeyring) OnDecrypt(ctx context.Context, m *DecryptionMaterials, keys []EncryptedDataKey) error {
	if m.DataKey != nil {
		return nil
	}
	for _, id := range k.keyIDs {
		if !kmsARN.MatchString(id) {
			return &KMSError{Op: "Decrypt", KeyID: id, Kind: KMSInvalidKeyID,
				Err: errors.New("decrypt needs key ARNs (arn:aws:kms:region:account:key/id), not aliases or key IDs")}
		}
	}
	n := m.Suite.DataKeyLength()
	ec := kmsContext(m.Context)
	var errs []error
	for _, edk := range keys {
		if edk.ProviderID != KMSProviderID || !slices.Contains(k.keyIDs, string(edk.ProviderInfo)) {
			continue
		}
		arn := string(edk.ProviderInfo)
		out, err := k.client.Decrypt(ctx, &kms.DecryptInput{KeyId: &arn, CiphertextBlob: edk.Ciphertext, EncryptionContext: ec})
		if err != nil {
			errs = append(errs, kmsError("Decrypt", arn, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if out == nil || out.KeyId == nil || subtle.ConstantTimeCompare([]byte(*out.KeyId), edk.ProviderInfo) != 1 {
			if out != nil {
				clear(out.Plaintext)
			}
			errs = append(errs, &KMSError{Op: "Decrypt", KeyID: arn, Kind: KMSInvalidResponse,
				Err: errors.New("KMS decrypted with another key than the one asked")})
			continue
		}
		if n != 0 && len(out.Plaintext) != n {
			clear(out.Plaintext)
			errs = append(errs, &KMSError{Op: "Decrypt", KeyID: arn, Kind: KMSInvalidResponse,
				Err: errors.New("data key of the wrong length")})
			continue
		}
		m.DataKey = out.Plaintext
		return nil
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(append([]error{ErrDecrypt}, errs...)...)
}

func ptr[T any](v T) *T { return &v }

// MultiKeyring combines keyrings, for example a KMS keyring and a raw AES
// one kept as a break-glass key. On encrypt the generator makes the data key
// and every keyring encrypts it, generator first: the message can be
// decrypted by any of them. On decrypt each is asked in turn, generator
// first, until one sets the data key; the errors of the others are returned
// only when none does.
func MultiKeyring(generator Keyring, others ...Keyring) Keyring {
	return &combinedKeyring{generator: generator, others: slices.Clone(others)}
}

type combinedKeyring struct {
	generator Keyring
	others    []Keyring
}

var _ Keyring = (*combinedKeyring)(nil)

// OnEncrypt implements Keyring.
func (mk *combinedKeyring) OnEncrypt(ctx context.Context, m *EncryptionMaterials) error {
	if mk.generator == nil {
		if m.DataKey == nil {
			return errors.New("encrypt: MultiKeyring has no generator")
		}
	} else if err := mk.generator.OnEncrypt(ctx, m); err != nil {
		return err
	}
	for _, k := range mk.others {
		if k == nil {
			continue
		}
		if err := k.OnEncrypt(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// OnDecrypt implements Keyring.
func (mk *combinedKeyring) OnDecrypt(ctx context.Context, m *DecryptionMaterials, keys []EncryptedDataKey) error {
	var errs []error
	for _, k := range append([]Keyring{mk.generator}, mk.others...) {
		if m.DataKey != nil {
			return nil
		}
		if k == nil {
			continue
		}
		if err := k.OnDecrypt(ctx, m, keys); err != nil {
			errs = append(errs, err)
		}
	}
	if m.DataKey != nil {
		return nil
	}
	return errors.Join(errs...)
}

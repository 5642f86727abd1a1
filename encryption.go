package compliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/lambda-compliance/compliance/encrypt"
	"github.com/lambda-compliance/compliance/internal/kmsclient"
	"github.com/lambda-compliance/compliance/middleware"
)

// WithKMSKey sets the AWS KMS keys of the invocation's [Encryptor]: the first
// generates each data key, the others (another Region, another account)
// encrypt it too. Give key ARNs: only keys named by ARN can decrypt. Data keys
// are cached as Powertools for AWS Lambda caches them (100 entries, 5
// minutes; see [encrypt.CacheConfig]). The environment variable
// COMPLIANCE_KMS_KEY_ID (comma-separated), when set, takes precedence. Key IDs
// are checked as that variable's are: with none, or with one that is not a
// KMS key ID, every invocation fails with a [*ConfigError].
//
// The KMS client is built on first use of [Encryptor] in an invocation, not
// by [Wrap], from the environment of the function as the AWS SDK reads it
// (AWS_REGION, AWS_ENDPOINT_URL_KMS, the credentials of the execution role).
func WithKMSKey(keyIDs ...string) Option {
	return optionFunc(func(c *config) { c.kmsKeyIDs, c.kmsKeySet = slices.Clone(keyIDs), true })
}

// WithEncryptor sets the invocation's [Encryptor] to e, built with any keyring
// and options of package encrypt (a raw AES key in tests, several keyrings,
// another cache). It replaces [WithKMSKey]; COMPLIANCE_KMS_KEY_ID, when set,
// replaces both, so that operators choose the key of a deployed function.
func WithEncryptor(e *encrypt.Encryptor) Option {
	return optionFunc(func(c *config) { c.encryptor = e })
}

// Encryptor returns the encryptor of the invocation ctx belongs to, as
// [WithKMSKey], [WithEncryptor] or COMPLIANCE_KMS_KEY_ID configured it, for
// handler code to encrypt fields of its responses or records:
//
//	out, err := compliance.Encryptor(ctx).EncryptFields(ctx, doc, []string{"$.user.email"}, nil)
//
// It never returns nil. When no key is configured, or outside an invocation
// wrapped by [Wrap], every call of the returned Encryptor fails with an
// [*EncryptorError] that matches [ErrNoEncryptionKey]; when the KMS client
// cannot be built, every call fails with an *EncryptorError that says why,
// and the next invocation tries again. Encryption never falls back to
// plaintext.
func Encryptor(ctx context.Context) *encrypt.Encryptor {
	if s, ok := ctx.Value(encryptorKey{}).(*encryptorSource); ok {
		return s.get(ctx)
	}
	return noKeyEncryptor()
}

// ErrNoEncryptionKey is matched, with errors.Is, by the errors of the
// Encryptor that [Encryptor] returns where no key is configured.
var ErrNoEncryptionKey = errors.New("compliance: no encryption key is configured: use WithKMSKey, WithEncryptor or COMPLIANCE_KMS_KEY_ID")

// EncryptorError reports an invocation's [Encryptor] that cannot encrypt or
// decrypt: no key is configured, or its KMS client cannot be built. It never
// carries key material or plaintext.
type EncryptorError struct {
	Reason string // what is wrong; empty when Err says it all
	Err    error  // the underlying error: ErrNoEncryptionKey, the AWS SDK's
}

// Error returns "compliance: encryptor: " and the reason.
func (e *EncryptorError) Error() string {
	if e.Reason == "" && e.Err != nil {
		return e.Err.Error()
	}
	msg := "compliance: encryptor: " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *EncryptorError) Unwrap() error { return e.Err }

type encryptorKey struct{}

// encryptorSource hands out the Encryptor of a Wrap, building the KMS one on
// first use.
type encryptorSource struct {
	fixed  *encrypt.Encryptor // WithEncryptor
	keyIDs []string           // WithKMSKey or COMPLIANCE_KMS_KEY_ID
	aws    *awsConfigSource

	built atomic.Pointer[encrypt.Encryptor] // set once, under mu; read without it
	mu    sync.Mutex                        // serialises building
}

// newEncryptorSource returns the source c describes, nil when c configures
// no encryption.
func newEncryptorSource(c *config) *encryptorSource {
	switch {
	case c.encryptor != nil:
		return &encryptorSource{fixed: c.encryptor}
	case len(c.kmsKeyIDs) > 0:
		return &encryptorSource{keyIDs: c.kmsKeyIDs, aws: c.aws}
	}
	return nil
}

// get returns the Encryptor; s is never nil (encryption puts no nil source
// in a context).
func (s *encryptorSource) get(ctx context.Context) *encrypt.Encryptor {
	if s.fixed != nil {
		return s.fixed
	}
	if e := s.built.Load(); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.built.Load(); e != nil {
		return e
	}
	e, err := newKMSEncryptor(ctx, s.aws, s.keyIDs)
	if err != nil {
		// Not kept: the next invocation tries again.
		return failingEncryptor(err)
	}
	s.built.Store(e)
	return e
}

// loadAWSConfig loads the AWS SDK's configuration from the environment.
var loadAWSConfig = func(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) }

// awsConfigSource loads the AWS SDK's configuration once for everything of
// a Wrap that calls KMS (the redaction key, the audit chain, the
// Encryptor): a load that failed is not kept, so the next caller tries
// again. A nil source loads on every call.
type awsConfigSource struct {
	mu  sync.Mutex
	cfg *aws.Config // under mu
}

func (s *awsConfigSource) load(ctx context.Context) (aws.Config, error) {
	if s == nil {
		return loadAWSConfig(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg != nil {
		return *s.cfg, nil
	}
	cfg, err := loadAWSConfig(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	s.cfg = &cfg
	return cfg, nil
}

// newKMSEncryptor builds an Encryptor over the KMS keys keyIDs with the
// default data key cache.
func newKMSEncryptor(ctx context.Context, awsCfg *awsConfigSource, keyIDs []string) (*encrypt.Encryptor, error) {
	cfg, err := awsCfg.load(ctx)
	if err != nil {
		return nil, &EncryptorError{Reason: "loading the AWS configuration failed", Err: err}
	}
	kr, err := kmsclient.Keyring(cfg, keyIDs...)
	if err != nil {
		return nil, &EncryptorError{Reason: "building the KMS keyring failed", Err: err}
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr), encrypt.WithCache(encrypt.CacheConfig{}))
	if err != nil {
		return nil, &EncryptorError{Reason: "building the encryptor failed", Err: err}
	}
	return e, nil
}

// failingMaterials fails every request with err.
type failingMaterials struct{ err error }

func (f failingMaterials) EncryptionMaterials(context.Context, encrypt.EncryptionRequest) (*encrypt.EncryptionMaterials, error) {
	return nil, f.err
}

func (f failingMaterials) DecryptionMaterials(context.Context, encrypt.DecryptionRequest) (*encrypt.DecryptionMaterials, error) {
	return nil, f.err
}

// failingEncryptor returns an Encryptor whose every call fails with err.
func failingEncryptor(err error) *encrypt.Encryptor {
	e, newErr := encrypt.New(encrypt.WithMaterialsManager(failingMaterials{err}))
	if newErr != nil {
		panic("compliance: " + newErr.Error()) // New with only a materials manager cannot fail
	}
	return e
}

var noKeyEncryptor = sync.OnceValue(func() *encrypt.Encryptor {
	return failingEncryptor(&EncryptorError{Err: ErrNoEncryptionKey})
})

// encryption is the middleware that hands the handler its Encryptor.
func encryption(s *encryptorSource) middleware.Middleware {
	if s == nil {
		return nil
	}
	return func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			return next.Invoke(context.WithValue(ctx, encryptorKey{}, s), payload)
		})
	}
}

// kmsKeyIDPattern matches what KMS accepts as a key ID: a key or alias ARN,
// an alias name, a key ID.
var kmsKeyIDPattern = regexp.MustCompile(`^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_+=,.@-]+|alias/[A-Za-z0-9/_-]+|(mrk-)?[0-9a-fA-F-]{32,36})$`)

// encryptionConfig checks the key IDs of WithKMSKey, then applies
// COMPLIANCE_KMS_KEY_ID to c, in place of WithKMSKey and WithEncryptor.
func encryptionConfig(c *config) error {
	if c.kmsKeySet {
		if len(c.kmsKeyIDs) == 0 {
			return &ConfigError{Var: "WithKMSKey", Err: errors.New("no key ID given")}
		}
		for _, id := range c.kmsKeyIDs {
			if !kmsKeyIDPattern.MatchString(id) {
				return &ConfigError{Var: "WithKMSKey", Err: fmt.Errorf("want KMS key ARNs, got %q", id)}
			}
		}
	}
	const name = "COMPLIANCE_KMS_KEY_ID"
	v, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	var ids []string
	for id := range strings.SplitSeq(v, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !kmsKeyIDPattern.MatchString(id) {
			return &ConfigError{Var: name, Err: fmt.Errorf("want comma-separated KMS key ARNs, got %q", id)}
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return &ConfigError{Var: name, Err: errors.New("no key ARN in the list")}
	}
	c.kmsKeyIDs, c.encryptor = ids, nil // the operator's keys replace WithEncryptor too
	return nil
}

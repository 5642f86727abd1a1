package encrypt

// Option configures an Encryptor.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	keyring           Keyring
	materials         MaterialsManager
	cache             *CacheConfig
	suite             Suite
	frameLength       int
	maxDataKeys       int
	legacy            bool
	plainFieldContext bool
}

// Defaults of an Encryptor.
const (
	DefaultFrameLength          = 4096
	DefaultMaxEncryptedDataKeys = 10
)

// WithKeyring sets the keyring the default materials manager asks for data
// keys. One of WithKeyring or WithMaterialsManager is required.
func WithKeyring(k Keyring) Option { return optionFunc(func(c *config) { c.keyring = k }) }

// WithMaterialsManager sets the materials manager, in place of the default one
// over WithKeyring's keyring.
func WithMaterialsManager(m MaterialsManager) Option {
	return optionFunc(func(c *config) { c.materials = m })
}

// WithCache reuses data keys within the limits of cfg (zero fields take their
// defaults): the materials manager is wrapped in a caching one.
func WithCache(cfg CacheConfig) Option { return optionFunc(func(c *config) { c.cache = &cfg }) }

// WithSuite sets the suite of the messages Encrypt writes: SuiteCommit (the
// default) or SuiteCommitSigned.
func WithSuite(s Suite) Option { return optionFunc(func(c *config) { c.suite = s }) }

// WithFrameLength sets the plaintext bytes per frame (default 4096).
func WithFrameLength(n int) Option { return optionFunc(func(c *config) { c.frameLength = n }) }

// WithMaxEncryptedDataKeys caps the encrypted data keys a message may carry,
// on encrypt and decrypt (default 10), so a crafted message cannot make a
// keyring call KMS many times.
func WithMaxEncryptedDataKeys(n int) Option {
	return optionFunc(func(c *config) { c.maxDataKeys = n })
}

// WithLegacyDecrypt lets Decrypt read messages of the version-1 suites
// (without key commitment) and non-framed bodies, as older writers made them.
// Encrypt is unaffected.
func WithLegacyDecrypt() Option { return optionFunc(func(c *config) { c.legacy = true }) }

// WithPlainFieldContext makes EncryptFields use the caller's encryption context
// alone, as Powertools for AWS Lambda does, instead of also binding each
// field's path into it.
func WithPlainFieldContext() Option {
	return optionFunc(func(c *config) { c.plainFieldContext = true })
}

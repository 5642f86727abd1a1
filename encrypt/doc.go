// Package encrypt is envelope encryption in the AWS Encryption SDK message
// format (version 2): what it encrypts, the official Encryption SDKs (and the
// Powertools for AWS Lambda data masking utilities built on them) decrypt, and
// the other way round.
//
// An [Encryptor] asks a [MaterialsManager] for a data key per message (the
// default manager asks a [Keyring]: AWS KMS, or a raw AES-256 key for tests and
// local development), derives a per-message key with HKDF, commits to it, and
// writes framed AES-256-GCM. A caching materials manager reuses data keys
// within limits of age, messages and bytes, so encrypting single fields on
// every invocation does not cost a KMS call each.
//
// Decryption failures are opaque: a wrong key, a modified byte or a wrong
// encryption context all report [ErrDecrypt] and nothing of the plaintext.
package encrypt

package encrypt

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
)

// NewMaterialsManager returns the default materials manager: each message gets
// a fresh data key from k (and, for signed suites, a fresh signing key).
func NewMaterialsManager(k Keyring) MaterialsManager { return &defaultMaterials{keyring: k} }

type defaultMaterials struct{ keyring Keyring }

var _ MaterialsManager = (*defaultMaterials)(nil)

// EncryptionMaterials refuses reserved context keys, adds the public key of a
// fresh signing key for signed suites, and asks the keyring for a data key.
func (d *defaultMaterials) EncryptionMaterials(ctx context.Context, req EncryptionRequest) (*EncryptionMaterials, error) {
	suite := req.Suite
	if suite == 0 {
		suite = SuiteCommit
	}
	si := lookupSuite(suite)
	if si == nil {
		return nil, &PolicyError{Suite: suite, Reason: "unknown suite"}
	}
	if _, err := contextSize(req.Context, false); err != nil {
		return nil, err
	}
	m := &EncryptionMaterials{Suite: suite, Context: maps.Clone(req.Context)}
	if m.Context == nil {
		m.Context = map[string]string{}
	}
	if si.signed() {
		k, pub, err := newSigningKey(si.curve)
		if err != nil {
			return nil, err
		}
		m.SigningKey = k
		m.Context[publicKeyField] = pub
	}
	err := d.keyring.OnEncrypt(ctx, m)
	switch {
	case err != nil:
	case len(m.DataKey) != si.keyLen:
		err = fmt.Errorf("encrypt: keyring gave a data key of %d bytes, want %d", len(m.DataKey), si.keyLen)
	case len(m.EncryptedDataKeys) == 0:
		err = errors.New("encrypt: keyring gave no encrypted data key")
	}
	if err != nil {
		// A keyring may fail after making the data key (a second KMS key
		// refusing): no copy of it outlives the failure.
		clear(m.DataKey)
		return nil, err
	}
	return m, nil
}

// DecryptionMaterials checks the public key in the context against the
// suite, and asks the keyring for the data key.
func (d *defaultMaterials) DecryptionMaterials(ctx context.Context, req DecryptionRequest) (*DecryptionMaterials, error) {
	si := lookupSuite(req.Suite)
	if si == nil {
		return nil, &PolicyError{Suite: req.Suite, Reason: "unknown suite"}
	}
	m := &DecryptionMaterials{Suite: req.Suite, Context: req.Context}
	pub, has := req.Context[publicKeyField]
	if has != si.signed() {
		return nil, ErrDecrypt
	}
	if has {
		k, err := parsePublicKey(si.curve, pub)
		if err != nil {
			return nil, ErrDecrypt
		}
		m.VerificationKey = k
	}
	if err := d.keyring.OnDecrypt(ctx, m, req.EncryptedDataKeys); err != nil {
		return nil, err
	}
	if len(m.DataKey) != si.keyLen {
		return nil, ErrDecrypt
	}
	return m, nil
}

// generateDataKey makes m.DataKey, of the suite's length (32 bytes for an
// unknown suite), when it is nil: what a raw keyring does as a generator.
func (m *EncryptionMaterials) generateDataKey() {
	if m.DataKey != nil {
		return
	}
	n := m.Suite.DataKeyLength()
	if n == 0 {
		n = 32
	}
	m.DataKey = make([]byte, n)
	rand.Read(m.DataKey)
}

// takeDataKey sets the data key to dk, which a keyring unwrapped, when it
// has the suite's length; otherwise it clears dk (no unwrapped key outlives
// its rejection) and reports false.
func (m *DecryptionMaterials) takeDataKey(dk []byte) bool {
	if want := m.Suite.DataKeyLength(); want != 0 && len(dk) != want {
		clear(dk)
		return false
	}
	m.DataKey = dk
	return true
}

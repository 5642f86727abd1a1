package encrypt

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
)

// RawAESKeyring returns a keyring over a 256-bit AES key held in memory, named
// by namespace and name as the official Encryption SDKs name raw keys. Keys
// of 128 and 192 bits are accepted too, as the specification allows. The
// keyring wraps data keys with AES-GCM under the message's encryption context.
func RawAESKeyring(namespace, name string, key []byte) (Keyring, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, errors.New("encrypt: a raw AES key must be 32 bytes (16 or 24 allowed)")
	}
	if err := checkRawNames(namespace, name); err != nil {
		return nil, err
	}
	g, err := newGCM(key)
	if err != nil {
		return nil, errors.New("encrypt: invalid raw AES key")
	}
	return &rawAES{namespace: namespace, name: name, aead: g}, nil
}

func checkRawNames(namespace, name string) error {
	if namespace == "" || name == "" {
		return errors.New("encrypt: a raw keyring needs a namespace and a name")
	}
	if strings.HasPrefix(namespace, "aws-kms") {
		return errors.New("encrypt: a raw keyring namespace must not start with aws-kms")
	}
	if len(namespace) > 0xFFFF || len(name) > 0xFFFF-8-ivLen {
		return errors.New("encrypt: raw keyring namespace or name too long")
	}
	return nil
}

type rawAES struct {
	namespace, name string
	aead            cipher.AEAD
}

var _ Keyring = (*rawAES)(nil)

// OnEncrypt implements Keyring.
func (r *rawAES) OnEncrypt(ctx context.Context, m *EncryptionMaterials) error {
	aad, err := serializeContext(m.Context)
	if err != nil {
		return err
	}
	m.generateDataKey()
	info := make([]byte, 0, len(r.name)+8+ivLen)
	info = append(info, r.name...)
	info = binary.BigEndian.AppendUint32(info, tagLen*8)
	info = binary.BigEndian.AppendUint32(info, ivLen)
	iv := info[len(info) : len(info)+ivLen]
	rand.Read(iv)
	info = info[:len(info)+ivLen]
	ct := r.aead.Seal(make([]byte, 0, len(m.DataKey)+tagLen), iv, m.DataKey, aad)
	m.EncryptedDataKeys = append(m.EncryptedDataKeys, EncryptedDataKey{ProviderID: r.namespace, ProviderInfo: info, Ciphertext: ct})
	return nil
}

// OnDecrypt implements Keyring.
func (r *rawAES) OnDecrypt(ctx context.Context, m *DecryptionMaterials, keys []EncryptedDataKey) error {
	if m.DataKey != nil {
		return nil
	}
	var aad []byte
	for _, k := range keys {
		info := k.ProviderInfo
		if k.ProviderID != r.namespace || len(info) != len(r.name)+8+ivLen || !bytes.HasPrefix(info, []byte(r.name)) {
			continue
		}
		p := info[len(r.name):]
		if binary.BigEndian.Uint32(p) != tagLen*8 || binary.BigEndian.Uint32(p[4:]) != ivLen || len(k.Ciphertext) < tagLen {
			continue
		}
		if aad == nil {
			var err error
			if aad, err = serializeContext(m.Context); err != nil {
				return ErrDecrypt
			}
		}
		dk, err := r.aead.Open(nil, p[8:], k.Ciphertext, aad)
		if err != nil || !m.takeDataKey(dk) {
			continue
		}
		return nil
	}
	return nil
}

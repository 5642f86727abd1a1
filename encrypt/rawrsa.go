package encrypt

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
)

// RSAPadding is the padding scheme of a raw RSA keyring.
type RSAPadding int

// The padding schemes of the message format's raw RSA keyrings. OAEP uses
// the same hash for MGF1.
const (
	RSAOAEPSHA256 RSAPadding = iota + 1
	RSAOAEPSHA1
	RSAOAEPSHA384
	RSAOAEPSHA512
	// RSAPKCS1 is PKCS #1 v1.5 padding, kept to read old messages.
	RSAPKCS1
)

func (p RSAPadding) hash() func() hash.Hash {
	switch p {
	case RSAOAEPSHA1:
		return sha1.New
	case RSAOAEPSHA256:
		return sha256.New
	case RSAOAEPSHA384:
		return sha512.New384
	case RSAOAEPSHA512:
		return sha512.New
	}
	return nil
}

// RawRSAKeyring returns a keyring over an RSA key pair held in memory, named
// by namespace and name as the official Encryption SDKs name raw keys. With
// only public it can encrypt, with only private (or both) it can also
// decrypt.
func RawRSAKeyring(namespace, name string, padding RSAPadding, public *rsa.PublicKey, private *rsa.PrivateKey) (Keyring, error) {
	if err := checkRawNames(namespace, name); err != nil {
		return nil, err
	}
	if padding != RSAPKCS1 && padding.hash() == nil {
		return nil, errors.New("encrypt: unknown RSA padding")
	}
	if public == nil && private == nil {
		return nil, errors.New("encrypt: a raw RSA keyring needs a public or a private key")
	}
	if public == nil {
		public = &private.PublicKey
	}
	return &rawRSA{namespace: namespace, name: name, padding: padding, public: public, private: private}, nil
}

type rawRSA struct {
	namespace, name string
	padding         RSAPadding
	public          *rsa.PublicKey
	private         *rsa.PrivateKey
}

var _ Keyring = (*rawRSA)(nil)

// OnEncrypt implements Keyring.
func (r *rawRSA) OnEncrypt(ctx context.Context, m *EncryptionMaterials) error {
	m.generateDataKey()
	var ct []byte
	var err error
	if r.padding == RSAPKCS1 {
		//lint:ignore SA1019 PKCS #1 v1.5 is a padding of the message format, for old keys.
		ct, err = rsa.EncryptPKCS1v15(rand.Reader, r.public, m.DataKey)
	} else {
		ct, err = rsa.EncryptOAEP(r.padding.hash()(), rand.Reader, r.public, m.DataKey, nil)
	}
	if err != nil {
		return errors.New("encrypt: RSA encryption of the data key failed")
	}
	m.EncryptedDataKeys = append(m.EncryptedDataKeys, EncryptedDataKey{ProviderID: r.namespace, ProviderInfo: []byte(r.name), Ciphertext: ct})
	return nil
}

// OnDecrypt implements Keyring.
func (r *rawRSA) OnDecrypt(ctx context.Context, m *DecryptionMaterials, keys []EncryptedDataKey) error {
	if m.DataKey != nil || r.private == nil {
		return nil
	}
	for _, k := range keys {
		if k.ProviderID != r.namespace || string(k.ProviderInfo) != r.name {
			continue
		}
		var dk []byte
		var err error
		if r.padding == RSAPKCS1 {
			//lint:ignore SA1019 PKCS #1 v1.5 is a padding of the message format, for old keys.
			dk, err = rsa.DecryptPKCS1v15(nil, r.private, k.Ciphertext)
		} else {
			dk, err = r.private.Decrypt(nil, k.Ciphertext, &rsa.OAEPOptions{Hash: cryptoHash(r.padding)})
		}
		if err != nil || !m.takeDataKey(dk) {
			continue
		}
		return nil
	}
	return nil
}

func cryptoHash(p RSAPadding) crypto.Hash {
	switch p {
	case RSAOAEPSHA1:
		return crypto.SHA1
	case RSAOAEPSHA384:
		return crypto.SHA384
	case RSAOAEPSHA512:
		return crypto.SHA512
	}
	return crypto.SHA256
}

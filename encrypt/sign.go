package encrypt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
)

// compressPublicKey returns the base64 of the compressed point of pub, the
// form the message format stores in the encryption context.
func compressPublicKey(pub *ecdsa.PublicKey) (string, error) {
	b, err := pub.Bytes() // 0x04 | X | Y
	if err != nil {
		return "", errors.New("encrypt: invalid signing key")
	}
	n := (len(b) - 1) / 2
	c := make([]byte, 1+n)
	c[0] = 2 | b[len(b)-1]&1
	copy(c[1:], b[1:1+n])
	return base64.StdEncoding.EncodeToString(c), nil
}

// parsePublicKey reverses compressPublicKey on curve.
func parsePublicKey(curve elliptic.Curve, s string) (*ecdsa.PublicKey, error) {
	if strings.ContainsAny(s, "\r\n") { // the decoder skips them: one key, many spellings
		return nil, errors.New("encrypt: invalid public key")
	}
	c, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	x, y := elliptic.UnmarshalCompressed(curve, c)
	if x == nil {
		return nil, errors.New("encrypt: invalid public key")
	}
	n := (curve.Params().BitSize + 7) / 8
	u := make([]byte, 1+2*n)
	u[0] = 4
	x.FillBytes(u[1 : 1+n])
	y.FillBytes(u[1+n:])
	return ecdsa.ParseUncompressedPublicKey(curve, u)
}

// newSigningKey returns a fresh key pair on curve and the context value of its
// public key.
func newSigningKey(curve elliptic.Curve) (*ecdsa.PrivateKey, string, error) {
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, "", err
	}
	pub, err := compressPublicKey(&k.PublicKey)
	if err != nil {
		return nil, "", err
	}
	return k, pub, nil
}

// appendFooter appends the footer: the signature of digest with k.
func appendFooter(dst []byte, k *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	sig, err := ecdsa.SignASN1(rand.Reader, k, digest)
	if err != nil {
		return nil, errors.New("encrypt: signing the message failed")
	}
	dst = append(dst, byte(len(sig)>>8), byte(len(sig)))
	return append(dst, sig...), nil
}

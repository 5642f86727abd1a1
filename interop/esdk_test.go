package interop

import (
	"context"
	"fmt"
	"testing"

	mpl "github.com/aws/aws-cryptographic-material-providers-library/releases/go/mpl/awscryptographymaterialproviderssmithygenerated"
	mpltypes "github.com/aws/aws-cryptographic-material-providers-library/releases/go/mpl/awscryptographymaterialproviderssmithygeneratedtypes"
	esdk "github.com/aws/aws-encryption-sdk/releases/go/encryption-sdk/awscryptographyencryptionsdksmithygenerated"
	esdktypes "github.com/aws/aws-encryption-sdk/releases/go/encryption-sdk/awscryptographyencryptionsdksmithygeneratedtypes"
)

// goOracle is the official AWS Encryption SDK for Go with one raw AES keyring,
// commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT.
type goOracle struct {
	client  *esdk.Client
	keyring mpltypes.IKeyring
}

func newGoOracle(t testing.TB, namespace, name string, key []byte) *goOracle {
	t.Helper()
	mat, err := mpl.NewClient(mpltypes.MaterialProvidersConfig{})
	if err != nil {
		t.Fatalf("esdk-go: material providers: %v", err)
	}
	kr, err := mat.CreateRawAesKeyring(context.Background(), mpltypes.CreateRawAesKeyringInput{
		KeyName:      name,
		KeyNamespace: namespace,
		WrappingAlg:  mpltypes.AesWrappingAlgAlgAes256GcmIv12Tag16,
		WrappingKey:  key,
	})
	if err != nil {
		t.Fatalf("esdk-go: raw AES keyring: %v", err)
	}
	policy := mpltypes.ESDKCommitmentPolicyRequireEncryptRequireDecrypt
	client, err := esdk.NewClient(esdktypes.AwsEncryptionSdkConfig{CommitmentPolicy: &policy})
	if err != nil {
		t.Fatalf("esdk-go: client: %v", err)
	}
	return &goOracle{client: client, keyring: kr}
}

func (o *goOracle) encrypt(suite uint16, frame int, pt []byte, ec map[string]string) ([]byte, error) {
	if pt == nil {
		pt = []byte{} // v0.4.0 dereferences a nil Plaintext (a panic, not an error)
	}
	id := mpltypes.ESDKAlgorithmSuiteId(fmt.Sprintf("0x%04X", suite))
	fl := int64(frame)
	out, err := o.client.Encrypt(context.Background(), esdktypes.EncryptInput{
		Plaintext:         pt,
		AlgorithmSuiteId:  &id,
		EncryptionContext: ec,
		FrameLength:       &fl,
		Keyring:           o.keyring,
	})
	if err != nil {
		return nil, err
	}
	return out.Ciphertext, nil
}

func (o *goOracle) decrypt(msg []byte) ([]byte, map[string]string, error) {
	out, err := o.client.Decrypt(context.Background(), esdktypes.DecryptInput{
		Ciphertext: msg,
		Keyring:    o.keyring,
	})
	if err != nil {
		return nil, nil, err
	}
	return out.Plaintext, out.EncryptionContext, nil
}

// Package kmsclient builds the KMS clients of a set of keys from the AWS
// SDK's configuration, one per Region, for the library and the CLI alike.
package kmsclient

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/lambda-compliance/compliance/encrypt"
)

// ErrNoRegion reports a configuration without a Region for keys given
// without one.
var ErrNoRegion = errors.New("no AWS Region: set AWS_REGION or give the KMS key as an ARN")

// Keyring returns a KMS keyring over keyIDs (the first generates data
// keys), each key called in its own Region through a client made from cfg.
// Keys given without a Region use cfg's, or else that of the first key ARN.
func Keyring(cfg aws.Config, keyIDs ...string) (encrypt.Keyring, error) {
	if cfg.Region == "" {
		for _, id := range keyIDs {
			if cfg.Region = encrypt.KeyRegion(id); cfg.Region != "" {
				break
			}
		}
	}
	if cfg.Region == "" {
		return nil, ErrNoRegion
	}
	var mu sync.Mutex
	clients := map[string]*kms.Client{}
	return encrypt.KMSKeyringByRegion(func(region string) (encrypt.KMSClient, error) {
		if region == "" {
			region = cfg.Region
		}
		mu.Lock()
		defer mu.Unlock()
		c := clients[region]
		if c == nil {
			c = kms.NewFromConfig(cfg, func(o *kms.Options) { o.Region = region })
			clients[region] = c
		}
		return c, nil
	}, keyIDs...)
}

// DecryptDataKey returns the plaintext of a data key that KMS encrypted
// (the CiphertextBlob of GenerateDataKey or GenerateDataKeyWithoutPlaintext):
// the blob names its key, in cfg's Region.
func DecryptDataKey(ctx context.Context, cfg aws.Config, blob []byte) ([]byte, error) {
	if cfg.Region == "" {
		return nil, ErrNoRegion
	}
	out, err := kms.NewFromConfig(cfg).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	if err != nil {
		return nil, fmt.Errorf("KMS Decrypt of the data key: %w", err)
	}
	if len(out.Plaintext) < 32 {
		clear(out.Plaintext)
		return nil, fmt.Errorf("the data key is %d bytes, want at least 32", len(out.Plaintext))
	}
	return out.Plaintext, nil
}

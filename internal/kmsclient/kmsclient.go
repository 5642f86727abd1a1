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
	clients := NewClients(cfg)
	return encrypt.KMSKeyringByRegion(func(region string) (encrypt.KMSClient, error) {
		return clients.InRegion(region)
	}, keyIDs...)
}

// Clients makes KMS clients from one configuration, one per Region, and
// keeps them.
type Clients struct {
	cfg aws.Config
	mu  sync.Mutex
	m   map[string]*kms.Client
}

// NewClients returns the clients of cfg.
func NewClients(cfg aws.Config) *Clients { return &Clients{cfg: cfg, m: map[string]*kms.Client{}} }

// ForKey returns the client of the Region of keyID's ARN, else of the
// configuration's Region: KMS uses a key in its own Region only.
func (c *Clients) ForKey(keyID string) (*kms.Client, error) {
	return c.InRegion(encrypt.KeyRegion(keyID))
}

// InRegion returns the client of region, or of the configuration's Region
// when region is empty, or ErrNoRegion when both are.
func (c *Clients) InRegion(region string) (*kms.Client, error) {
	if region == "" {
		region = c.cfg.Region
	}
	if region == "" {
		return nil, ErrNoRegion
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.m[region]
	if cl == nil {
		cl = kms.NewFromConfig(c.cfg, func(o *kms.Options) { o.Region = region })
		c.m[region] = cl
	}
	return cl, nil
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

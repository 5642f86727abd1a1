package encrypt

import (
	"bytes"
	"container/list"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// CacheConfig bounds the reuse of a data key by a caching materials manager.
// Zero fields take the defaults of Powertools for AWS Lambda.
type CacheConfig struct {
	Capacity    int           `json:"capacity"`    // entries, least recently used evicted first (default 100)
	MaxAge      time.Duration `json:"maxAge"`      // since the data key was made (default 5 minutes)
	MaxMessages uint64        `json:"maxMessages"` // messages per data key (default 2^32)
	MaxBytes    uint64        `json:"maxBytes"`    // plaintext bytes per data key (default 2^63-1)
	Partition   string        `json:"partition"`   // separates managers sharing a cache
}

// Defaults of CacheConfig, those of Powertools for AWS Lambda. MaxAge is the
// bound that matters to an audit: no data key is used for longer.
const (
	DefaultCacheCapacity    = 100
	DefaultCacheMaxAge      = 5 * time.Minute
	DefaultCacheMaxMessages = 1 << 32
	DefaultCacheMaxBytes    = math.MaxInt64
)

// CachingMaterialsManager reuses the materials of an underlying manager, as
// the caching materials manager of the AWS Encryption SDK specification
// does: a data key (and, for signed suites, the signing key) serves the
// messages of one suite and encryption context until it is MaxAge old, or has
// encrypted MaxMessages messages or MaxBytes bytes, whichever comes first;
// then the next message gets fresh materials. Each message still gets its own
// AES key, derived from the data key and its random message id.
//
// Encrypt requests of unknown plaintext length (streaming) and of more than
// MaxBytes bypass the cache, as do suites without a key derivation function
// (none of those Encrypt writes). Decryption materials are cached by suite,
// encrypted data keys and context, until MaxAge. Concurrent misses on one
// entry make one call to the underlying manager; failures are not cached.
// The materials handed out are copies: callers may zero them.
//
// It is safe for concurrent use.
type CachingMaterialsManager struct {
	next      MaterialsManager
	cfg       CacheConfig
	partition [sha512.Size]byte // SHA-512 of cfg.Partition
	now       func() time.Time  // the clock; tests replace it

	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recently used first
	entries map[cacheKey]*list.Element
	flights map[cacheKey]*flight
}

var _ MaterialsManager = (*CachingMaterialsManager)(nil)

type cacheKey [sha512.Size]byte

type cacheEntry struct {
	key      cacheKey
	created  time.Time
	messages uint64
	bytes    uint64
	enc      *EncryptionMaterials
	dec      *DecryptionMaterials
}

// flight is one call to the underlying manager that concurrent misses of its
// key wait for.
type flight struct {
	done     chan struct{}
	err      error
	canceled bool // the caller's context ended: waiters try again
}

// NewCachingMaterialsManager returns a manager that caches next's materials
// within the limits of cfg; zero fields of cfg take the defaults
// (DefaultCacheCapacity, DefaultCacheMaxAge, DefaultCacheMaxMessages,
// DefaultCacheMaxBytes). An empty Partition is replaced by a random one, as
// the specification asks.
func NewCachingMaterialsManager(next MaterialsManager, cfg CacheConfig) *CachingMaterialsManager {
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCacheCapacity
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultCacheMaxAge
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = DefaultCacheMaxMessages
	}
	if cfg.MaxBytes == 0 || cfg.MaxBytes > DefaultCacheMaxBytes {
		cfg.MaxBytes = DefaultCacheMaxBytes
	}
	if cfg.Partition == "" {
		var b [16]byte
		rand.Read(b[:])
		cfg.Partition = hex.EncodeToString(b[:])
	}
	return &CachingMaterialsManager{
		next:      next,
		cfg:       cfg,
		partition: sha512.Sum512([]byte(cfg.Partition)),
		now:       time.Now,
		lru:       list.New(),
		entries:   map[cacheKey]*list.Element{},
		flights:   map[cacheKey]*flight{},
	}
}

// Config returns the limits in force, defaults filled in.
func (c *CachingMaterialsManager) Config() CacheConfig { return c.cfg }

// cacheable reports whether materials of suite may be reused: only with a key
// derivation function, which gives each message its own key.
func cacheable(suite Suite) bool {
	si := lookupSuite(suite)
	return si != nil && si.kdf != nil
}

// EncryptionMaterials implements MaterialsManager.
func (c *CachingMaterialsManager) EncryptionMaterials(ctx context.Context, req EncryptionRequest) (*EncryptionMaterials, error) {
	suite := req.Suite
	if suite == 0 {
		suite = SuiteCommit
	}
	if !cacheable(suite) || req.PlaintextLength < 0 || uint64(req.PlaintextLength) > c.cfg.MaxBytes {
		return c.next.EncryptionMaterials(ctx, req)
	}
	key, err := c.encryptionKey(req)
	if err != nil {
		return c.next.EncryptionMaterials(ctx, req) // reports the context's error
	}
	n := uint64(req.PlaintextLength)
	use := func(e *cacheEntry) (*EncryptionMaterials, bool) {
		if e.messages >= c.cfg.MaxMessages || e.bytes+n > c.cfg.MaxBytes || e.bytes+n < e.bytes {
			return nil, false
		}
		e.messages++
		e.bytes += n
		return copyEncryption(e.enc), true
	}
	return cached(ctx, c, key, use, func() (*EncryptionMaterials, *cacheEntry, error) {
		m, err := c.next.EncryptionMaterials(ctx, req)
		if err != nil || m == nil || !cacheable(m.Suite) {
			return m, nil, err
		}
		return m, &cacheEntry{messages: 1, bytes: n, enc: copyEncryption(m)}, nil
	})
}

// DecryptionMaterials implements MaterialsManager.
func (c *CachingMaterialsManager) DecryptionMaterials(ctx context.Context, req DecryptionRequest) (*DecryptionMaterials, error) {
	if !cacheable(req.Suite) {
		return c.next.DecryptionMaterials(ctx, req)
	}
	key, err := c.decryptionKey(req)
	if err != nil {
		return c.next.DecryptionMaterials(ctx, req)
	}
	use := func(e *cacheEntry) (*DecryptionMaterials, bool) { return copyDecryption(e.dec), true }
	return cached(ctx, c, key, use, func() (*DecryptionMaterials, *cacheEntry, error) {
		m, err := c.next.DecryptionMaterials(ctx, req)
		if err != nil || m == nil || len(m.DataKey) != req.Suite.DataKeyLength() {
			return m, nil, err
		}
		return m, &cacheEntry{dec: copyDecryption(m)}, nil
	})
}

// cached returns the materials of the entry of key, through use, or else
// those of fetch, making one call of fetch for concurrent misses of key. use
// is called with c.mu held on an entry younger than MaxAge; it reports false
// when the entry may serve no more, which drops it. fetch returns the
// materials, the entry to cache for them (nil for none) and its error.
func cached[M any](ctx context.Context, c *CachingMaterialsManager, key cacheKey, use func(*cacheEntry) (M, bool), fetch func() (M, *cacheEntry, error)) (M, error) {
	for {
		c.mu.Lock()
		if el := c.entries[key]; el != nil {
			if e := el.Value.(*cacheEntry); !c.expired(e) {
				if m, ok := use(e); ok {
					c.lru.MoveToFront(el)
					c.mu.Unlock()
					return m, nil
				}
			}
			c.remove(el)
		}
		if f := c.flights[key]; f != nil {
			c.mu.Unlock()
			if err := c.wait(ctx, f); err != nil {
				var none M
				return none, err
			}
			continue
		}
		f := &flight{done: make(chan struct{})}
		c.flights[key] = f
		c.mu.Unlock()

		m, e, err := fetch()
		if e != nil {
			e.key = key
		}
		c.land(ctx, key, f, e, err)
		return m, err
	}
}

// wait waits for the flight f of another caller. It returns f's error, or
// nil when the caller should look in the cache again.
func (c *CachingMaterialsManager) wait(ctx context.Context, f *flight) error {
	select {
	case <-f.done:
		if f.canceled {
			return nil
		}
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// land ends flight f of key, whose call returned err: stores e (when not
// nil) and wakes the waiters.
func (c *CachingMaterialsManager) land(ctx context.Context, key cacheKey, f *flight, e *cacheEntry, err error) {
	c.mu.Lock()
	delete(c.flights, key)
	if e != nil {
		e.created = c.now()
		if el := c.entries[key]; el != nil {
			c.remove(el)
		}
		c.entries[key] = c.lru.PushFront(e)
		for c.lru.Len() > c.cfg.Capacity {
			c.remove(c.lru.Back())
		}
	}
	c.mu.Unlock()
	if err != nil {
		f.err = err
		f.canceled = ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	} else if e == nil {
		f.canceled = true // nothing cached: waiters ask for themselves
	}
	close(f.done)
}

// expired reports whether e is MaxAge old. c.mu is held.
func (c *CachingMaterialsManager) expired(e *cacheEntry) bool {
	return c.now().Sub(e.created) >= c.cfg.MaxAge
}

// remove drops el from the cache and zeroes its data key (only copies of it
// were handed out). c.mu is held.
func (c *CachingMaterialsManager) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.entries, e.key)
	if e.enc != nil {
		clear(e.enc.DataKey)
	}
	if e.dec != nil {
		clear(e.dec.DataKey)
	}
}

// Len returns the number of entries in the cache, expired ones included
// until they are next looked up or evicted.
func (c *CachingMaterialsManager) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// encryptionKey is the cache entry identifier of req (specification,
// appendix A): SHA-512 of SHA-512(partition), 0x01 and the suite (0x00
// without one), and SHA-512 of the serialized context.
func (c *CachingMaterialsManager) encryptionKey(req EncryptionRequest) (cacheKey, error) {
	ech, err := contextDigest(req.Context)
	if err != nil {
		return cacheKey{}, err
	}
	h := sha512.New()
	h.Write(c.partition[:])
	if req.Suite == 0 {
		h.Write([]byte{0})
	} else {
		h.Write([]byte{1, byte(req.Suite >> 8), byte(req.Suite)})
	}
	h.Write(ech[:])
	var k cacheKey
	h.Sum(k[:0])
	return k, nil
}

// decryptionKey is the cache entry identifier of req (specification,
// appendix A): SHA-512 of SHA-512(partition), the suite, the sorted SHA-512s
// of the serialized encrypted data keys, 64 zero bytes, and SHA-512 of the
// serialized context.
func (c *CachingMaterialsManager) decryptionKey(req DecryptionRequest) (cacheKey, error) {
	ech, err := contextDigest(req.Context)
	if err != nil {
		return cacheKey{}, err
	}
	edks := make([][sha512.Size]byte, len(req.EncryptedDataKeys))
	var buf []byte
	for i := range req.EncryptedDataKeys {
		if _, err := edkSize(&req.EncryptedDataKeys[i]); err != nil {
			return cacheKey{}, err
		}
		buf = appendEDK(buf[:0], &req.EncryptedDataKeys[i])
		edks[i] = sha512.Sum512(buf)
	}
	slices.SortFunc(edks, func(a, b [sha512.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha512.New()
	h.Write(c.partition[:])
	h.Write([]byte{byte(req.Suite >> 8), byte(req.Suite)})
	for i := range edks {
		h.Write(edks[i][:])
	}
	var zero [sha512.Size]byte
	h.Write(zero[:])
	h.Write(ech[:])
	var k cacheKey
	h.Sum(k[:0])
	return k, nil
}

// contextDigest returns SHA-512 of the serialized context ec, serialized on
// the stack when it is small, as it is on every cache lookup.
func contextDigest(ec map[string]string) ([sha512.Size]byte, error) {
	n, err := contextSize(ec, true)
	if err != nil {
		return [sha512.Size]byte{}, err
	}
	var buf [256]byte
	b := buf[:0]
	if n > len(buf) {
		b = make([]byte, 0, n)
	}
	return sha512.Sum512(appendContext(b, ec)), nil
}

// copyEncryption returns a copy of m that shares nothing mutable with it but
// the signing key.
func copyEncryption(m *EncryptionMaterials) *EncryptionMaterials {
	c := *m
	c.Context = maps.Clone(m.Context)
	c.DataKey = bytes.Clone(m.DataKey)
	c.EncryptedDataKeys = make([]EncryptedDataKey, len(m.EncryptedDataKeys))
	for i, k := range m.EncryptedDataKeys {
		c.EncryptedDataKeys[i] = EncryptedDataKey{ProviderID: k.ProviderID, ProviderInfo: bytes.Clone(k.ProviderInfo), Ciphertext: bytes.Clone(k.Ciphertext)}
	}
	return &c
}

// copyDecryption returns a copy of m that shares nothing mutable with it but
// the verification key.
func copyDecryption(m *DecryptionMaterials) *DecryptionMaterials {
	c := *m
	c.Context = maps.Clone(m.Context)
	c.DataKey = bytes.Clone(m.DataKey)
	return &c
}

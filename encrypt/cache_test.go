package encrypt

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingMaterials is a fake MaterialsManager that counts its calls and
// hands out fresh materials (a random data key) each time.
type countingMaterials struct {
	enc, dec atomic.Int64
	delay    time.Duration
	entered  chan struct{} // when set, each call sends on it, then waits for gate
	gate     chan struct{}
	mu       sync.Mutex
	err      error // returned (and cleared) by the next call when set
}

func (f *countingMaterials) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *countingMaterials) takeErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.err
	f.err = nil
	return err
}

func (f *countingMaterials) EncryptionMaterials(ctx context.Context, req EncryptionRequest) (*EncryptionMaterials, error) {
	f.enc.Add(1)
	time.Sleep(f.delay)
	if f.entered != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
	if err := f.takeErr(); err != nil {
		return nil, err
	}
	suite := req.Suite
	if suite == 0 {
		suite = SuiteCommit
	}
	dk := make([]byte, 32)
	rand.Read(dk)
	return &EncryptionMaterials{
		Suite:             suite,
		Context:           map[string]string{"n": fmt.Sprint(f.enc.Load())},
		DataKey:           dk,
		EncryptedDataKeys: []EncryptedDataKey{{ProviderID: "fake", ProviderInfo: []byte("k"), Ciphertext: bytes.Clone(dk)}},
	}, nil
}

func (f *countingMaterials) DecryptionMaterials(ctx context.Context, req DecryptionRequest) (*DecryptionMaterials, error) {
	f.dec.Add(1)
	time.Sleep(f.delay)
	if err := f.takeErr(); err != nil {
		return nil, err
	}
	return &DecryptionMaterials{Suite: req.Suite, Context: req.Context, DataKey: bytes.Clone(req.EncryptedDataKeys[0].Ciphertext)}, nil
}

// fakeClock is a settable clock for the cache.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestCache(cfg CacheConfig) (*CachingMaterialsManager, *countingMaterials, *fakeClock) {
	next := &countingMaterials{}
	c := NewCachingMaterialsManager(next, cfg)
	clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	c.now = clk.Now
	return c, next, clk
}

func encReq(ec map[string]string, n int64) EncryptionRequest {
	return EncryptionRequest{Suite: SuiteCommit, Context: ec, PlaintextLength: n}
}

func TestCacheDefaults(t *testing.T) {
	c := NewCachingMaterialsManager(&countingMaterials{}, CacheConfig{})
	got := c.Config()
	if got.Capacity != 100 || got.MaxAge != 5*time.Minute || got.MaxMessages != 1<<32 || got.MaxBytes != 1<<63-1 || got.Partition == "" {
		t.Fatalf("defaults: got %+v", got)
	}
	other := NewCachingMaterialsManager(&countingMaterials{}, CacheConfig{})
	if other.Config().Partition == got.Partition {
		t.Fatal("two managers without a partition got the same one")
	}
}

func TestCacheOneCallWithinMaxAge(t *testing.T) {
	c, next, clk := newTestCache(CacheConfig{MaxAge: time.Minute})
	ctx := context.Background()
	first, err := c.EncryptionMaterials(ctx, encReq(map[string]string{"tenant": "a"}, 100))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10_000 {
		if i%1000 == 0 {
			clk.Add(5 * time.Second) // 50 s in all, under MaxAge
		}
		m, err := c.EncryptionMaterials(ctx, encReq(map[string]string{"tenant": "a"}, 100))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.DataKey, first.DataKey) {
			t.Fatalf("call %d: got another data key", i)
		}
	}
	if got := next.enc.Load(); got != 1 {
		t.Fatalf("underlying calls: got %d, want 1", got)
	}
}

func TestCacheThunderingHerd(t *testing.T) {
	for _, dec := range []bool{false, true} {
		t.Run(fmt.Sprintf("decrypt=%v", dec), func(t *testing.T) {
			c, next, _ := newTestCache(CacheConfig{})
			next.delay = 50 * time.Millisecond
			var wg sync.WaitGroup
			start := make(chan struct{})
			keys := make([][]byte, 64)
			errs := make([]error, 64)
			for i := range 64 {
				wg.Go(func() {
					<-start
					if dec {
						m, err := c.DecryptionMaterials(context.Background(), DecryptionRequest{Suite: SuiteCommit,
							EncryptedDataKeys: []EncryptedDataKey{{ProviderID: "fake", Ciphertext: bytes.Repeat([]byte{1}, 32)}}})
						if err == nil {
							keys[i] = m.DataKey
						}
						errs[i] = err
						return
					}
					m, err := c.EncryptionMaterials(context.Background(), encReq(nil, 10))
					if err == nil {
						keys[i] = m.DataKey
					}
					errs[i] = err
				})
			}
			close(start)
			wg.Wait()
			for i := range 64 {
				if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
					t.Fatalf("goroutine %d: err %v, same key %v", i, errs[i], bytes.Equal(keys[i], keys[0]))
				}
			}
			if got := next.enc.Load() + next.dec.Load(); got != 1 {
				t.Fatalf("underlying calls: got %d, want 1", got)
			}
		})
	}
}

func TestCacheLimits(t *testing.T) {
	tests := []struct {
		name  string
		cfg   CacheConfig
		n     int64         // plaintext length per message
		step  time.Duration // clock advance before each call
		calls int           // EncryptionMaterials calls
		want  int64         // underlying calls
	}{
		{"age", CacheConfig{MaxAge: time.Minute}, 10, 25 * time.Second, 10, 4},             // new key at t=0, 75 s, 150 s, 225 s
		{"age exact", CacheConfig{MaxAge: time.Minute}, 10, time.Minute, 3, 3},             // expired at exactly MaxAge
		{"messages", CacheConfig{MaxMessages: 3}, 10, 0, 10, 4},                            // 3+3+3+1
		{"bytes", CacheConfig{MaxBytes: 100}, 40, 0, 10, 5},                                // 2 messages of 40 per key
		{"bytes exact", CacheConfig{MaxBytes: 100}, 50, 0, 10, 5},                          // 2 messages of 50 per key
		{"over max bytes bypasses", CacheConfig{MaxBytes: 100}, 101, 0, 5, 5},              // never cached
		{"unknown length bypasses", CacheConfig{}, -1, 0, 5, 5},                            // streaming
		{"one message per key", CacheConfig{MaxMessages: 1}, 10, 0, 5, 5},                  // no reuse
		{"no limit reached", CacheConfig{MaxMessages: 100, MaxBytes: 1000}, 10, 0, 100, 1}, // 100 messages, 1000 bytes
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, next, clk := newTestCache(tt.cfg)
			for range tt.calls {
				clk.Add(tt.step)
				if _, err := c.EncryptionMaterials(context.Background(), encReq(nil, tt.n)); err != nil {
					t.Fatal(err)
				}
			}
			if got := next.enc.Load(); got != tt.want {
				t.Fatalf("underlying calls: got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCacheSuiteWithoutKDFNotCached(t *testing.T) {
	c, next, _ := newTestCache(CacheConfig{})
	for _, suite := range []Suite{0x0014, 0x0046, 0x0078} {
		for range 3 {
			c.EncryptionMaterials(context.Background(), EncryptionRequest{Suite: suite, PlaintextLength: 1})
			c.DecryptionMaterials(context.Background(), DecryptionRequest{Suite: suite,
				EncryptedDataKeys: []EncryptedDataKey{{Ciphertext: make([]byte, 32)}}})
		}
	}
	if got := next.enc.Load() + next.dec.Load(); got != 18 {
		t.Fatalf("underlying calls: got %d, want 18", got)
	}
	if c.Len() != 0 {
		t.Fatalf("cache holds %d entries, want 0", c.Len())
	}
}

func TestCacheLRU(t *testing.T) {
	c, next, _ := newTestCache(CacheConfig{Capacity: 2})
	ctx := context.Background()
	get := func(tenant string) {
		t.Helper()
		if _, err := c.EncryptionMaterials(ctx, encReq(map[string]string{"tenant": tenant}, 1)); err != nil {
			t.Fatal(err)
		}
	}
	get("a")
	get("b")
	get("a") // a is now the most recently used
	get("c") // evicts b
	if got := next.enc.Load(); got != 3 {
		t.Fatalf("after a, b, a, c: underlying calls %d, want 3", got)
	}
	get("a")
	get("c")
	if got := next.enc.Load(); got != 3 {
		t.Fatalf("a and c should be cached: underlying calls %d, want 3", got)
	}
	get("b")
	if got := next.enc.Load(); got != 4 {
		t.Fatalf("b should have been evicted: underlying calls %d, want 4", got)
	}
	if c.Len() != 2 {
		t.Fatalf("cache holds %d entries, want 2", c.Len())
	}
}

func TestCacheKeys(t *testing.T) {
	a := NewCachingMaterialsManager(nil, CacheConfig{Partition: "p1"})
	a2 := NewCachingMaterialsManager(nil, CacheConfig{Partition: "p1"})
	b := NewCachingMaterialsManager(nil, CacheConfig{Partition: "p2"})
	enc := func(c *CachingMaterialsManager, suite Suite, ec map[string]string) cacheKey {
		k, err := c.encryptionKey(EncryptionRequest{Suite: suite, Context: ec})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ec := map[string]string{"a": "1", "b": "2"}
	tests := []struct {
		name string
		x, y cacheKey
		same bool
	}{
		{"same partition", enc(a, SuiteCommit, ec), enc(a2, SuiteCommit, ec), true},
		{"other partition", enc(a, SuiteCommit, ec), enc(b, SuiteCommit, ec), false},
		{"other suite", enc(a, SuiteCommit, ec), enc(a, SuiteCommitSigned, ec), false},
		{"no suite", enc(a, SuiteCommit, ec), enc(a, 0, ec), false},
		{"other context", enc(a, SuiteCommit, ec), enc(a, SuiteCommit, map[string]string{"a": "1", "b": "3"}), false},
		{"empty and nil context", enc(a, SuiteCommit, nil), enc(a, SuiteCommit, map[string]string{}), true},
		{"context and none", enc(a, SuiteCommit, ec), enc(a, SuiteCommit, nil), false},
	}
	for _, tt := range tests {
		if got := tt.x == tt.y; got != tt.same {
			t.Errorf("%s: same key %v, want %v", tt.name, got, tt.same)
		}
	}
	k1 := EncryptedDataKey{ProviderID: "p", ProviderInfo: []byte("1"), Ciphertext: []byte("x")}
	k2 := EncryptedDataKey{ProviderID: "p", ProviderInfo: []byte("2"), Ciphertext: []byte("y")}
	dec := func(c *CachingMaterialsManager, keys ...EncryptedDataKey) cacheKey {
		k, err := c.decryptionKey(DecryptionRequest{Suite: SuiteCommit, Context: ec, EncryptedDataKeys: keys})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if dec(a, k1, k2) != dec(a, k2, k1) {
		t.Error("decryption key depends on the order of the encrypted data keys")
	}
	if dec(a, k1, k2) == dec(a, k1) || dec(a, k1) == dec(b, k1) {
		t.Error("decryption keys collide")
	}
}

func TestCacheContextsAndPartitions(t *testing.T) {
	next := &countingMaterials{}
	p1 := NewCachingMaterialsManager(next, CacheConfig{Partition: "p1"})
	p2 := NewCachingMaterialsManager(next, CacheConfig{Partition: "p2"})
	ctx := context.Background()
	m1, _ := p1.EncryptionMaterials(ctx, encReq(map[string]string{"t": "a"}, 1))
	m2, _ := p1.EncryptionMaterials(ctx, encReq(map[string]string{"t": "b"}, 1))
	m3, _ := p2.EncryptionMaterials(ctx, encReq(map[string]string{"t": "a"}, 1))
	m4, _ := p1.EncryptionMaterials(ctx, encReq(map[string]string{"t": "a"}, 1))
	if bytes.Equal(m1.DataKey, m2.DataKey) || bytes.Equal(m1.DataKey, m3.DataKey) {
		t.Fatal("different contexts or partitions share a data key")
	}
	if !bytes.Equal(m1.DataKey, m4.DataKey) {
		t.Fatal("same context and partition got another data key")
	}
	if got := next.enc.Load(); got != 3 {
		t.Fatalf("underlying calls: got %d, want 3", got)
	}
}

func TestCacheErrorNotCached(t *testing.T) {
	c, next, _ := newTestCache(CacheConfig{})
	boom := errors.New("kms down")
	next.fail(boom)
	if _, err := c.EncryptionMaterials(context.Background(), encReq(nil, 1)); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the underlying error", err)
	}
	if c.Len() != 0 {
		t.Fatal("a failure was cached")
	}
	if _, err := c.EncryptionMaterials(context.Background(), encReq(nil, 1)); err != nil {
		t.Fatal(err)
	}
	next.fail(boom)
	req := DecryptionRequest{Suite: SuiteCommit, EncryptedDataKeys: []EncryptedDataKey{{Ciphertext: make([]byte, 32)}}}
	if _, err := c.DecryptionMaterials(context.Background(), req); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the underlying error", err)
	}
	if _, err := c.DecryptionMaterials(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := next.enc.Load() + next.dec.Load(); got != 4 {
		t.Fatalf("underlying calls: got %d, want 4", got)
	}
}

func TestCacheWaiterContext(t *testing.T) {
	c, next, _ := newTestCache(CacheConfig{})
	next.entered, next.gate = make(chan struct{}), make(chan struct{})
	leader := make(chan error)
	go func() {
		_, err := c.EncryptionMaterials(context.Background(), encReq(nil, 1))
		leader <- err
	}()
	<-next.entered // the leader's call is in flight
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.EncryptionMaterials(ctx, encReq(nil, 1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter: got %v, want its own deadline", err)
	}
	close(next.gate)
	if err := <-leader; err != nil {
		t.Fatal(err)
	}
	if got := next.enc.Load(); got != 1 {
		t.Fatalf("underlying calls: got %d, want 1", got)
	}
}

func TestCacheHandsOutCopies(t *testing.T) {
	c, _, _ := newTestCache(CacheConfig{})
	ctx := context.Background()
	m1, _ := c.EncryptionMaterials(ctx, encReq(map[string]string{"a": "1"}, 1))
	want := bytes.Clone(m1.DataKey)
	clear(m1.DataKey)
	m1.Context["a"] = "changed"
	m1.EncryptedDataKeys[0].Ciphertext[0] ^= 1
	m2, _ := c.EncryptionMaterials(ctx, encReq(map[string]string{"a": "1"}, 1))
	if !bytes.Equal(m2.DataKey, want) || m2.Context["a"] == "changed" || !bytes.Equal(m2.EncryptedDataKeys[0].Ciphertext, want) {
		t.Fatal("the cached materials changed with the copy handed out")
	}
	req := DecryptionRequest{Suite: SuiteCommit, Context: map[string]string{"a": "1"}, EncryptedDataKeys: []EncryptedDataKey{{Ciphertext: want}}}
	d1, _ := c.DecryptionMaterials(ctx, req)
	clear(d1.DataKey)
	d2, _ := c.DecryptionMaterials(ctx, req)
	if !bytes.Equal(d2.DataKey, want) {
		t.Fatal("the cached decryption materials changed with the copy handed out")
	}
}

func TestCacheDecryptionExpiry(t *testing.T) {
	c, next, clk := newTestCache(CacheConfig{MaxAge: time.Minute, MaxMessages: 1})
	req := DecryptionRequest{Suite: SuiteCommit, EncryptedDataKeys: []EncryptedDataKey{{Ciphertext: make([]byte, 32)}}}
	for range 5 { // MaxMessages bounds encryption only
		c.DecryptionMaterials(context.Background(), req)
	}
	clk.Add(time.Minute)
	c.DecryptionMaterials(context.Background(), req)
	if got := next.dec.Load(); got != 2 {
		t.Fatalf("underlying calls: got %d, want 2", got)
	}
}

// TestCacheEncryptor runs messages of both suites through an Encryptor with
// a cache: one keyring call per suite, every message decryptable, the
// signed ones under the same (cached) signing key.
func TestCacheEncryptor(t *testing.T) {
	kr, _ := RawAESKeyring("test-ns", "test-key", testKey)
	ck := &countingKeyring{Keyring: kr}
	for _, suite := range []Suite{SuiteCommit, SuiteCommitSigned} {
		e, err := New(WithKeyring(ck), WithSuite(suite), WithCache(CacheConfig{MaxAge: time.Minute}))
		if err != nil {
			t.Fatal(err)
		}
		var pubs []string
		for i := range 20 {
			pt := []byte(fmt.Sprint("message ", i))
			msg, err := e.Encrypt(context.Background(), pt, map[string]string{"tenant": "a"})
			if err != nil {
				t.Fatal(err)
			}
			got, ec, err := e.Decrypt(context.Background(), msg, nil)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("suite %04X message %d: %v", suite, i, err)
			}
			pubs = append(pubs, ec[publicKeyField])
		}
		if pubs[0] != pubs[19] {
			t.Fatalf("suite %04X: the cached materials changed signing key", suite)
		}
	}
	if enc, dec := ck.enc.Load(), ck.dec.Load(); enc != 2 || dec != 2 {
		t.Fatalf("keyring calls: %d encrypt, %d decrypt, want 2 and 2", enc, dec)
	}
}

func TestContextDigest(t *testing.T) {
	long := map[string]string{"a": strings.Repeat("x", 300), "b": "2"}
	for _, ec := range []map[string]string{nil, {"a": "1", "b": "2"}, long} {
		ser, err := serializeContext(ec)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := contextDigest(ec); err != nil || got != sha512.Sum512(ser) {
			t.Errorf("context of %d bytes: digest %x, %v; want SHA-512 of its serialization", len(ser), got[:8], err)
		}
	}
	if _, err := contextDigest(map[string]string{"a": "\xff"}); err == nil {
		t.Error("a context that is not UTF-8 has a digest")
	}
}

func BenchmarkCachingEncryptionMaterials(b *testing.B) {
	c, _, _ := newTestCache(CacheConfig{})
	ec := map[string]string{"tenant": "acme", "purpose": "bench"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.EncryptionMaterials(context.Background(), encReq(ec, 1024)); err != nil {
			b.Fatal(err)
		}
	}
}

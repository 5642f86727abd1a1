package redact

import (
	"hash/maphash"
	"sync/atomic"
)

// keyCache remembers the class of the keys a Redactor has seen. Documents
// repeat the same few hundred keys, and classifying one costs far more than
// a look-up. It is direct-mapped and lock-free: a look-up hashes the key and
// compares it with the one entry of its slot; a miss classifies the key and
// replaces that entry.
type keyCache struct {
	seed  maphash.Seed
	slots [8192]atomic.Pointer[keyEntry]
}

type keyEntry struct {
	key   string
	ctx   uint8
	class keyClass
}

// maxCachedKey bounds the keys worth caching; longer ones are classified
// each time.
const maxCachedKey = 64

// classify returns classifyKeyIn(key, extra, ctx), from the cache when it can.
func (c *keyCache) classify(key []byte, extra map[string]bool, ctx uint8) keyClass {
	if len(key) > maxCachedKey {
		return classifyKeyIn(key, extra, ctx)
	}
	h := maphash.Bytes(c.seed, key) ^ uint64(ctx)*0x9e3779b97f4a7c15
	slot := &c.slots[h%uint64(len(c.slots))]
	if e := slot.Load(); e != nil && e.ctx == ctx && e.key == string(key) {
		return e.class
	}
	class := classifyKeyIn(key, extra, ctx)
	slot.Store(&keyEntry{key: string(key), ctx: ctx, class: class})
	return class
}

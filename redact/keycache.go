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
	// keep says a filled slot is never replaced: two keys of one slot are
	// then classified each time rather than allocating an entry each time.
	keep bool
}

type keyEntry struct {
	key       string
	ctx       uint8
	class     keyClass
	nonPerson bool // nonPersonContainer(key)
}

// textKeys caches the classes of the keys found in free text (key=value,
// "key": value) for the Redactors without extra sensitive keys, whose
// classes depend on the key alone.
// Free text holds any word before a colon: its cache keeps the keys it
// has, so that no text allocates once its keys were seen.
var textKeys = &keyCache{seed: maphash.MakeSeed(), keep: true}

// classifyTextKey returns classifyKey(key, extra), from textKeys when extra
// is empty.
func classifyTextKey(key []byte, extra map[string]bool) keyClass {
	if len(extra) != 0 {
		return classifyKey(key, extra)
	}
	return textKeys.classify(key, nil, 0)
}

// maxCachedKey bounds the keys worth caching; longer ones are classified
// each time.
const maxCachedKey = 64

// classify returns classifyKeyIn(key, extra, ctx), from the cache when it can.
func (c *keyCache) classify(key []byte, extra map[string]bool, ctx uint8) keyClass {
	class, _ := c.lookup(key, extra, ctx)
	return class
}

// lookup returns classifyKeyIn(key, extra, ctx) and nonPersonContainer(key),
// from the cache when it can.
func (c *keyCache) lookup(key []byte, extra map[string]bool, ctx uint8) (keyClass, bool) {
	if len(key) > maxCachedKey {
		return classifyKeyIn(key, extra, ctx), nonPersonContainer(key)
	}
	h := maphash.Bytes(c.seed, key) ^ uint64(ctx)*0x9e3779b97f4a7c15
	// Two ways: the key may sit in either slot of its pair.
	i := h % uint64(len(c.slots)) &^ 1
	slot, slot2 := &c.slots[i], &c.slots[i+1]
	e := slot.Load()
	if e != nil && e.ctx == ctx && e.key == string(key) {
		return e.class, e.nonPerson
	}
	e2 := slot2.Load()
	if e2 != nil && e2.ctx == ctx && e2.key == string(key) {
		return e2.class, e2.nonPerson
	}
	class, nonPerson := classifyKeyIn(key, extra, ctx), nonPersonContainer(key)
	switch {
	case e == nil:
		slot.CompareAndSwap(nil, &keyEntry{key: string(key), ctx: ctx, class: class, nonPerson: nonPerson})
	case e2 == nil:
		slot2.CompareAndSwap(nil, &keyEntry{key: string(key), ctx: ctx, class: class, nonPerson: nonPerson})
	case !c.keep:
		// the new key goes first, the one it displaces second
		slot2.Store(e)
		slot.Store(&keyEntry{key: string(key), ctx: ctx, class: class, nonPerson: nonPerson})
	}
	return class, nonPerson
}

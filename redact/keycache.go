package redact

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// keyCache remembers the class of the keys a Redactor has seen. Documents
// repeat the same few hundred keys, and classifying one costs far more than
// a look-up. It is four-way set-associative and lock-free: a look-up hashes
// the key and compares it with the entries of its set of slots; a miss
// classifies the key and takes a free slot of the set, or (unless keep)
// the first, the others moving down. Entries are never changed once
// published.
type keyCache struct {
	seed maphash.Seed
	mix  uint64 // seeds the hash of short keys
	sets [2048][ways]atomic.Pointer[keyEntry]
	// keep says a full set is never replaced into: a fifth key of a set is
	// then classified each time rather than allocating an entry each time.
	keep bool
}

func newKeyCache(keep bool) *keyCache {
	seed := maphash.MakeSeed()
	return &keyCache{seed: seed, mix: maphash.Comparable(seed, 0) | 1, keep: keep}
}

// keyEntry is one cached key. A key of at most shortKeyLen bytes is held
// in k0 and k1 (see shortKey), with its length in n; a longer one in key.
type keyEntry struct {
	k0, k1    uint64
	key       string
	n         uint8
	ctx       uint8
	class     keyClass
	nonPerson bool // nonPersonContainer(key)
}

// shortKeyLen is the longest key held in two words.
const shortKeyLen = 16

// shortKey packs a key of at most shortKeyLen bytes into two words, by two
// loads that overlap when the key is shorter than both: with its length,
// they determine the key.
func shortKey(key []byte) (k0, k1 uint64) {
	switch n := len(key); {
	case n >= 8:
		return binary.LittleEndian.Uint64(key), binary.LittleEndian.Uint64(key[n-8:])
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(key)) | uint64(binary.LittleEndian.Uint32(key[n-4:]))<<32, 0
	}
	var x uint64
	for i, c := range key {
		x |= uint64(c) << (8 * i)
	}
	return x, 0
}

// textKeys caches the classes of the keys found in free text (key=value,
// "key": value) for the Redactors without extra sensitive keys, whose
// classes depend on the key alone.
// Free text holds any word before a colon: its cache keeps the keys it
// has, so that no text allocates once its keys were seen.
var textKeys = newKeyCache(true)

// classifyTextKey returns classifyKey(key, extra), from textKeys when extra
// is empty.
func classifyTextKey(key []byte, extra map[string]bool) keyClass {
	if len(extra) != 0 {
		return classifyKey(key, extra)
	}
	return textKeys.classify(key, nil, 0)
}

// ways is how many slots a key may sit in.
const ways = 4

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
	short := len(key) <= shortKeyLen
	var k0, k1, h uint64
	if short {
		// a multiply-rotate hash of the two words: far cheaper than
		// maphash for the short keys most documents have
		k0, k1 = shortKey(key)
		h = (k0^c.mix)*0x9e3779b97f4a7c15 ^ bits.RotateLeft64((k1+uint64(len(key))<<8|uint64(ctx))*0xc2b2ae3d27d4eb4f, 31)
		h = (h ^ h>>32) * 0x94d049bb133111eb
		h ^= h >> 29
	} else {
		h = maphash.Bytes(c.seed, key) ^ uint64(ctx)*0x9e3779b97f4a7c15
	}
	// Four ways: the key may sit in any slot of its set.
	set := &c.sets[h%uint64(len(c.sets))]
	for k := range set {
		e := set[k].Load()
		if e == nil {
			break
		}
		if e.matches(key, short, k0, k1, ctx) {
			return e.class, e.nonPerson
		}
	}
	class, nonPerson := classifyKeyIn(key, extra, ctx), nonPersonContainer(key)
	entry := func() *keyEntry {
		ne := &keyEntry{k0: k0, k1: k1, n: uint8(len(key)), ctx: ctx, class: class, nonPerson: nonPerson}
		if !short {
			ne.key = string(key)
		}
		return ne
	}
	for k := range set {
		if set[k].Load() == nil {
			set[k].CompareAndSwap(nil, entry())
			return class, nonPerson
		}
	}
	if !c.keep {
		// the new key goes first, the others move down and the last goes
		for k := ways - 1; k > 0; k-- {
			set[k].Store(set[k-1].Load())
		}
		set[0].Store(entry())
	}
	return class, nonPerson
}

// matches reports whether e holds key (packed in k0 and k1 when short)
// under ctx.
func (e *keyEntry) matches(key []byte, short bool, k0, k1 uint64, ctx uint8) bool {
	if e.ctx != ctx || int(e.n) != len(key) {
		return false
	}
	if short {
		return e.k0 == k0 && e.k1 == k1
	}
	return e.key == string(key)
}

package redact

import (
	"fmt"
	"testing"
)

// TestKeyCache checks the cache against classifying each time, for keys of
// every length around the short keys' bound, keys that differ in one byte
// only (where the two words of a short key overlap), every context and a
// cache small enough to evict.
func TestKeyCache(t *testing.T) {
	var keys []string
	for n := 0; n <= maxCachedKey+2; n++ {
		base := []byte(fmt.Sprintf("%-*s", n, "cardholderName_phone_password_x"))[:n]
		keys = append(keys, string(base))
		for i := range base {
			b := append([]byte(nil), base...)
			b[i] ^= 0x20
			keys = append(keys, string(b))
		}
	}
	keys = append(keys, "name", "Name", "ssn", "dob", "\x00", "\x00\x00", "a\x00", "\x00a")
	for _, keep := range []bool{false, true} {
		c := newKeyCache(keep)
		for round := range 3 {
			for _, k := range keys {
				for _, ctx := range []uint8{0, ctxNonPerson, ctxName, ctxAddress} {
					class, np := c.lookup([]byte(k), nil, ctx)
					if want, wantNP := classifyKeyIn([]byte(k), nil, ctx), nonPersonContainer([]byte(k)); class != want || np != wantNP {
						t.Fatalf("keep=%v round %d: lookup(%q, ctx %d) = %d %v, want %d %v", keep, round, k, ctx, class, np, want, wantNP)
					}
				}
			}
		}
	}
}

// TestShortKeyDistinct checks that two short keys of the same length pack
// differently.
func TestShortKeyDistinct(t *testing.T) {
	for n := 0; n <= shortKeyLen; n++ {
		seen := map[[2]uint64]string{}
		for i := 0; i < n; i++ {
			for _, c := range []byte{'a', 'b', 0, 0xff} {
				b := make([]byte, n)
				for j := range b {
					b[j] = 'x'
				}
				b[i] = c
				k0, k1 := shortKey(b)
				if prev, ok := seen[[2]uint64{k0, k1}]; ok && prev != string(b) {
					t.Fatalf("shortKey(%q) = shortKey(%q)", b, prev)
				}
				seen[[2]uint64{k0, k1}] = string(b)
			}
		}
	}
}

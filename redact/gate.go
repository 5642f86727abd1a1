package redact

import "math/bits"

// gate says which texts may hold something for a built-in detector, from
// the text's summary (see textSum). A gate repeats the first tests of its
// detector: it may let through more than the detector finds, never less.
type gate struct {
	// minLen, minDigits and minUpper: texts shorter, or with fewer digits
	// or upper-case letters, hold nothing for the detector.
	minLen, minDigits, minUpper int
	// any, when set, are flags of which the text must have one.
	any uint32
	// key, when set, waives any under a key of that class (a bare "123"
	// under "cvv").
	key keyClass
}

// Bounds of the gates' tables: a gate's minLen, minDigits and minUpper stay
// below them.
const (
	gateLens   = 64
	gateDigits = 16
	gateUpper  = 4
)

// gates holds the gates of a Redactor's built-in detectors as bit sets, one
// bit a detector, so that the detectors a text passes are found with a few
// table look-ups rather than a test (and a mispredicted branch) for each.
type gates struct {
	byLen    [gateLens + 1]uint64   // minLen <= n
	byDigits [gateDigits + 1]uint64 // minDigits <= digits
	byUpper  [gateUpper + 1]uint64  // minUpper <= upper
	byFlag   [32]uint64             // any holds the flag
	noFlag   uint64                 // any is empty
	byKey    [8]uint64              // key waives any
	shortest int                    // the least minLen: shorter texts hold nothing
}

func newGates(ds []detector) *gates {
	if len(ds) > 64 {
		panic("redact: more built-in detectors than the bits of a gate set")
	}
	g := &gates{shortest: gateLens + 1}
	for i, d := range ds {
		bit := uint64(1) << i
		g.shortest = min(g.shortest, d.minLen)
		for n := range g.byLen {
			if d.minLen <= n {
				g.byLen[n] |= bit
			}
		}
		for n := range g.byDigits {
			if d.minDigits <= n {
				g.byDigits[n] |= bit
			}
		}
		for n := range g.byUpper {
			if d.minUpper <= n {
				g.byUpper[n] |= bit
			}
		}
		if d.any == 0 {
			g.noFlag |= bit
		}
		for f := d.any; f != 0; f &= f - 1 {
			g.byFlag[bits.TrailingZeros32(f)] |= bit
		}
		if d.key != keyNone {
			g.byKey[d.key] |= bit
		}
	}
	return g
}

// open returns the detectors (as bits) whose gate a text of length n with
// summary sum, under a key of class key, passes.
func (g *gates) open(n int, sum *textSum, key keyClass) uint64 {
	flagged := g.noFlag | g.byKey[key&7]
	for f := sum.flags; f != 0; f &= f - 1 {
		flagged |= g.byFlag[bits.TrailingZeros32(f)]
	}
	return flagged & g.byLen[min(n, gateLens)] & g.byDigits[min(sum.digits, gateDigits)] & g.byUpper[min(sum.upper, gateUpper)]
}

package encrypt

import (
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// suiteInfo describes one algorithm suite of the message format.
type suiteInfo struct {
	id        Suite
	version   byte             // message format version: 1 or 2
	keyLen    int              // data key and encryption key length in bytes
	kdf       func() hash.Hash // nil: the data key is the encryption key
	commit    bool             // key commitment (v2 suites)
	curve     elliptic.Curve   // nil: unsigned
	sigHash   func() hash.Hash // hash of the footer signature
	sigKeyLen int              // compressed public key length
}

// signed reports whether messages of the suite carry a footer signature.
func (s *suiteInfo) signed() bool { return s.curve != nil }

var suites = map[Suite]*suiteInfo{
	0x0014:            {id: 0x0014, version: 1, keyLen: 16},
	0x0046:            {id: 0x0046, version: 1, keyLen: 24},
	0x0078:            {id: 0x0078, version: 1, keyLen: 32},
	0x0114:            {id: 0x0114, version: 1, keyLen: 16, kdf: sha256.New},
	0x0146:            {id: 0x0146, version: 1, keyLen: 24, kdf: sha256.New},
	0x0178:            {id: 0x0178, version: 1, keyLen: 32, kdf: sha256.New},
	0x0214:            {id: 0x0214, version: 1, keyLen: 16, kdf: sha256.New, curve: elliptic.P256(), sigHash: sha256.New, sigKeyLen: 33},
	0x0346:            {id: 0x0346, version: 1, keyLen: 24, kdf: sha512.New384, curve: elliptic.P384(), sigHash: sha512.New384, sigKeyLen: 49},
	0x0378:            {id: 0x0378, version: 1, keyLen: 32, kdf: sha512.New384, curve: elliptic.P384(), sigHash: sha512.New384, sigKeyLen: 49},
	SuiteCommit:       {id: SuiteCommit, version: 2, keyLen: 32, kdf: sha512.New, commit: true},
	SuiteCommitSigned: {id: SuiteCommitSigned, version: 2, keyLen: 32, kdf: sha512.New, commit: true, curve: elliptic.P384(), sigHash: sha512.New384, sigKeyLen: 49},
}

// lookupSuite returns the description of s, or nil for an unknown suite.
func lookupSuite(s Suite) *suiteInfo { return suites[s] }

// Signed reports whether messages of the suite carry an ECDSA signature.
func (s Suite) Signed() bool {
	si := lookupSuite(s)
	return si != nil && si.signed()
}

// DataKeyLength returns the length in bytes of the suite's data keys, or 0
// for an unknown suite.
func (s Suite) DataKeyLength() int {
	if si := lookupSuite(s); si != nil {
		return si.keyLen
	}
	return 0
}

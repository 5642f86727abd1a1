package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/lambda-compliance/compliance/encrypt"
)

const (
	namespace = "compliance-interop"
	keyName   = "key-1"
	publicKey = "aws-crypto-public-key" // the signed suites' context entry
)

var (
	key      = sha256.Sum256([]byte("compliance interop raw AES-256 wrapping key"))
	otherKey = sha256.Sum256([]byte("another raw AES-256 wrapping key"))

	// nonASCII is an encryption context with multi-byte UTF-8 keys and
	// values, whose keys sort the same by UTF-8 bytes and by
	// String.prototype.localeCompare (see TestContextSorting).
	nonASCII = map[string]string{
		"tenant":  "acme",
		"purpose": "interop test",
		"ключ":    "значение ✓",
		"emoji":   "🔐 clé",
	}
)

// random returns n deterministic pseudo-random bytes.
func random(n int, seed uint64) []byte {
	b := make([]byte, n)
	var s [32]byte
	s[0] = byte(seed)
	rand.NewChaCha8(s).Read(b)
	return b
}

type tcase struct {
	name  string
	suite encrypt.Suite
	frame int
	pt    []byte
	ec    map[string]string
}

// matrix is every suite × frame length × plaintext × context.
func matrix() []tcase {
	var cs []tcase
	for _, suite := range []encrypt.Suite{encrypt.SuiteCommit, encrypt.SuiteCommitSigned} {
		for _, frame := range []int{4096, 100} {
			pts := []struct {
				name string
				pt   []byte
			}{
				{"empty", nil},
				{"1B", []byte{0x2a}},
				{"text", []byte("Order 4711 for Zoë — café ☕, shipped.")},
				{"frame", random(frame, 1)},
				{"3frames", random(3*frame, 2)},
				{"1MiB", random(1<<20, 3)},
			}
			for _, p := range pts {
				for _, ec := range []struct {
					name string
					ec   map[string]string
				}{{"noctx", nil}, {"ctx", nonASCII}} {
					cs = append(cs, tcase{
						name:  fmt.Sprintf("%04X/frame%d/%s/%s", uint16(suite), frame, p.name, ec.name),
						suite: suite, frame: frame, pt: p.pt, ec: ec.ec,
					})
				}
			}
		}
	}
	return cs
}

func rawKeyring(t testing.TB, name string, k []byte) encrypt.Keyring {
	t.Helper()
	kr, err := encrypt.RawAESKeyring(namespace, name, k)
	if err != nil {
		t.Fatalf("RawAESKeyring: %v", err)
	}
	return kr
}

func ours(t testing.TB, suite encrypt.Suite, frame int, name string, k []byte) *encrypt.Encryptor {
	t.Helper()
	e, err := encrypt.New(encrypt.WithKeyring(rawKeyring(t, name, k)), encrypt.WithSuite(suite), encrypt.WithFrameLength(frame))
	if err != nil {
		t.Fatalf("encrypt.New: %v", err)
	}
	return e
}

// withoutPublicKey returns ec without the signed suites' public key entry, nil
// when that leaves it empty.
func withoutPublicKey(ec map[string]string) map[string]string {
	out := maps.Clone(ec)
	delete(out, publicKey)
	if len(out) == 0 {
		return nil
	}
	return out
}

// checkOpened checks a decryption's plaintext and context against the case.
func checkOpened(t *testing.T, dir string, c tcase, pt []byte, ec map[string]string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: decrypt: %v", dir, err)
		return
	}
	if !bytes.Equal(pt, c.pt) {
		t.Errorf("%s: plaintext of %d bytes, want %d bytes (equal prefix %d)", dir, len(pt), len(c.pt), commonPrefix(pt, c.pt))
	}
	if got := withoutPublicKey(ec); !maps.Equal(got, c.ec) {
		t.Errorf("%s: context %q, want %q", dir, got, c.ec)
	}
	if _, ok := ec[publicKey]; ok != (c.suite == encrypt.SuiteCommitSigned) {
		t.Logf("%s: context has %s: %v", dir, publicKey, ok)
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// TestInterop runs the matrix in every direction: ours encrypt → each oracle
// decrypts, each oracle encrypts → ours decrypt; and compares the structure
// and size of the three implementations' messages for the same inputs.
func TestInterop(t *testing.T) {
	ctx := context.Background()
	cases := matrix()
	js, jsMissing := startJS(t)
	gor := newGoOracle(t, namespace, keyName, key[:])

	oursMsg := make([][]byte, len(cases))
	oursErr := make([]error, len(cases))
	goMsg := make([][]byte, len(cases))
	goErr := make([]error, len(cases))
	encs := make([]*encrypt.Encryptor, len(cases))
	var jsEnc, jsDec []jsRequest
	for i, c := range cases {
		encs[i] = ours(t, c.suite, c.frame, keyName, key[:])
		oursMsg[i], oursErr[i] = encs[i].Encrypt(ctx, c.pt, c.ec)
		goMsg[i], goErr[i] = gor.encrypt(uint16(c.suite), c.frame, c.pt, c.ec)
		jsEnc = append(jsEnc, jsRequest{Op: "encrypt", Key: key[:], Namespace: namespace, Name: keyName,
			Suite: uint16(c.suite), FrameLength: c.frame, Context: c.ec, Data: c.pt})
		jsDec = append(jsDec, jsRequest{Op: "decrypt", Key: key[:], Namespace: namespace, Name: keyName, Data: oursMsg[i]})
	}
	var jsEncOut, jsDecOut []jsResponse
	if js != nil {
		jsEncOut = js.do(t, jsEnc)
		jsDecOut = js.do(t, jsDec)
	}

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if oursErr[i] != nil {
				t.Errorf("ours: encrypt: %v", oursErr[i])
			} else {
				pt, ec, err := gor.decrypt(oursMsg[i])
				checkOpened(t, "ours→esdk-go", c, pt, ec, err)
				if js != nil {
					r := jsDecOut[i]
					checkOpened(t, "ours→esdk-js", c, r.Data, r.Context, r.err())
					if r.OK && r.Suite != uint16(c.suite) {
						t.Errorf("ours→esdk-js: suite %04X, want %04X", r.Suite, uint16(c.suite))
					}
				}
			}
			if goErr[i] != nil {
				t.Errorf("esdk-go: encrypt: %v", goErr[i])
			} else {
				pt, ec, err := encs[i].Decrypt(ctx, goMsg[i], c.ec)
				checkOpened(t, "esdk-go→ours", c, pt, ec, err)
			}
			var jsMsg []byte
			if js != nil {
				if err := jsEncOut[i].err(); err != nil {
					t.Errorf("esdk-js: encrypt: %v", err)
				} else {
					jsMsg = jsEncOut[i].Data
					pt, ec, err := encs[i].Decrypt(ctx, jsMsg, c.ec)
					checkOpened(t, "esdk-js→ours", c, pt, ec, err)
				}
			}
			if oursErr[i] == nil {
				compareMessages(t, c, oursMsg[i], "esdk-go", goMsg[i])
				compareMessages(t, c, oursMsg[i], "esdk-js", jsMsg)
			}
		})
	}
	if js == nil {
		t.Skip(jsMissing)
	}
}

// compareMessages compares ours with an oracle's message for the same inputs:
// the same structure field by field and, for the unsigned suite, the same
// size; the signed suite's sizes may differ by the length of the DER encoding
// of the signature only.
func compareMessages(t *testing.T, c tcase, oursMsg []byte, oracle string, msg []byte) {
	t.Helper()
	if msg == nil {
		return
	}
	so, err := parseShape(oursMsg)
	if err != nil {
		t.Errorf("ours: message does not parse: %v\n  %v", err, so)
		return
	}
	sx, err := parseShape(msg)
	if err != nil {
		t.Errorf("%s: message does not parse: %v", oracle, err)
		return
	}
	// regularFrameOverhead is what a regular frame plus an empty final frame
	// take beyond a final frame of the same content.
	const regularFrameOverhead = (4 + 12 + 16 + 4 + 4 + 12 + 4 + 16) - (4 + 4 + 12 + 4 + 16)
	want := 0
	if so.emptyFinalVariant(sx) {
		t.Logf("ours vs %s: %s ends with a regular frame and an empty final frame (%s), ours with a full final frame (%s): both allowed",
			oracle, oracle, summarize(sx.Frames), summarize(so.Frames))
		want = -regularFrameOverhead
	} else if d := so.compare(sx); len(d) > 0 {
		t.Errorf("ours vs %s: messages differ in structure:\n  %q\n  ours:  %v\n  %s: %v", oracle, d, so, oracle, sx)
	}
	diff := len(oursMsg) - len(msg) - want
	switch c.suite {
	case encrypt.SuiteCommit:
		if diff != 0 {
			t.Errorf("ours vs %s: %d bytes vs %d", oracle, len(oursMsg), len(msg))
		}
	case encrypt.SuiteCommitSigned:
		// The signatures' DER encodings differ in length with their
		// integers' leading bytes (a zero added before a high bit, zeros
		// dropped); all else must be the same size.
		if diff != so.FooterLen-sx.FooterLen {
			t.Errorf("ours vs %s: %d bytes vs %d (signatures of %d and %d)", oracle, len(oursMsg), len(msg), so.FooterLen, sx.FooterLen)
		}
		if so.FooterLen > maxP384Signature || sx.FooterLen > maxP384Signature {
			t.Errorf("ours vs %s: signatures of %d and %d bytes, longer than an ECDSA P-384 signature can be (%d)",
				oracle, so.FooterLen, sx.FooterLen, maxP384Signature)
		}
	}
}

// maxP384Signature is the longest DER encoding of an ECDSA P-384 signature:
// a SEQUENCE of two INTEGERs of 48 bytes, each with a zero byte before it.
const maxP384Signature = 2 + 2*(2+49)

// rejected checks that ours refused a message with one of the documented
// errors and returned no plaintext.
func rejected(t *testing.T, who string, pt []byte, err error) {
	t.Helper()
	var fe *encrypt.FormatError
	var pe *encrypt.PolicyError
	var ce *encrypt.ContextError
	var le *encrypt.LimitError
	switch {
	case err == nil:
		t.Errorf("%s: accepted, %d bytes of plaintext", who, len(pt))
	case pt != nil:
		t.Errorf("%s: returned %d bytes of plaintext with error %v", who, len(pt), err)
	case errors.Is(err, encrypt.ErrDecrypt), errors.As(err, &fe), errors.As(err, &pe), errors.As(err, &ce), errors.As(err, &le):
	default:
		t.Errorf("%s: undocumented error %T: %v", who, err, err)
	}
}

type tamper struct {
	name string
	f    func(m []byte, s *shape) []byte
}

// jsLenient are the changes to an unsigned message that the ESDK for
// JavaScript 5.0.2 accepts (it stops reading after the final frame): its
// verdict on them is logged, not required.
var jsLenient = map[string]bool{"append/1B": true}

func flip(off func(s *shape) int) func(m []byte, s *shape) []byte {
	return func(m []byte, s *shape) []byte {
		o := off(s)
		if o <= 0 || o >= len(m) {
			return nil
		}
		m = bytes.Clone(m)
		m[o] ^= 0x01
		return m
	}
}

func tampers() []tamper {
	return []tamper{
		{"header/version", flip(func(*shape) int { return 0 })},
		{"header/suite", flip(func(*shape) int { return 2 })},
		{"header/message-id", flip(func(s *shape) int { return s.OffMessageID + 7 })},
		{"header/context-value", flip(func(s *shape) int { return s.OffContext + s.ContextLen - 1 })},
		{"header/edk-wrapping-iv", flip(func(s *shape) int { return s.OffEDKCiphertext - 3 })},
		{"header/edk-ciphertext", flip(func(s *shape) int { return s.OffEDKCiphertext + 5 })},
		{"header/edk-tag", flip(func(s *shape) int { return s.OffEDKCiphertext + 32 + 15 })},
		{"header/frame-length", flip(func(s *shape) int { return s.OffHeaderTag - 33 })},
		{"header/commit-key", flip(func(s *shape) int { return s.OffHeaderTag - 1 })},
		{"header/tag", flip(func(s *shape) int { return s.OffHeaderTag + 3 })},
		{"frame1/sequence", flip(func(s *shape) int { return s.HeaderLen + 3 })},
		{"frame1/iv", flip(func(s *shape) int { return s.HeaderLen + 4 })},
		{"frame1/body", flip(func(s *shape) int { return s.OffFirstFrameBody + 10 })},
		{"frame1/tag", flip(func(s *shape) int { return s.OffFirstFrameBody + int(s.FrameLength) + 15 })},
		{"final/length", flip(func(s *shape) int { return s.OffFinalFrame + 4 + 4 + 12 + 3 })},
		{"final/tag", flip(func(s *shape) int {
			if s.FooterLen >= 0 {
				return s.OffFooter - 1
			}
			return len(s.Frames) * 0 // replaced below for unsigned messages
		})},
		{"last-byte", func(m []byte, s *shape) []byte { return flip(func(*shape) int { return len(m) - 1 })(m, s) }},
		{"footer/signature", flip(func(s *shape) int {
			if s.FooterLen < 0 {
				return -1
			}
			return s.OffFooter + 2 + 20
		})},
		{"footer/length", flip(func(s *shape) int {
			if s.FooterLen < 0 {
				return -1
			}
			return s.OffFooter + 1
		})},
		{"truncate/1B", func(m []byte, _ *shape) []byte { return bytes.Clone(m[:len(m)-1]) }},
		{"truncate/half", func(m []byte, _ *shape) []byte { return bytes.Clone(m[:len(m)/2]) }},
		{"truncate/header", func(m []byte, s *shape) []byte { return bytes.Clone(m[:s.HeaderLen]) }},
		{"truncate/before-final-frame", func(m []byte, s *shape) []byte { return bytes.Clone(m[:s.OffFinalFrame]) }},
		{"append/1B", func(m []byte, _ *shape) []byte { return append(bytes.Clone(m), 0) }},
	}
}

// TestTamper checks that a message of ours with one byte changed, cut short or
// extended is refused by ours and by both oracles, and that ours refuses the
// same changes to the Go oracle's messages.
func TestTamper(t *testing.T) {
	ctx := context.Background()
	js, jsMissing := startJS(t)
	gor := newGoOracle(t, namespace, keyName, key[:])
	pt := random(350, 4) // frames 100, 100, 100 and a final one of 50
	for _, suite := range []encrypt.Suite{encrypt.SuiteCommit, encrypt.SuiteCommitSigned} {
		e := ours(t, suite, 100, keyName, key[:])
		m, err := e.Encrypt(ctx, pt, nonASCII)
		if err != nil {
			t.Errorf("%04X: ours: encrypt: %v", uint16(suite), err)
			continue
		}
		gm, err := gor.encrypt(uint16(suite), 100, pt, nonASCII)
		if err != nil {
			t.Fatalf("esdk-go: encrypt: %v", err)
		}
		// Sanity: the untouched messages open everywhere.
		if _, _, err := e.Decrypt(ctx, m, nil); err != nil {
			t.Errorf("%04X: ours cannot decrypt its own message: %v", uint16(suite), err)
		}
		var reqs []jsRequest
		var names []string
		var lenient []bool
		for _, tm := range tampers() {
			name := fmt.Sprintf("%04X/%s", uint16(suite), tm.name)
			s, err := parseShape(m)
			if err != nil {
				t.Fatalf("%s: ours: %v", name, err)
			}
			bad := tm.f(m, s)
			if tm.name == "final/tag" && s.FooterLen < 0 {
				bad = flip(func(*shape) int { return len(m) - 2 })(m, s)
			}
			if bad == nil {
				continue // not applicable to this suite
			}
			gs, err := parseShape(gm)
			if err != nil {
				t.Fatalf("%s: esdk-go: %v", name, err)
			}
			gbad := tm.f(gm, gs)
			if tm.name == "final/tag" && gs.FooterLen < 0 {
				gbad = flip(func(*shape) int { return len(gm) - 2 })(gm, gs)
			}
			t.Run(name, func(t *testing.T) {
				got, _, err := e.Decrypt(ctx, bad, nil)
				rejected(t, "ours (own message)", got, err)
				if got, _, err := gor.decrypt(bad); err == nil {
					t.Errorf("esdk-go accepted ours tampered: %d bytes", len(got))
				}
				got, _, err = e.Decrypt(ctx, gbad, nil)
				rejected(t, "ours (esdk-go's message)", got, err)
				if got, _, err := gor.decrypt(gbad); err == nil {
					t.Errorf("esdk-go accepted its own tampered message: %d bytes", len(got))
				}
			})
			reqs = append(reqs, jsRequest{Op: "decrypt", Key: key[:], Namespace: namespace, Name: keyName, Data: bad})
			names = append(names, name)
			lenient = append(lenient, jsLenient[tm.name])
		}
		if js != nil {
			for i, r := range js.do(t, reqs) {
				switch {
				case r.OK && lenient[i]:
					t.Logf("%s: esdk-js accepted ours tampered (known leniency of the ESDK for JavaScript); plaintext intact: %v",
						names[i], bytes.Equal(r.Data, pt))
				case r.OK:
					t.Errorf("%s: esdk-js accepted ours tampered: %d bytes", names[i], len(r.Data))
				}
			}
		}
	}
	if js == nil {
		t.Skip(jsMissing)
	}
}

// TestWrongKey checks that a message opens only with the keyring of the same
// namespace, name and key, in every direction.
func TestWrongKey(t *testing.T) {
	ctx := context.Background()
	js, jsMissing := startJS(t)
	pt := []byte("the wrong key must not open this")
	for _, suite := range []encrypt.Suite{encrypt.SuiteCommit, encrypt.SuiteCommitSigned} {
		t.Run(fmt.Sprintf("%04X", uint16(suite)), func(t *testing.T) {
			right := ours(t, suite, 4096, keyName, key[:])
			wrongName := ours(t, suite, 4096, "key-2", key[:])
			wrongKey := ours(t, suite, 4096, keyName, otherKey[:])
			gor := newGoOracle(t, namespace, keyName, key[:])
			goWrongName := newGoOracle(t, namespace, "key-2", key[:])
			goWrongKey := newGoOracle(t, namespace, keyName, otherKey[:])

			m, err := right.Encrypt(ctx, pt, nonASCII)
			if err != nil {
				t.Fatalf("ours: encrypt: %v", err)
			}
			for _, d := range []struct {
				who string
				e   *encrypt.Encryptor
			}{{"ours, other key name", wrongName}, {"ours, other key", wrongKey}} {
				got, _, err := d.e.Decrypt(ctx, m, nil)
				if !errors.Is(err, encrypt.ErrDecrypt) {
					t.Errorf("%s: err %v, want ErrDecrypt", d.who, err)
				}
				rejected(t, d.who, got, err)
			}
			if got, _, err := right.Decrypt(ctx, m, map[string]string{"tenant": "other"}); err == nil {
				t.Errorf("ours, other required context: accepted, %d bytes", len(got))
			}
			if _, _, err := goWrongName.decrypt(m); err == nil {
				t.Error("esdk-go, other key name: accepted ours")
			}
			if _, _, err := goWrongKey.decrypt(m); err == nil {
				t.Error("esdk-go, other key: accepted ours")
			}

			gm, err := gor.encrypt(uint16(suite), 4096, pt, nonASCII)
			if err != nil {
				t.Fatalf("esdk-go: encrypt: %v", err)
			}
			got, _, err := wrongName.Decrypt(ctx, gm, nil)
			rejected(t, "ours, other key name (esdk-go's message)", got, err)
			got, _, err = wrongKey.Decrypt(ctx, gm, nil)
			rejected(t, "ours, other key (esdk-go's message)", got, err)

			if js == nil {
				return
			}
			out := js.do(t, []jsRequest{
				{Op: "decrypt", Key: key[:], Namespace: namespace, Name: "key-2", Data: m},
				{Op: "decrypt", Key: otherKey[:], Namespace: namespace, Name: keyName, Data: m},
				{Op: "encrypt", Key: key[:], Namespace: namespace, Name: keyName, Suite: uint16(suite), FrameLength: 4096, Context: nonASCII, Data: pt},
			})
			if out[0].OK || out[1].OK {
				t.Errorf("esdk-js, other key name or key: accepted ours (%v, %v)", out[0].OK, out[1].OK)
			}
			if err := out[2].err(); err != nil {
				t.Fatal(err)
			}
			got, _, err = wrongName.Decrypt(ctx, out[2].Data, nil)
			rejected(t, "ours, other key name (esdk-js's message)", got, err)
			got, _, err = wrongKey.Decrypt(ctx, out[2].Data, nil)
			rejected(t, "ours, other key (esdk-js's message)", got, err)
		})
	}
	if js == nil {
		t.Skip(jsMissing)
	}
}

// mixedCase is a context whose keys sort differently by UTF-8 bytes ("Tenant"
// < "_id" < "purpose", the order of the message format) and by
// String.prototype.localeCompare ("_id" < "purpose" < "Tenant").
var mixedCase = map[string]string{"Tenant": "acme", "_id": "4711", "purpose": "interop"}

// TestContextSorting covers the raw AES keyring of the ESDK for JavaScript,
// which by default (utf8Sorting: false) sorts the encryption context with
// localeCompare when it builds the AAD of the data key's wrapping, instead of
// by UTF-8 bytes as the message format and the other implementations do
// (aws/aws-encryption-sdk-javascript#428). With utf8Sorting: true it must
// interoperate with ours both ways; the default's verdicts are logged (they
// depend on the collation of node's locale).
func TestContextSorting(t *testing.T) {
	ctx := context.Background()
	js, jsMissing := startJS(t)
	if js == nil {
		t.Skip(jsMissing)
	}
	gor := newGoOracle(t, namespace, keyName, key[:])
	e := ours(t, encrypt.SuiteCommit, 4096, keyName, key[:])
	pt := []byte("context sorting")
	m, err := e.Encrypt(ctx, pt, mixedCase)
	if err != nil {
		t.Fatalf("ours: encrypt: %v", err)
	}
	gm, err := gor.encrypt(uint16(encrypt.SuiteCommit), 4096, pt, mixedCase)
	if err != nil {
		t.Fatalf("esdk-go: encrypt: %v", err)
	}
	req := func(op string, utf8 bool, data []byte) jsRequest {
		return jsRequest{Op: op, Key: key[:], Namespace: namespace, Name: keyName, Suite: uint16(encrypt.SuiteCommit),
			FrameLength: 4096, Context: mixedCase, Data: data, UTF8Sorting: utf8}
	}
	out := js.do(t, []jsRequest{
		req("decrypt", true, m), req("decrypt", true, gm), req("encrypt", true, pt),
		req("decrypt", false, m), req("decrypt", false, gm), req("encrypt", false, pt),
	})
	c := tcase{suite: encrypt.SuiteCommit, pt: pt, ec: mixedCase}
	checkOpened(t, "ours→esdk-js (utf8Sorting)", c, out[0].Data, out[0].Context, out[0].err())
	checkOpened(t, "esdk-go→esdk-js (utf8Sorting)", c, out[1].Data, out[1].Context, out[1].err())
	if err := out[2].err(); err != nil {
		t.Fatal(err)
	}
	got, ec, err := e.Decrypt(ctx, out[2].Data, nil)
	checkOpened(t, "esdk-js (utf8Sorting)→ours", c, got, ec, err)

	t.Logf("esdk-js default (utf8Sorting false): decrypts ours: %v (%s); decrypts esdk-go's: %v (%s)",
		out[3].OK, out[3].Error, out[4].OK, out[4].Error)
	if err := out[5].err(); err != nil {
		t.Fatal(err)
	}
	_, _, oursErr := e.Decrypt(ctx, out[5].Data, nil)
	_, _, goErr := gor.decrypt(out[5].Data)
	t.Logf("esdk-js default (utf8Sorting false) message: ours decrypts: %v (%v); esdk-go decrypts: %v (%v)",
		oursErr == nil, oursErr, goErr == nil, goErr)
}

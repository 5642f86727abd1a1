package audit

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lambda-compliance/compliance/middleware"
)

var testNow = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

const (
	testFunctionARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
	testKeyARN      = "arn:aws:kms:eu-west-1:123456789012:key/0b7c6c4e-0000-4000-8000-000000000001"
	// Planted values that must never reach a record.
	plantedEmail  = "jane.doe@example.com"
	plantedCard   = "4111111111111111"
	plantedSecret = "hunter2-s3cr3t"
)

func testConfig() Config {
	return Config{
		FunctionARN: testFunctionARN,
		LogStream:   "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
		Product:     "compliance-test",
		Version:     "1.2.3",
		DigestKey:   []byte("digest key: 32 bytes of entropy!"),
		Now:         func() time.Time { return testNow },
	}
}

type plantedError struct{ msg string }

func (e *plantedError) Error() string { return e.msg }

func testEvent(i int) *Event {
	inv := &middleware.Invocation{
		RequestID:          fmt.Sprintf("req-%04d", i),
		InvokedFunctionARN: testFunctionARN + ":live",
		FunctionName:       "orders",
		FunctionVersion:    "7",
		Region:             "eu-west-1",
		AccountID:          "123456789012",
		MemoryMB:           512,
		LogGroup:           "/aws/lambda/orders",
		LogStream:          "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
		ColdStart:          i == 1,
		InitType:           "on-demand",
		TraceHeader:        "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=" + plantedEmail,
		Start:              testNow.Add(-150 * time.Millisecond),
		Source:             middleware.SourceAPIGatewayREST,
		Resources:          []string{"arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders/{id}"},
		Operation:          "GET /orders/{id}?email=" + plantedEmail,
		Actor: middleware.Actor{
			UserARN:     "arn:aws:iam::123456789012:user/alice",
			AccountID:   "123456789012",
			AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
			PrincipalID: "AIDAEXAMPLE",
			SourceIP:    "203.0.113.7",
			UserAgent:   "curl/8.5.0",
			Assurance:   middleware.AssuranceSigV4,
		},
		EventErr:     &plantedError{msg: "bad card " + plantedCard},
		RequestSize:  91,
		ResponseSize: 17,
	}
	return &Event{
		Invocation: inv,
		End:        testNow,
		Outcome:    OutcomeSuccess,
		Request:    []byte(`{"email":"` + plantedEmail + `","card":"` + plantedCard + `","password":"` + plantedSecret + `"}`),
		Response:   []byte(`{"ok":true}`),
		Findings:   map[string]int{"email": 1, "credit_card": 1},
	}
}

// writeChain writes a chain of n API records (and a close record when
// closed) and returns its lines without their newlines.
func writeChain(t testing.TB, n int, cfg Config, closed bool) ([][]byte, *Chain) {
	t.Helper()
	var buf bytes.Buffer
	ctx := context.Background()
	c, err := NewChain(ctx, &buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if err := c.Record(ctx, testEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	if closed {
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")), c
}

func join(lines [][]byte) []byte {
	return append(bytes.Join(lines, []byte("\n")), '\n')
}

func verifyLines(t testing.TB, lines [][]byte, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(join(lines)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func decode(t testing.TB, line []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", line, err)
	}
	return m
}

// lookup follows a path of object keys in a decoded record.
func lookup(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

// reseal rewrites a record line: mutate changes it, then it is given a
// correct fingerprint and a signature: by key (ES256) or hmacKey (HS256).
func reseal(t testing.TB, line []byte, key *ecdsa.PrivateKey, hmacKey []byte, mutate func(map[string]any)) []byte {
	t.Helper()
	m := decode(t, line)
	mutate(m)
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var p canonParser
	canon, err := p.canonicalize(nil, raw, fingerprintExclude)
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(canon)
	var sig []byte
	if key != nil {
		if sig, err = ecdsa.SignASN1(rand.Reader, key, fp[:]); err != nil {
			t.Fatal(err)
		}
	} else {
		sig = hmacSum(hmacKey, fp[:])
	}
	att := m["attestation"].(map[string]any)
	att["fingerprint"].(map[string]any)["value"] = hex.EncodeToString(fp[:])
	att["signatures"].([]any)[0].(map[string]any)["value"] = base64.StdEncoding.EncodeToString(sig)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fakeCertifier signs like KMS would, with a local key.
func fakeCertifier(key *ecdsa.PrivateKey) Certifier {
	return CertifierFunc(func(_ context.Context, digest []byte) ([]byte, string, error) {
		sig, err := ecdsa.SignASN1(rand.Reader, key, digest)
		return sig, testKeyARN, err
	})
}

// failingWriter fails the writes whose index (from 0) is in fail.
type failingWriter struct {
	buf   bytes.Buffer
	n     int
	fail  map[int]bool
	short bool // fail after writing half the line
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	i := w.n
	w.n++
	if w.fail[i] {
		if w.short {
			w.buf.Write(p[:len(p)/2])
			return len(p) / 2, errDiskFull
		}
		return 0, errDiskFull
	}
	return w.buf.Write(p)
}

func kinds(ps []Problem) map[Status]int {
	m := map[Status]int{}
	for _, p := range ps {
		m[p.Kind]++
	}
	return m
}

type ecdsaPublicKey = ecdsa.PublicKey

func ecdsaSign(key *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	return ecdsa.SignASN1(rand.Reader, key, digest)
}

func marshalPKIX(k *ecdsa.PublicKey) ([]byte, error) { return x509.MarshalPKIXPublicKey(k) }

// b64Lines returns the base64 of b in 64-character lines, as PEM has it.
func b64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out string
	for len(s) > 64 {
		out += s[:64] + "\n"
		s = s[64:]
	}
	return out + s + "\n"
}

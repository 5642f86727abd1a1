package audit_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/middleware"
)

func event(id string) *audit.Event {
	return &audit.Event{
		Invocation: &middleware.Invocation{
			RequestID: id,
			Operation: "GET /orders/{id}",
			Source:    middleware.SourceAPIGatewayHTTP,
			Start:     time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		},
		End:     time.Date(2026, 11, 28, 10, 0, 0, 120e6, time.UTC),
		Outcome: audit.OutcomeSuccess,
		Request: []byte(`{"email":"jane@example.com"}`), // only its keyed digest is written
	}
}

// A chain written to a buffer and verified: it is intact but uncertified,
// since no Certifier vouched for its key.
func Example() {
	ctx := context.Background()
	var log bytes.Buffer
	chain, err := audit.NewChain(ctx, &log, audit.Config{
		FunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:orders",
		LogStream:   "2026/11/28/[$LATEST]0123456789abcdef",
		DigestKey:   []byte("a key for payload digests"),
	})
	if err != nil {
		panic(err)
	}
	for _, id := range []string{"req-1", "req-2"} {
		if err := chain.Record(ctx, event(id)); err != nil {
			panic(err)
		}
	}
	if err := chain.Close(ctx); err != nil {
		panic(err)
	}

	rep, err := audit.Verify(ctx, &log, audit.VerifyOptions{RequestIDs: []string{"req-1", "req-2", "req-3"}})
	if err != nil {
		panic(err)
	}
	for _, c := range rep.Chains {
		fmt.Println(c.Status, c.Records, "records")
		for _, p := range c.Problems {
			fmt.Println(" ", p.Kind+":", p.Detail)
		}
	}
	fmt.Println("missing:", rep.MissingRequestIDs)
	fmt.Println("OK:", rep.OK(), "Intact:", rep.Intact())
	// Output:
	// uncertified 4 records
	//   uncertified: self-signed: no certificate
	// missing: [req-3]
	// OK: false Intact: false
}

// Verify finds a deleted record.
func ExampleVerify() {
	ctx := context.Background()
	var log bytes.Buffer
	chain, _ := audit.NewChain(ctx, &log, audit.Config{FunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:f"})
	for _, id := range []string{"a", "b", "c"} {
		_ = chain.Record(ctx, event(id))
	}
	_ = chain.Close(ctx)

	lines := bytes.SplitAfter(log.Bytes(), []byte("\n"))
	tampered := bytes.Join(append(lines[:2:2], lines[3:]...), nil) // drop record 2

	rep, _ := audit.Verify(ctx, bytes.NewReader(tampered), audit.VerifyOptions{})
	c := rep.Chains[0]
	fmt.Println(c.Status, c.Missing)
	// Output:
	// deleted [2]
}

// A Certifier certifies the chain's key. KMSCertifier does it with an AWS KMS
// key; here a local key stands in for KMS, and its public key, by key ARN,
// checks the certificate.
func ExampleCertifierFunc() {
	ctx := context.Background()
	const keyARN = "arn:aws:kms:eu-west-1:123456789012:key/example"
	kmsKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	certifier := audit.CertifierFunc(func(_ context.Context, digest []byte) ([]byte, string, error) {
		sig, err := ecdsa.SignASN1(rand.Reader, kmsKey, digest)
		return sig, keyARN, err
	})

	var log bytes.Buffer
	chain, _ := audit.NewChain(ctx, &log, audit.Config{Certifier: certifier})
	_ = chain.Record(ctx, event("req-1"))
	_ = chain.Close(ctx)

	rep, _ := audit.Verify(ctx, &log, audit.VerifyOptions{
		PublicKeys: map[string]*ecdsa.PublicKey{keyARN: &kmsKey.PublicKey},
	})
	fmt.Println(rep.Chains[0].Status, rep.Chains[0].Certified, rep.OK())
	// Output:
	// valid true true
}

func ExampleCanonicalize() {
	out, _ := audit.Canonicalize([]byte(`{"b": [1.50, 1e30, "\u20ac"], "a": {"y": null, "x": true}}`))
	fmt.Println(string(out))
	// Output:
	// {"a":{"x":true,"y":null},"b":[1.5,1e+30,"€"]}
}

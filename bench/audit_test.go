package bench

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/middleware"
)

const auditKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/0b7c6c4e-0000-4000-8000-000000000001"

// auditEvent is the audit event of one invocation by the API Gateway event
// of BenchmarkWrap: source, route, resources and caller as DetectEvent
// finds them in the event, the function's metadata, keyed digests of the
// request and response payloads, and redaction findings.
func auditEvent(tb testing.TB) *audit.Event {
	ev, err := middleware.DetectEvent(event)
	if err != nil {
		tb.Fatal(err)
	}
	if ev.Source != middleware.SourceAPIGatewayREST || len(ev.Resources) == 0 || ev.Operation == "" {
		tb.Fatalf("the event is not seen as an API Gateway request: %+v", ev)
	}
	// The event carries an IAM caller: keep it, else give it one.
	if ev.Actor.UserARN == "" {
		ev.Actor = middleware.Actor{UserARN: "arn:aws:iam::123456789012:user/alice", AccountID: "123456789012",
			AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SourceIP: "203.0.113.7", UserAgent: "curl/8.5.0",
			Assurance: middleware.AssuranceSigV4}
	}
	end := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	response := []byte(`{"statusCode":202,"headers":{"Content-Type":"application/json"},"body":"{\"orderId\":\"42\",\"status\":\"accepted\"}"}`)
	return &audit.Event{
		Invocation: &middleware.Invocation{
			RequestID:          requestID,
			InvokedFunctionARN: functionARN + ":live",
			FunctionName:       functionName,
			FunctionVersion:    "7",
			Region:             "eu-west-1",
			AccountID:          "123456789012",
			MemoryMB:           512,
			LogGroup:           "/aws/lambda/" + functionName,
			LogStream:          "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
			InitType:           "on-demand",
			MaxConcurrency:     1,
			TraceHeader:        traceHeader,
			Start:              end.Add(-42 * time.Millisecond),
			Deadline:           end.Add(15 * time.Minute),
			Source:             ev.Source,
			Resources:          ev.Resources,
			Operation:          ev.Operation,
			Actor:              ev.Actor,
			RequestSize:        len(event),
			ResponseSize:       len(response),
		},
		End:      end,
		Outcome:  audit.OutcomeSuccess,
		Request:  event,
		Response: response,
		Findings: map[string]int{"email": 2, "phone": 1, "credit_card": 1},
	}
}

func auditConfig(mode string, cert audit.Certifier) audit.Config {
	cfg := audit.Config{
		FunctionARN: functionARN,
		LogStream:   "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
		DigestKey:   []byte("digest key: 32 bytes of entropy!"),
		Product:     "compliance",
		Version:     "bench",
		Certifier:   cert,
	}
	if mode == audit.AlgorithmHS256 {
		cfg.HMACKey = []byte("HMAC key zero, 32 bytes long....")
	}
	return cfg
}

// localCertifier signs as KMS would, with an in-process key.
func localCertifier(tb testing.TB) (audit.Certifier, *ecdsa.PublicKey) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return audit.CertifierFunc(func(_ context.Context, digest []byte) ([]byte, string, error) {
		sig, err := ecdsa.SignASN1(rand.Reader, k, digest)
		return sig, auditKeyARN, err
	}), &k.PublicKey
}

// BenchmarkAudit/record times one audit record: build the OCSF record from
// the event, canonicalise, hash, sign (ES256: ECDSA P-256 with the chain's
// key; HS256: HMAC-SHA256 and the key step) and write it to io.Discard.
// BenchmarkAudit/verify times audit.Verify over a closed, certified chain of
// 10,000 records, on every core and on one (Workers=1).
func BenchmarkAudit(b *testing.B) {
	ctx := context.Background()
	ev := auditEvent(b)
	for _, mode := range []string{audit.AlgorithmES256, audit.AlgorithmHS256} {
		b.Run("record/"+mode, func(b *testing.B) {
			c, err := audit.NewChain(ctx, io.Discard, auditConfig(mode, nil))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Record(ctx, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	const n = 10000
	cert, pub := localCertifier(b)
	var log bytes.Buffer
	c, err := audit.NewChain(ctx, &log, auditConfig(audit.AlgorithmES256, cert))
	if err != nil {
		b.Fatal(err)
	}
	for range n - 2 { // with the genesis and close records: n records
		if err := c.Record(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.Close(ctx); err != nil {
		b.Fatal(err)
	}
	in := log.Bytes()
	for _, tc := range []struct {
		name    string
		workers int
	}{{"verify/all-cores", 0}, {"verify/one-core", 1}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := audit.VerifyOptions{PublicKeys: map[string]*ecdsa.PublicKey{auditKeyARN: pub}, Workers: tc.workers}
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			records := 0
			for b.Loop() {
				rep, err := audit.Verify(ctx, bytes.NewReader(in), opts)
				if err != nil || !rep.OK() || rep.Records != n {
					b.Fatalf("%v %+v", err, rep)
				}
				records += rep.Records
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			procs := tc.workers
			if procs == 0 {
				procs = runtime.GOMAXPROCS(0)
			}
			b.ReportMetric(float64(procs), "workers")
		})
	}
}

// TestAuditBenchChain checks that the benchmark's records verify.
func TestAuditBenchChain(t *testing.T) {
	ctx := context.Background()
	cert, pub := localCertifier(t)
	var log bytes.Buffer
	c, err := audit.NewChain(ctx, &log, auditConfig(audit.AlgorithmES256, cert))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Record(ctx, auditEvent(t)); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, &log, audit.VerifyOptions{PublicKeys: map[string]*ecdsa.PublicKey{auditKeyARN: pub}})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %+v", err, rep)
	}
}

package audit

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/lambda-compliance/compliance/middleware"
)

func TestRecordContent(t *testing.T) {
	lines, _ := writeChain(t, 1, testConfig(), true)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3", len(lines))
	}
	for _, l := range lines {
		for _, bad := range []string{plantedEmail, plantedCard, plantedSecret, "Parent=", "email=", "bad card"} {
			if bytes.Contains(l, []byte(bad)) {
				t.Errorf("record carries %q: %s", bad, l)
			}
		}
		if c, err := Canonicalize(l); err != nil || !bytes.Equal(c, l) {
			t.Errorf("line is not canonical JSON (%v): %s", err, l)
		}
	}
	r := decode(t, lines[1])
	want := map[string]any{
		"class_uid":                             "6003",
		"category_uid":                          "6",
		"activity_id":                           "2",
		"type_uid":                              "600302",
		"severity_id":                           "1",
		"status":                                "Success",
		"status_id":                             "1",
		"status_code":                           "success",
		"time":                                  "1795860000000",
		"start_time":                            "1795859999850",
		"duration":                              "150",
		"metadata.version":                      SchemaVersion,
		"metadata.uid":                          "req-0001",
		"metadata.correlation_uid":              "1-67891233-abcdef012345678912345678",
		"metadata.log_name":                     "/aws/lambda/orders",
		"metadata.product.name":                 "compliance-test",
		"metadata.product.version":              "1.2.3",
		"actor.user.uid":                        "arn:aws:iam::123456789012:user/alice",
		"actor.user.uid_alt":                    "AIDAEXAMPLE",
		"actor.user.credential_uid":             "AKIAIOSFODNN7EXAMPLE",
		"actor.user.account.uid":                "123456789012",
		"api.operation":                         "GET /orders/{id}",
		"api.service.name":                      "apigateway-rest",
		"api.request.uid":                       "req-0001",
		"src_endpoint.ip":                       "203.0.113.7",
		"http_request.http_method":              "GET",
		"http_request.url.path":                 "/orders/{id}",
		"http_request.user_agent":               "curl/8.5.0",
		"cloud.provider":                        "AWS",
		"cloud.region":                          "eu-west-1",
		"cloud.account.uid":                     "123456789012",
		"unmapped.actor_assurance":              "aws_sigv4",
		"unmapped.function.arn":                 testFunctionARN + ":live",
		"unmapped.function.version":             "7",
		"unmapped.function.cold_start":          "true",
		"unmapped.function.memory_mb":           "512",
		"unmapped.function.log_stream":          "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
		"unmapped.request_size":                 "91",
		"unmapped.response_size":                "17",
		"unmapped.event_error_type":             "plantedError",
		"unmapped.redactions.email":             "1",
		"unmapped.redactions.credit_card":       "1",
		"unmapped.payload_digests.algorithm":    "hmac-sha256",
		"unmapped.payload_digests.reproducible": "true",
		"attestation.uid":                       "1",
		"attestation.fingerprint.algorithm":     "SHA-256",
		"attestation.prev_event.type_uid":       "100806",
	}
	for path, w := range want {
		got := lookup(r, strings.Split(path, ".")...)
		if s := toString(got); s != w {
			t.Errorf("%s = %q, want %q", path, s, w)
		}
	}
	ev := testEvent(1)
	if got, want := toString(lookup(r, "unmapped", "payload_digests", "request")), digest(testConfig().DigestKey, ev.Request); got != want {
		t.Errorf("request digest = %s, want HMAC %s", got, want)
	}
	res := r["resources"].([]any)[0].(map[string]any)
	if res["type"] != "execute-api" || !strings.HasPrefix(res["uid"].(string), "arn:aws:execute-api:") {
		t.Errorf("resources = %v", res)
	}

	g := decode(t, lines[0])
	for path, w := range map[string]string{
		"class_uid":                  "1008",
		"activity_id":                "6",
		"type_uid":                   "100806",
		"unmapped.chain.self_signed": "true",
		"unmapped.chain.hmac":        "false",
		"unmapped.chain.fail_open":   "false",
		"unmapped.chain.algorithm":   "ES256",
		"unmapped.chain.writer.name": "compliance-test",
		"attestation.uid":            "0",
		"cloud.account.uid":          "123456789012",
	} {
		if s := toString(lookup(g, strings.Split(path, ".")...)); s != w {
			t.Errorf("genesis %s = %q, want %q", path, s, w)
		}
	}
	if lookup(g, "attestation", "prev_event") != nil {
		t.Error("genesis has a prev_event")
	}
	cl := decode(t, lines[2])
	if toString(cl["type_uid"]) != "100807" || toString(lookup(cl, "unmapped", "chain", "records")) != "1" {
		t.Errorf("close record: %s", lines[2])
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestActivityOf(t *testing.T) {
	tests := []struct {
		op       string
		id       int
		method   string
		path     string
		severity int
	}{
		{"GET /a", activityRead, "GET", "/a", 0},
		{"HEAD /a", activityRead, "HEAD", "/a", 0},
		{"POST /a?x=1", activityCreate, "POST", "/a", 0},
		{"PUT /a#f", activityUpdate, "PUT", "/a", 0},
		{"PATCH /a", activityUpdate, "PATCH", "/a", 0},
		{"DELETE /a/{id}", activityDelete, "DELETE", "/a/{id}", 0},
		{"OPTIONS /a", activityOther, "OPTIONS", "/a", 0},
		{"PreSignUp_SignUp", activityOther, "", "", 0},
		{"Order Placed", activityOther, "", "", 0},
		{"", activityOther, "", "", 0},
	}
	for _, tt := range tests {
		id, m, p := activityOf(tt.op)
		if id != tt.id || m != tt.method || p != tt.path {
			t.Errorf("activityOf(%q) = %d %q %q, want %d %q %q", tt.op, id, m, p, tt.id, tt.method, tt.path)
		}
	}
	for o, want := range map[Outcome]int{OutcomeSuccess: 1, OutcomeFailure: 2, OutcomePanic: 3, OutcomeTimeout: 3} {
		if got, _ := severityOf(o); got != want {
			t.Errorf("severityOf(%s) = %d, want %d", o, got, want)
		}
	}
}

func TestRecordFailureAndMinimalEvent(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	cfg := testConfig()
	cfg.DigestKey = nil
	c, err := NewChain(ctx, &buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev := testEvent(1)
	ev.Outcome, ev.ErrorType = OutcomeTimeout, "TimeoutError"
	if err := c.Record(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := c.Record(ctx, &Event{Outcome: OutcomeSuccess, Invocation: &middleware.Invocation{Source: middleware.SourceSQS}}); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	r := decode(t, lines[1])
	for path, w := range map[string]string{"status": "Failure", "status_id": "2", "status_code": "timeout",
		"status_detail": "TimeoutError", "severity_id": "3", "unmapped.payload_digests.reproducible": "false",
		"unmapped.payload_digests.algorithm": "hmac-sha256"} {
		if s := toString(lookup(r, strings.Split(path, ".")...)); s != w {
			t.Errorf("%s = %q, want %q", path, s, w)
		}
	}
	r = decode(t, lines[2])
	if toString(r["activity_id"]) != "99" || toString(lookup(r, "api", "operation")) != "Invoke" || r["http_request"] != nil {
		t.Errorf("minimal record: %s", lines[2])
	}
	if toString(lookup(decode(t, lines[0]), "unmapped", "chain", "digests_reproducible")) != "false" {
		t.Error("genesis does not say digests are not reproducible")
	}
}

func TestChainValid(t *testing.T) {
	lines, c := writeChain(t, 5, testConfig(), true)
	rep := verifyLines(t, lines, VerifyOptions{})
	if len(rep.Chains) != 1 {
		t.Fatalf("got %d chains", len(rep.Chains))
	}
	cr := rep.Chains[0]
	if cr.Status != StatusUncertified || cr.ChainUID != c.ChainUID() || !cr.Terminated || cr.Records != 7 || rep.Records != 7 {
		t.Errorf("report %+v", cr)
	}
	if len(cr.Problems) != 1 || cr.Problems[0].Kind != StatusUncertified {
		t.Errorf("problems %+v", cr.Problems)
	}
	if rep.OK() || !rep.Intact() {
		t.Errorf("OK() = %v, Intact() = %v; want false, true", rep.OK(), rep.Intact())
	}
	if !strings.HasPrefix(c.ChainUID(), testFunctionARN+"/2026/11/28/[$LATEST]") || len(c.ChainUID()) != len(testFunctionARN)+1+len(testConfig().LogStream)+1+32 {
		t.Errorf("chain uid %s", c.ChainUID())
	}
	if err := c.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Record(context.Background(), testEvent(9)); !errors.Is(err, ErrClosed) {
		t.Errorf("Record after Close: %v", err)
	}
}

func TestChainCertified(t *testing.T) {
	kmsKey := newKey(t)
	cfg := testConfig()
	cfg.Certifier = fakeCertifier(kmsKey)
	cfg.FailOpen = true
	lines, _ := writeChain(t, 3, cfg, true)
	g := decode(t, lines[0])
	if toString(lookup(g, "unmapped", "chain", "self_signed")) != "false" || toString(lookup(g, "unmapped", "chain", "fail_open")) != "true" ||
		toString(lookup(g, "unmapped", "chain", "certificate", "key_arn")) != testKeyARN {
		t.Errorf("genesis: %s", lines[0])
	}

	rep := verifyLines(t, lines, VerifyOptions{PublicKeys: map[string]*ecdsaPublicKey{testKeyARN: &kmsKey.PublicKey}})
	if cr := rep.Chains[0]; cr.Status != StatusValid || !cr.Certified || cr.KeyARN != testKeyARN || len(cr.Problems) != 0 || !rep.OK() {
		t.Errorf("with the key: %+v", cr)
	}
	rep = verifyLines(t, lines, VerifyOptions{})
	if cr := rep.Chains[0]; cr.Status != StatusUncertified || cr.Certified || rep.OK() || !rep.Intact() {
		t.Errorf("without the key: %+v", cr)
	}
	other := newKey(t)
	rep = verifyLines(t, lines, VerifyOptions{PublicKeys: map[string]*ecdsaPublicKey{testKeyARN: &other.PublicKey}})
	if cr := rep.Chains[0]; cr.Status != StatusForged || cr.Certified {
		t.Errorf("with another key: %+v", cr)
	}

	// Through a KMS GetPublicKey.
	der, _ := x509.MarshalPKIXPublicKey(&kmsKey.PublicKey)
	getter := &fakeKMS{pub: der}
	rep, err := Verify(context.Background(), bytes.NewReader(join(lines)), VerifyOptions{KMS: getter})
	if err != nil || rep.Chains[0].Status != StatusValid || getter.calls != 1 {
		t.Errorf("through KMS: %v %+v (%d calls)", err, rep, getter.calls)
	}
	getter = &fakeKMS{err: errors.New("throttled")}
	var ke *KMSError
	if _, err := Verify(context.Background(), bytes.NewReader(join(lines)), VerifyOptions{KMS: getter}); !errors.As(err, &ke) || ke.Op != "GetPublicKey" {
		t.Errorf("KMS failure: %v", err)
	}

	// A certificate moved to another chain does not verify.
	lines2, c2 := writeChain(t, 1, testConfig(), true)
	cert := lookup(g, "unmapped", "chain", "certificate")
	lines2[0] = reseal(t, lines2[0], c2.priv, nil, func(m map[string]any) {
		ch := lookup(m, "unmapped", "chain").(map[string]any)
		ch["certificate"], ch["self_signed"] = cert, false
	})
	rep = verifyLines(t, lines2, VerifyOptions{PublicKeys: map[string]*ecdsaPublicKey{testKeyARN: &kmsKey.PublicKey}})
	if cr := rep.Chains[0]; kinds(cr.Problems)[StatusForged] != 1 || cr.Certified {
		t.Errorf("moved certificate: %+v", cr)
	}
}

type fakeKMS struct {
	pub   []byte
	err   error
	calls int
}

func (f *fakeKMS) GetPublicKey(_ context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &kms.GetPublicKeyOutput{KeyId: in.KeyId, PublicKey: f.pub}, nil
}

func TestKMSCertifier(t *testing.T) {
	key := newKey(t)
	var got *kms.SignInput
	signer := signFunc(func(in *kms.SignInput) (*kms.SignOutput, error) {
		got = in
		sig, err := ecdsaSign(key, in.Message)
		arn := testKeyARN
		return &kms.SignOutput{KeyId: &arn, Signature: sig, SigningAlgorithm: in.SigningAlgorithm}, err
	})
	cfg := testConfig()
	cfg.Certifier = KMSCertifier(signer, "alias/audit")
	lines, _ := writeChain(t, 1, cfg, true)
	if got == nil || *got.KeyId != "alias/audit" || got.MessageType != types.MessageTypeDigest ||
		got.SigningAlgorithm != types.SigningAlgorithmSpecEcdsaSha256 || len(got.Message) != 32 {
		t.Fatalf("Sign input %+v", got)
	}
	rep := verifyLines(t, lines, VerifyOptions{PublicKeys: map[string]*ecdsaPublicKey{testKeyARN: &key.PublicKey}})
	if rep.Chains[0].Status != StatusValid {
		t.Errorf("%+v", rep.Chains[0])
	}

	cfg.Certifier = KMSCertifier(signFunc(func(*kms.SignInput) (*kms.SignOutput, error) {
		return nil, errors.New("AccessDeniedException")
	}), "alias/audit")
	var buf bytes.Buffer
	_, err := NewChain(context.Background(), &buf, cfg)
	var ce *CertifyError
	var ke *KMSError
	if !errors.As(err, &ce) || !errors.As(err, &ke) || ke.Op != "Sign" || ke.KeyID != "alias/audit" || buf.Len() != 0 {
		t.Errorf("error %v, wrote %d bytes", err, buf.Len())
	}
	if !strings.HasPrefix(err.Error(), "audit: ") {
		t.Errorf("error %q lacks the prefix", err)
	}
}

type signFunc func(*kms.SignInput) (*kms.SignOutput, error)

func (f signFunc) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	return f(in)
}

func TestWriteFailure(t *testing.T) {
	for _, short := range []bool{false, true} {
		w := &failingWriter{fail: map[int]bool{2: true}, short: short}
		ctx := context.Background()
		c, err := NewChain(ctx, w, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		var errs []error
		for i := 1; i <= 4; i++ {
			errs = append(errs, c.Record(ctx, testEvent(i)))
		}
		var we *WriteError
		if errs[0] != nil || !errors.As(errs[1], &we) || we.Sequence != 2 || !errors.Is(errs[1], errDiskFull) || errs[2] != nil {
			t.Fatalf("short=%v: errors %v", short, errs)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err := Verify(ctx, &w.buf, VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cr := rep.Chains[0]; cr.Status != StatusUncertified || cr.Records != 5 {
			t.Errorf("short=%v: %+v", short, cr)
		}
		if short && rep.Ignored != 1 {
			t.Errorf("short write: ignored %d lines, want 1", rep.Ignored)
		}
	}
	// A failing genesis starts no chain.
	w := &failingWriter{fail: map[int]bool{0: true}}
	if c, err := NewChain(context.Background(), w, testConfig()); c != nil || err == nil {
		t.Errorf("NewChain on a failing writer: %v %v", c, err)
	}
}

func TestConcurrentRecords(t *testing.T) {
	var buf lockedBuffer
	ctx := context.Background()
	c, err := NewChain(ctx, &buf, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ids []string
	for g := range 16 {
		for i := range 100 {
			ids = append(ids, testEvent(g*100+i).Invocation.RequestID)
		}
		wg.Go(func() {
			for i := range 100 {
				if err := c.Record(ctx, testEvent(g*100+i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, bytes.NewReader(buf.b.Bytes()), VerifyOptions{RequestIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Chains) != 1 || rep.Chains[0].Status != StatusUncertified || len(rep.Chains[0].Problems) != 1 ||
		rep.Records != 1602 || len(rep.MissingRequestIDs) != 0 || len(rep.DuplicateRequestIDs) != 0 {
		t.Errorf("report: %+v", rep)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestHMACChain(t *testing.T) {
	cfg := testConfig()
	k0 := []byte("HMAC key zero, 32 bytes long....")
	cfg.HMACKey = append([]byte(nil), k0...)
	cfg.HMACKeyCiphertext = []byte("kms-ciphertext-blob")
	lines, c := writeChain(t, 4, cfg, true)
	if !bytes.Equal(cfg.HMACKey, k0) {
		t.Error("NewChain changed the caller's key")
	}
	if c.PublicKey() != nil {
		t.Error("HMAC chain has a public key")
	}
	g := decode(t, lines[0])
	if toString(lookup(g, "unmapped", "chain", "hmac")) != "true" || lookup(g, "unmapped", "chain", "public_key") != nil ||
		toString(lookup(g, "unmapped", "chain", "hmac_key_ciphertext")) != "a21zLWNpcGhlcnRleHQtYmxvYg==" {
		t.Errorf("genesis: %s", lines[0])
	}
	for _, l := range lines {
		if bytes.Contains(l, k0) {
			t.Fatal("key in a record")
		}
	}

	rep := verifyLines(t, lines, VerifyOptions{HMACKey: k0})
	if cr := rep.Chains[0]; cr.Status != StatusUncertified || cr.Algorithm != AlgorithmHS256 || len(cr.Problems) != 1 {
		t.Errorf("with k0: %+v", cr)
	}
	var gotCT []byte
	rep, err := Verify(context.Background(), bytes.NewReader(join(lines)), VerifyOptions{
		HMACKeyFunc: func(_ context.Context, uid string, ct []byte) ([]byte, error) { gotCT = ct; return k0, nil }})
	if err != nil || rep.Chains[0].Status != StatusUncertified || string(gotCT) != "kms-ciphertext-blob" {
		t.Errorf("with HMACKeyFunc: %v %+v", err, rep.Chains[0])
	}
	rep = verifyLines(t, lines, VerifyOptions{})
	if cr := rep.Chains[0]; cr.Status != StatusUncertified || kinds(cr.Problems)[StatusUncertified] != 2 {
		t.Errorf("without key: %+v", cr)
	}
	rep = verifyLines(t, lines, VerifyOptions{HMACKey: []byte("wrong key")})
	if cr := rep.Chains[0]; cr.Status != StatusForged || kinds(cr.Problems)[StatusForged] != len(lines) {
		t.Errorf("wrong key: %+v", cr)
	}

	// Tampering.
	mod := cloneLines(lines)
	mod[2] = bytes.Replace(mod[2], []byte(`"duration":150`), []byte(`"duration":15`), 1)
	if cr := verifyLines(t, mod, VerifyOptions{HMACKey: k0}).Chains[0]; cr.Status != StatusModified {
		t.Errorf("modified: %+v", cr)
	}
	// Resealed under k0 instead of k2: the key evolved, so this is a forgery.
	mod = cloneLines(lines)
	mod[2] = reseal(t, mod[2], nil, k0, func(m map[string]any) { m["duration"] = 1 })
	if cr := verifyLines(t, mod, VerifyOptions{HMACKey: k0}).Chains[0]; kinds(cr.Problems)[StatusForged] != 1 {
		t.Errorf("resealed under k0: %+v", cr)
	}
	// Resealed under the right k2 (which a thief of k0 could derive: the
	// forward security is against a thief of the current key).
	k2 := hmacSum(hmacSum(k0, hmacNext), hmacNext)
	mod = cloneLines(lines)
	mod[2] = reseal(t, mod[2], nil, k2, func(m map[string]any) { m["duration"] = 1 })
	if cr := verifyLines(t, mod, VerifyOptions{HMACKey: k0}).Chains[0]; cr.Status != StatusFork || len(cr.Problems) != 2 {
		t.Errorf("resealed under k2: %+v", cr)
	}
}

func cloneLines(lines [][]byte) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = bytes.Clone(l)
	}
	return out
}

// TestRecordCanonicalVariants checks that every shape of record is written
// in canonical form (the encoder writes members in order by hand) and
// verifies.
func TestRecordCanonicalVariants(t *testing.T) {
	variants := []func(*Event){
		func(ev *Event) { ev.Invocation = nil },
		func(ev *Event) { ev.Invocation = &middleware.Invocation{} },
		func(ev *Event) {
			ev.Invocation.Actor = middleware.Actor{Subject: "sub-1", Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/pool", Username: "jdoe\u00e9\U0001F600", Assurance: middleware.AssuranceAuthorizerVerified}
		},
		func(ev *Event) { ev.Invocation.Actor = middleware.Actor{PrincipalID: "AIDA1", Subject: "s"} },
		func(ev *Event) {
			ev.Invocation.Operation = "POST /x\x00\xff\"\\"
			ev.Invocation.RequestID = "id\n\u2028"
		},
		func(ev *Event) {
			ev.Invocation.Source, ev.Invocation.Operation = middleware.SourceSQS, "Order Placed"
			ev.Invocation.Resources = []string{"", "queue-name", "arn:aws:sqs:eu-west-1:1:q"}
			ev.Invocation.Actor = middleware.Actor{UserAgent: "ua"}
		},
		func(ev *Event) {
			ev.Findings = map[string]int{"\u20ac": 1, "\r": 2, "\U0001F600": 3, "\ufb33": 4, "a": 5}
			ev.Request, ev.Response = nil, []byte{}
			ev.Invocation.TenantID, ev.Invocation.MaxConcurrency = "tenant-7", 10
		},
		func(ev *Event) { ev.Outcome, ev.ErrorType = OutcomePanic, "runtime.Error" },
		func(ev *Event) { ev.Outcome = "" },
		func(ev *Event) { ev.Invocation.Start, ev.End = testNow.Add(time.Second), testNow },
	}
	var buf bytes.Buffer
	ctx := context.Background()
	c, err := NewChain(ctx, &buf, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range variants {
		ev := testEvent(i)
		v(ev)
		before := buf.Len()
		if err := c.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		line := bytes.TrimSuffix(buf.Bytes()[before:], []byte("\n"))
		if canon, err := Canonicalize(line); err != nil || !bytes.Equal(canon, line) {
			t.Errorf("variant %d: not canonical (%v):\n%s\n%s", i, err, line, canon)
		}
	}
	_ = c.Close(ctx)
	rep, err := Verify(ctx, &buf, VerifyOptions{})
	if err != nil || rep.Chains[0].Status != StatusUncertified || len(rep.Chains[0].Problems) != 1 {
		t.Errorf("%v %+v", err, rep.Chains)
	}
}

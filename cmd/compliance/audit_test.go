package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/middleware"
)

const auditKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/0b7c6c4e-0000-4000-8000-000000000001"

func auditEvent(i int) *audit.Event {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	return &audit.Event{
		Invocation: &middleware.Invocation{
			RequestID:          fmt.Sprintf("req-%04d", i),
			InvokedFunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:orders",
			FunctionName:       "orders",
			Region:             "eu-west-1",
			AccountID:          "123456789012",
			LogStream:          "2026/11/28/[$LATEST]0123",
			Start:              now.Add(-time.Millisecond),
			Source:             middleware.SourceAPIGatewayREST,
			Operation:          "GET /orders/{id}",
			Actor:              middleware.Actor{UserARN: "arn:aws:iam::123456789012:user/alice", Assurance: middleware.AssuranceSigV4},
		},
		End:      now,
		Outcome:  audit.OutcomeSuccess,
		Request:  []byte(`{"email":"` + plantedEmail + `"}`),
		Findings: map[string]int{"email": 1},
	}
}

// auditChain writes a chain of n API records (and its close record when
// closed), certified by key when it is not nil, and returns its lines.
func auditChain(t *testing.T, n int, key *ecdsa.PrivateKey, closed bool, w ...*storeThenFail) (lines []string, uid string) {
	t.Helper()
	ctx := context.Background()
	cfg := audit.Config{FunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:orders", LogStream: "2026/11/28/[$LATEST]0123"}
	if key != nil {
		cfg.Certifier = audit.CertifierFunc(func(_ context.Context, digest []byte) ([]byte, string, error) {
			sig, err := ecdsa.SignASN1(rand.Reader, key, digest)
			return sig, auditKeyARN, err
		})
	}
	out := &storeThenFail{}
	if len(w) > 0 {
		out = w[0]
	}
	c, err := audit.NewChain(ctx, out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if err := c.Record(ctx, auditEvent(i)); err != nil && len(w) == 0 {
			t.Fatal(err)
		}
	}
	if closed {
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Split(strings.TrimSuffix(out.buf.String(), "\n"), "\n"), c.ChainUID()
}

// storeThenFail stores every write and fails the one with index failAt:
// the chain reuses that sequence number, a fork.
type storeThenFail struct {
	buf    bytes.Buffer
	n      int
	failAt int
}

func (w *storeThenFail) Write(p []byte) (int, error) {
	w.buf.Write(p)
	w.n++
	if w.failAt > 0 && w.n-1 == w.failAt {
		return len(p), errors.New("stored, yet reported as failed")
	}
	return len(p), nil
}

func newAuditKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k, writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

func joinLines(ls []string) string { return strings.Join(ls, "\n") + "\n" }

// sigValue matches the signature value of a record line.
var sigValue = regexp.MustCompile(`"serialization_id":1,"value":"[^"]*"`)

func TestAuditVerifyValid(t *testing.T) {
	key, pemFile := newAuditKey(t)
	lines, uid := auditChain(t, 5, key, true)
	in := writeFile(t, "audit.log", joinLines(lines))
	for _, args := range [][]string{
		{"audit", "verify", "--public-key-pem", pemFile, in},
		{"audit", "verify", "--public-key-pem", auditKeyARN + "=" + pemFile, in},
		{"audit", "verify", in, "--public-key-pem", pemFile}, // flags after files
	} {
		status, out, errOut := cli(t, "", args...)
		want := uid + ": valid (7 records, certified by " + auditKeyARN + ")\n"
		if status != exitOK || errOut != "" || !strings.HasPrefix(out, want) || !strings.HasSuffix(out, "OK\n") {
			t.Fatalf("%q: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
		for _, v := range plantedValues {
			if strings.Contains(out, v) {
				t.Fatalf("output carries %q", v)
			}
		}
	}
	// Base64 DER key file, as the KMS API returns it.
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	b64 := writeFile(t, "key.b64", base64.StdEncoding.EncodeToString(der)+"\n")
	if status, out, _ := cli(t, "", "audit", "verify", "--public-key-pem", b64, in); status != exitOK {
		t.Fatalf("base64 key: status %d, %s", status, out)
	}
	// Stdin.
	if status, out, _ := cli(t, joinLines(lines), "audit", "verify", "--public-key-pem", pemFile); status != exitOK || !strings.Contains(out, ": valid (") {
		t.Fatalf("stdin: status %d, %s", status, out)
	}
}

func TestAuditVerifyUncertified(t *testing.T) {
	key, pemFile := newAuditKey(t)
	_, otherPEM := newAuditKey(t)
	self, selfUID := auditChain(t, 2, nil, true)
	cert, certUID := auditChain(t, 2, key, true)
	for _, tc := range []struct {
		name  string
		input []string
		args  []string
		want  string
	}{
		{"self-signed", self, nil, selfUID + ": uncertified (4 records)\n  seq 0 line 1: uncertified: self-signed"},
		{"no key", cert, nil, certUID + ": uncertified (4 records)\n  seq 0 line 1: uncertified: certificate not checked: no public key for " + auditKeyARN},
		{"other key", cert, []string{"--public-key-pem", otherPEM}, certUID + ": uncertified (4 records)"},
		{"other key for the ARN", cert, []string{"--public-key-pem", auditKeyARN + "=" + otherPEM}, certUID + ": forged (4 records)\n  seq 0 line 1: forged: certificate does not verify"},
		{"self-signed with a key", self, []string{"--public-key-pem", pemFile}, selfUID + ": uncertified (4 records)"},
	} {
		status, out, errOut := cli(t, joinLines(tc.input), append([]string{"audit", "verify"}, tc.args...)...)
		if status != exitFail || errOut != "" || !strings.HasPrefix(out, tc.want) || !strings.HasSuffix(out, "FAILED\n") {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want prefix %q", tc.name, status, out, errOut, tc.want)
		}
	}
}

func TestAuditVerifyTamper(t *testing.T) {
	key, pemFile := newAuditKey(t)
	lines, uid := auditChain(t, 6, key, true) // genesis, 6 records, close: lines 1-8
	otherLines, otherUID := auditChain(t, 6, key, true)
	forkLines, forkUID := auditChain(t, 6, key, true, &storeThenFail{failAt: 3})
	cp := func() []string { return append([]string(nil), lines...) }
	for _, tc := range []struct {
		name   string
		input  []string
		uid    string
		status string
		want   []string
	}{
		{"modified", func() []string {
			ls := cp()
			ls[3] = strings.Replace(ls[3], "user/alice", "user/mallory", 1)
			return ls
		}(), uid, "modified", []string{"  seq 3 line 4: modified: content does not match its fingerprint"}},
		{"deleted", append(cp()[:3], cp()[5:]...), uid, "deleted", []string{", missing 3-4)", "  seq 3: deleted: records 3-4 missing"}},
		{"swapped", func() []string {
			ls := cp()
			ls[2], ls[3] = ls[3], ls[2]
			return ls
		}(), uid, "reordered", []string{"  seq 2 line 4: reordered: after record 3"}},
		{"forged signature", func() []string {
			ls := cp()
			ls[4] = sigValue.ReplaceAllString(ls[4], sigValue.FindString(ls[3]))
			return ls
		}(), uid, "forged", []string{"  seq 4 line 5: forged: signature does not verify"}},
		{"duplicate sequence number", forkLines, forkUID, "fork", []string{"fork: a second record with this sequence number"}},
		{"spliced, relabelled", func() []string {
			ls := cp()
			spliced := strings.ReplaceAll(otherLines[3], otherUID, uid)
			return append(ls[:4], append([]string{spliced}, ls[4:]...)...)
		}(), uid, "modified", []string{"line 5: modified: content does not match its fingerprint"}},
		{"spliced as is", func() []string {
			ls := cp()
			return append(ls[:4], append([]string{otherLines[3]}, ls[4:]...)...)
		}(), otherUID, "deleted", []string{otherUID + ": deleted (1 record, missing 0-2)", "no genesis record"}},
		{"truncated", cp()[:5], uid, "unterminated", []string{"  unterminated: no close record after record 4"}},
	} {
		status, out, errOut := cli(t, joinLines(tc.input), "audit", "verify", "--public-key-pem", pemFile)
		head := tc.uid + ": " + tc.status + " ("
		if status != exitFail || errOut != "" || !strings.Contains(out, head) {
			t.Errorf("%s: status %d, stderr %q, stdout:\n%s\nwant %q", tc.name, status, errOut, out, head)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", tc.name, w, out)
			}
		}
	}
}

func TestAuditVerifyMixedAndCloudWatch(t *testing.T) {
	key, pemFile := newAuditKey(t)
	lines, uid := auditChain(t, 3, key, true)
	var mixed []string
	for i, l := range lines {
		mixed = append(mixed, "START RequestId: req-000"+fmt.Sprint(i)+" Version: $LATEST", "plain log line")
		switch i % 3 {
		case 0:
			mixed = append(mixed, l)
		case 1:
			msg, _ := json.Marshal(l)
			mixed = append(mixed, `{"timestamp":1764324000000,"message":`+string(msg)+`,"ingestionTime":1764324000100}`)
		case 2:
			mixed = append(mixed, "2026-11-28T10:00:00.000Z\treq-0002\tINFO\t"+l)
		}
	}
	a := writeFile(t, "a.log", joinLines(mixed[:6]))
	b := writeFile(t, "b.log", strings.Join(mixed[6:], "\n")) // no final newline
	status, out, errOut := cli(t, "", "audit", "verify", "--public-key-pem", pemFile, a, b)
	if status != exitOK || errOut != "" || !strings.HasPrefix(out, uid+": valid (5 records, certified by ") ||
		!strings.Contains(out, "1 chain: 1 valid; 5 audit records, 10 other lines\n") {
		t.Fatalf("status %d, stderr %q, stdout:\n%s", status, errOut, out)
	}
	// Problems name the file and its line.
	mixed[8] = strings.Replace(mixed[8], "user/alice", "user/mallory", 1)
	b = writeFile(t, "b.log", joinLines(mixed[6:]))
	status, out, _ = cli(t, "", "audit", "verify", "--public-key-pem", pemFile, a, b)
	if status != exitFail || !strings.Contains(out, "  seq 2 line "+b+":3: modified: ") {
		t.Fatalf("status %d, stdout:\n%s", status, out)
	}
}

func TestAuditVerifyJSON(t *testing.T) {
	key, pemFile := newAuditKey(t)
	good, goodUID := auditChain(t, 2, key, true)
	bad, badUID := auditChain(t, 3, key, true)
	bad = append(bad[:2], bad[3:]...)
	in := writeFile(t, "audit.log", joinLines(append(good, bad...)))
	status, out, errOut := cli(t, "", "audit", "verify", "--json", "--public-key-pem", pemFile, in)
	if status != exitFail || errOut != "" || strings.Count(out, "\n") != 1 {
		t.Fatalf("status %d, stderr %q, stdout %q", status, errOut, out)
	}
	var rep struct {
		OK, Intact bool
		Records    int
		Chains     []struct {
			ChainUID     string `json:"chain_uid"`
			Status       string
			Certified    bool
			KeyARN       string `json:"key_arn"`
			Missing      []int64
			MissingCount int64 `json:"missing_count"`
			Problems     []struct {
				Kind     string
				Sequence int64
				File     string
				Line     int
			}
		}
		MissingRequestIDs []string `json:"missing_request_ids"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Intact || rep.Records != 8 || len(rep.Chains) != 2 || rep.MissingRequestIDs == nil {
		t.Fatalf("report %+v", rep)
	}
	g, b := rep.Chains[0], rep.Chains[1]
	if g.ChainUID != goodUID || g.Status != "valid" || !g.Certified || g.KeyARN != auditKeyARN || len(g.Problems) != 0 {
		t.Errorf("good chain %+v", g)
	}
	if b.ChainUID != badUID || b.Status != "deleted" || b.MissingCount != 1 || len(b.Missing) != 1 || b.Missing[0] != 2 {
		t.Errorf("bad chain %+v", b)
	}
}

func TestAuditVerifyReportIDs(t *testing.T) {
	key, pemFile := newAuditKey(t)
	lines, uid := auditChain(t, 3, key, true)
	in := writeFile(t, "audit.log", joinLines(lines))
	ids := writeFile(t, "ids", "req-0001\n\nreq-0002\n"+
		"2026-11-28T10:00:00.000Z REPORT RequestId: req-0003\tDuration: 2.1 ms\tBilled Duration: 3 ms\n"+
		`{"timestamp":1,"message":"REPORT RequestId: req-0004\tDuration: 1 ms\t"}`+"\n"+
		"START RequestId: req-0005 Version: $LATEST\n")
	status, out, _ := cli(t, "", "audit", "verify", "--public-key-pem", pemFile, "--report-ids", ids, in)
	if status != exitFail || !strings.Contains(out, uid+": valid (") ||
		!strings.Contains(out, "request ids: 4 listed, 1 without a record, 0 with more than one\n  missing: req-0004\n") {
		t.Fatalf("status %d, stdout:\n%s", status, out)
	}
	ids = writeFile(t, "ids", "req-0001\nreq-0002\nreq-0003\n")
	if status, out, _ := cli(t, "", "audit", "verify", "--public-key-pem", pemFile, "--report-ids", ids, in); status != exitOK {
		t.Fatalf("all ids present: status %d, stdout:\n%s", status, out)
	}
}

func TestAuditVerifyUsage(t *testing.T) {
	_, pemFile := newAuditKey(t)
	lines, _ := auditChain(t, 1, nil, true)
	in := writeFile(t, "audit.log", joinLines(lines))
	notKey := writeFile(t, "not-a-key", "hello\n")
	for _, args := range [][]string{
		{"audit"},
		{"audit", "check", in},
		{"audit", "verify", "--no-such-flag", in},
		{"audit", "verify", "/nonexistent/audit.log"},
		{"audit", "verify", "--public-key-pem", "/nonexistent/key.pem", in},
		{"audit", "verify", "--public-key-pem", notKey, in},
		{"audit", "verify", "--public-key-pem", auditKeyARN, in},
		{"audit", "verify", "--report-ids", "/nonexistent/ids", in},
		{"audit", "verify", "--hmac-key-file", pemFile, in},
	} {
		status, out, errOut := cli(t, "", args...)
		if status != exitUsage || out != "" || !strings.HasPrefix(errOut, "compliance: ") {
			t.Errorf("%q: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
	}
	// No audit record at all is a failure, not a success.
	status, _, errOut := cli(t, "just a log line\n", "audit", "verify")
	if status != exitFail || !strings.Contains(errOut, "no audit records found") {
		t.Errorf("no records: status %d, stderr %q", status, errOut)
	}
	status, out, _ := cli(t, "", "help", "audit")
	if status != exitOK || !strings.Contains(out, "Usage: compliance audit verify") || !strings.Contains(out, "--public-key-pem") {
		t.Errorf("help: status %d, %s", status, out)
	}
}

func TestAuditVerifyHMAC(t *testing.T) {
	ctx := context.Background()
	hk := bytes.Repeat([]byte{7}, 32)
	var buf bytes.Buffer
	c, err := audit.NewChain(ctx, &buf, audit.Config{FunctionARN: "f", LogStream: "s", HMACKey: hk})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := c.Record(ctx, auditEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Without the key: uncertified; with it: still uncertified (no KMS
	// certificate), but every signature checked.
	status, out, _ := cli(t, buf.String(), "audit", "verify")
	if status != exitFail || !strings.Contains(out, "HMAC chain without its key") {
		t.Fatalf("no key: status %d, %s", status, out)
	}
	status, out, _ = cli(t, buf.String(), "audit", "verify", "--hmac-key-file", keyFile(t, hk))
	if status != exitFail || strings.Contains(out, "HMAC chain without its key") || !strings.Contains(out, ": uncertified (5 records)") {
		t.Fatalf("with key: status %d, %s", status, out)
	}
	ls := strings.Split(strings.TrimSpace(buf.String()), "\n")
	ls[2] = sigValue.ReplaceAllString(ls[2], sigValue.FindString(ls[1]))
	status, out, _ = cli(t, joinLines(ls), "audit", "verify", "--hmac-key-file", keyFile(t, bytes.Repeat([]byte{7}, 32)))
	if status != exitFail || !strings.Contains(out, ": forged (5 records)") {
		t.Fatalf("forged: status %d, %s", status, out)
	}
}

func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		seqs  []int64
		count int64
		want  string
	}{
		{[]int64{4}, 1, "4"},
		{[]int64{4, 5, 6, 9}, 4, "4-6,9"},
		{[]int64{1, 2}, 10, "1-2 and 8 more"},
	} {
		if got := ranges(tc.seqs, tc.count); got != tc.want {
			t.Errorf("ranges(%v, %d) = %q, want %q", tc.seqs, tc.count, got, tc.want)
		}
	}
}

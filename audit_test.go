package compliance_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/middleware"
)

// recordLines returns the audit records among the writes, as written.
func (b *syncBuffer) recordLines(t *testing.T) [][]byte {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out [][]byte
	for _, w := range b.writes {
		if bytes.Contains(w, []byte(`"attestation":{`)) && bytes.Contains(w, []byte(`"class_uid":`)) {
			out = append(out, bytes.Clone(w))
		}
	}
	return out
}

// auditedChain invokes a wrapped handler n times (request ids req-1 ...
// req-n) and returns the audit record lines, closed or not.
func auditedChain(t *testing.T, n int, closed bool) [][]byte {
	t.Helper()
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context, ev map[string]any) (string, error) {
		compliance.Logger(ctx).Info("order", zap.String("email", "jane.doe@example.com"))
		return "ok", nil
	}, compliance.WithOutput(out))
	for i := 1; i <= n; i++ {
		if _, err := h.Invoke(lambdaCtx(fmt.Sprintf("req-%d", i), ""), []byte(`{"n":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	if closed {
		if err := h.(*compliance.Handler).Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	lines := out.recordLines(t)
	want := n + 1
	if closed {
		want++
	}
	if len(lines) != want {
		t.Fatalf("got %d records, want %d", len(lines), want)
	}
	return lines
}

func verify(t *testing.T, lines [][]byte, opts audit.VerifyOptions) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), bytes.NewReader(bytes.Join(lines, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// reseal decodes a record, changes it and signs it again with key, as a
// forger holding some key would.
func reseal(t *testing.T, line []byte, key *ecdsa.PrivateKey, mutate func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	mutate(m)
	att := m["attestation"].(map[string]any)
	fp, sigs := att["fingerprint"], att["signatures"]
	delete(att, "fingerprint")
	delete(att, "signatures")
	raw, _ := json.Marshal(m)
	canon, err := audit.Canonicalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	fp.(map[string]any)["value"] = hex.EncodeToString(sum[:])
	sigs.([]any)[0].(map[string]any)["value"] = base64.StdEncoding.EncodeToString(sig)
	att["fingerprint"], att["signatures"] = fp, sigs
	out, _ := json.Marshal(m)
	return append(out, '\n')
}

// TestAuditTamperSuite produces chains through Wrap, tampers with their
// records, and checks that Verify names each tampering.
func TestAuditTamperSuite(t *testing.T) {
	const n = 10
	base := auditedChain(t, n, true)  // genesis, req-1..req-10, close
	other := auditedChain(t, 3, true) // another execution environment
	open := auditedChain(t, n, false) // no close record
	forked := forkedChain(t)
	intruder, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("req-%d", i+1)
	}
	clone := func(ls [][]byte) [][]byte { return slices.Clone(ls) }

	for _, tt := range []struct {
		name    string
		lines   func() [][]byte
		opts    audit.VerifyOptions
		status  audit.Status // of the chain under test
		chains  int          // chains reported, 1 when 0
		missing []int64
		check   func(t *testing.T, rep *audit.Report)
	}{
		{name: "untouched", lines: func() [][]byte { return clone(base) }, status: audit.StatusUncertified},
		{name: "modified field", lines: func() [][]byte {
			ls := clone(base)
			ls[4] = bytes.Replace(ls[4], []byte(`"status_code":"success"`), []byte(`"status_code":"failure"`), 1)
			return ls
		}, status: audit.StatusModified},
		{name: "deleted record", lines: func() [][]byte { ls := clone(base); return slices.Delete(ls, 4, 6) },
			status: audit.StatusDeleted, missing: []int64{4, 5}},
		{name: "swapped records", lines: func() [][]byte { ls := clone(base); ls[3], ls[4] = ls[4], ls[3]; return ls },
			status: audit.StatusReordered},
		{name: "inserted forgery", lines: func() [][]byte {
			ls := clone(base)
			forged := reseal(t, ls[5], intruder, func(m map[string]any) { m["duration"] = 1.0 })
			return slices.Insert(ls, 6, forged)
		}, status: audit.StatusForged},
		{name: "duplicated sequence number", lines: func() [][]byte {
			// Two records signed with the chain's key for one sequence
			// number: the output kept a record it reported as failed.
			return clone(forked)
		}, status: audit.StatusFork},
		{name: "duplicated sequence number, other signer", lines: func() [][]byte {
			ls := clone(base)
			dup := reseal(t, ls[5], intruder, func(m map[string]any) { m["duration"] = 7.0 })
			return slices.Insert(ls, 6, dup)
		}, status: audit.StatusForged},
		{name: "spliced from another chain", lines: func() [][]byte {
			ls := clone(base)
			return slices.Insert(ls, 6, other[2])
		}, chains: 2, check: func(t *testing.T, rep *audit.Report) {
			if rep.Chains[0].Status != audit.StatusUncertified {
				t.Errorf("chain under test: %s, want uncertified (the splice is its own chain)", rep.Chains[0].Status)
			}
			if st := rep.Chains[1].Status; st != audit.StatusDeleted {
				t.Errorf("spliced record: %s, want deleted (a chain without its genesis)", st)
			}
		}},
		{name: "spliced and relabelled", lines: func() [][]byte {
			ls := clone(base)
			var uid string
			var g map[string]any
			_ = json.Unmarshal(ls[0], &g)
			uid = g["attestation"].(map[string]any)["chain_uid"].(string)
			spliced := bytes.Replace(other[2], []byte(chainUID(t, other[2])), []byte(uid), -1)
			return slices.Insert(ls, 6, spliced)
		}, status: audit.StatusModified},
		{name: "truncated tail", lines: func() [][]byte { return clone(open)[:n-1] }, status: audit.StatusUnterminated},
		{name: "truncated tail with request ids", lines: func() [][]byte { return clone(open)[:n-1] },
			opts: audit.VerifyOptions{RequestIDs: ids}, status: audit.StatusMissing},
		{name: "unterminated", lines: func() [][]byte { return clone(open) }, status: audit.StatusUnterminated},
		{name: "complete with request ids", lines: func() [][]byte { return clone(base) },
			opts: audit.VerifyOptions{RequestIDs: ids}, status: audit.StatusUncertified},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := verify(t, tt.lines(), tt.opts)
			for _, c := range rep.Chains {
				t.Logf("chain %s: %s %+v", c.ChainUID, c.Status, c.Problems)
			}
			wantChains := max(tt.chains, 1)
			if len(rep.Chains) != wantChains {
				t.Fatalf("%d chains, want %d: %+v", len(rep.Chains), wantChains, rep.Chains)
			}
			if tt.check != nil {
				tt.check(t, rep)
				return
			}
			c := rep.Chains[0]
			if tt.opts.RequestIDs != nil && tt.status == audit.StatusMissing {
				if len(rep.MissingRequestIDs) == 0 {
					t.Errorf("no missing request ids reported: %+v", rep)
				}
				if c.Status != audit.StatusUnterminated {
					t.Errorf("chain status %s, want unterminated", c.Status)
				}
				return
			}
			if c.Status != tt.status {
				t.Errorf("status %s, want %s; problems %+v", c.Status, tt.status, c.Problems)
			}
			if tt.missing != nil && !slices.Equal(c.Missing, tt.missing) {
				t.Errorf("missing %v, want %v", c.Missing, tt.missing)
			}
			if tt.status == audit.StatusUncertified && (!rep.Intact() || c.Certified || !c.Terminated) {
				t.Errorf("untouched chain: intact %v, certified %v, terminated %v", rep.Intact(), c.Certified, c.Terminated)
			}
		})
	}
}

func chainUID(t *testing.T, line []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	return m["attestation"].(map[string]any)["chain_uid"].(string)
}

// forkedChain makes a real fork through Wrap: the output stores a record
// but reports failure, so the chain writes the same sequence number again.
func forkedChain(t *testing.T) [][]byte {
	out := &flakyWriter{failAt: 3}
	h := compliance.Wrap(func() (string, error) { return "ok", nil }, compliance.WithOutput(out), compliance.WithAuditFailOpen())
	for i := range 5 {
		if _, err := h.Invoke(lambdaCtx(fmt.Sprintf("r%d", i), ""), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.(*compliance.Handler).Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.buf.recordLines(t)
}

// flakyWriter stores every write, but reports the failAt-th audit record
// (1-based) as failed.
type flakyWriter struct {
	buf    syncBuffer
	mu     sync.Mutex
	n      int
	failAt int
}

func (w *flakyWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte(`"attestation":{`)) {
		w.n++
		if w.n == w.failAt {
			return 0, errors.New("disk full")
		}
	}
	return len(p), nil
}

// failingWriter fails every audit record, and keeps the log lines.
type failingWriter struct{ buf syncBuffer }

func (w *failingWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"attestation":{`)) {
		return 0, errors.New("disk full")
	}
	return w.buf.Write(p)
}

func TestAuditOutcomesOneRecordEach(t *testing.T) {
	for _, tt := range []struct {
		name      string
		handler   any
		ctx       func() (context.Context, context.CancelFunc)
		opts      []compliance.Option
		outcome   string // status_code
		errorType string
	}{
		{name: "success", handler: func() (string, error) { return "ok", nil }, outcome: "success"},
		{name: "error", handler: func() error { return &OrderError{ID: "42"} }, outcome: "failure", errorType: "OrderError"},
		{name: "panic", handler: func() error { panic("boom") }, outcome: "panic", errorType: "PanicError"},
		{name: "panic wrapped by a middleware", handler: func() error { panic("boom") },
			opts: []compliance.Option{compliance.WithMiddleware(func(next middleware.Handler) middleware.Handler {
				return middleware.HandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
					resp, err := next.Invoke(ctx, p)
					return resp, fmt.Errorf("wrapped: %w", err)
				})
			})}, outcome: "panic", errorType: "PanicError"},
		{name: "deadline", handler: func(ctx context.Context) error {
			time.Sleep(400 * time.Millisecond) // past the guard's deadline and Lambda's
			return nil
		}, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(lambdaCtx("r", ""), 300*time.Millisecond)
		}, outcome: "timeout", errorType: "TimeoutError"},
		{name: "deadline, handler gives up", handler: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(lambdaCtx("r", ""), 300*time.Millisecond)
		}, outcome: "timeout", errorType: "TimeoutError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := &syncBuffer{}
			h := compliance.Wrap(tt.handler, append(tt.opts, compliance.WithOutput(out))...)
			ctx, cancel := lambdaCtx("r", ""), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			_, err := h.Invoke(ctx, []byte(`{}`))
			if tt.errorType == "" && err != nil || tt.errorType != "" && (err == nil || typeName(err) != tt.errorType) {
				t.Errorf("error %v (%T), want type %q", err, err, tt.errorType)
			}
			time.Sleep(10 * time.Millisecond) // nothing more may come
			var api []map[string]any
			for _, r := range out.records(t) {
				if r["class_uid"] == 6003.0 {
					api = append(api, r)
				}
			}
			if len(api) != 1 {
				t.Fatalf("%d records, want exactly one", len(api))
			}
			if api[0]["status_code"] != tt.outcome || tt.errorType != "" && api[0]["status_detail"] != tt.errorType {
				t.Errorf("record status_code %v status_detail %v, want %s %s", api[0]["status_code"], api[0]["status_detail"], tt.outcome, tt.errorType)
			}
		})
	}
}

func typeName(err error) string {
	s := fmt.Sprintf("%T", err)
	s = strings.TrimPrefix(s, "*")
	if i := strings.LastIndex(s, "."); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func TestAuditFailClosed(t *testing.T) {
	t.Run("success replaced by AuditError", func(t *testing.T) {
		out := &failingWriter{}
		h := compliance.Wrap(func() (string, error) { return "ok", nil }, compliance.WithOutput(out))
		resp, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
		var ae *compliance.AuditError
		if resp != nil || !errors.As(err, &ae) {
			t.Fatalf("got %q, %v; want no response and an *AuditError", resp, err)
		}
		var we *audit.WriteError
		if !errors.As(err, &we) {
			t.Errorf("%v: want the audit.WriteError under it", err)
		}
	})
	t.Run("the handler's error stays", func(t *testing.T) {
		out := &failingWriter{}
		h := compliance.Wrap(func() error { return &OrderError{ID: "7"} }, compliance.WithOutput(out))
		_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
		if _, ok := err.(*OrderError); !ok {
			t.Fatalf("got %T, want the handler's *OrderError unchanged", err)
		}
	})
	for _, tt := range []struct {
		name string
		opt  []compliance.Option
		env  string
	}{
		{name: "fail open by option", opt: []compliance.Option{compliance.WithAuditFailOpen()}},
		{name: "fail open by environment", env: "true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("COMPLIANCE_AUDIT_FAIL_OPEN", tt.env)
			out := &failingWriter{}
			h := compliance.Wrap(func() (string, error) { return "ok", nil }, append(tt.opt, compliance.WithOutput(out))...)
			resp, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
			if err != nil || string(resp) != `"ok"` {
				t.Fatalf("got %q, %v; want the response", resp, err)
			}
			found := false
			for _, l := range out.buf.lines(t) {
				if l["level"] == "ERROR" && l["errorType"] == "AuditError" {
					found = true
				}
			}
			if !found {
				t.Errorf("no ERROR line says the record was not written")
			}
		})
	}
	t.Run("environment wins over the option", func(t *testing.T) {
		t.Setenv("COMPLIANCE_AUDIT_FAIL_OPEN", "false")
		h := compliance.Wrap(func() (string, error) { return "ok", nil }, compliance.WithAuditFailOpen(), compliance.WithOutput(&failingWriter{}))
		if _, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`)); err == nil {
			t.Fatal("fail-open despite COMPLIANCE_AUDIT_FAIL_OPEN=false")
		}
	})
	t.Run("bad environment", func(t *testing.T) {
		t.Setenv("COMPLIANCE_AUDIT_FAIL_OPEN", "maybe")
		_, err := compliance.Wrap(func() {}, compliance.WithOutput(&syncBuffer{})).Invoke(lambdaCtx("r", ""), []byte(`{}`))
		var ce *compliance.ConfigError
		if !errors.As(err, &ce) || ce.Var != "COMPLIANCE_AUDIT_FAIL_OPEN" {
			t.Fatalf("got %v, want a ConfigError for COMPLIANCE_AUDIT_FAIL_OPEN", err)
		}
	})
}

func TestAuditGenesisAndWarnings(t *testing.T) {
	out := &syncBuffer{}
	h := compliance.Wrap(func() {}, compliance.WithOutput(out), compliance.WithAuditFailOpen())
	warns := 0
	for _, l := range out.all(t) {
		if msg, _ := l["message"].(string); l["level"] == "WARN" && strings.Contains(msg, "uncertified") {
			warns++
		}
	}
	if warns != 1 {
		t.Errorf("%d WARN lines about the uncertified chain at cold start, want 1", warns)
	}
	if len(out.records(t)) != 0 {
		t.Errorf("records before the first invocation")
	}
	h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
	h.Invoke(lambdaCtx("r2", ""), []byte(`{}`))
	recs := out.records(t)
	if len(recs) != 3 {
		t.Fatalf("%d records, want genesis + 2", len(recs))
	}
	chain := recs[0]["unmapped"].(map[string]any)["chain"].(map[string]any)
	if chain["self_signed"] != true || chain["fail_open"] != true || chain["function_arn"] != "arn:aws:lambda:us-east-1:123456789012:function:orders" {
		t.Errorf("genesis chain %v: want self-signed, fail-open, the function ARN", chain)
	}
	hh := h.(*compliance.Handler)
	if err := hh.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := hh.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs = out.records(t)
	if len(recs) != 4 || recs[3]["activity_name"] != "Stop" {
		t.Fatalf("after Close twice: %d records, last %v; want one close record", len(recs), recs[len(recs)-1]["activity_name"])
	}

	out = &syncBuffer{}
	h = compliance.Wrap(func() {}, compliance.WithOutput(out), compliance.WithoutAudit())
	h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
	if len(out.records(t)) != 0 {
		t.Error("WithoutAudit: records written")
	}
	lines := out.all(t)
	if len(lines) != 1 || lines[0]["level"] != "WARN" || !strings.Contains(lines[0]["message"].(string), "audit is off") {
		t.Errorf("WithoutAudit: got %v, want one WARN line that says audit is off", lines)
	}
}

func TestAuditFindings(t *testing.T) {
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context) error {
		compliance.Logger(ctx).Info("contact jane.doe@example.com or john@example.org")
		return errors.New("card 4111 1111 1111 1111 declined")
	}, compliance.WithOutput(out))
	h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
	h.Invoke(lambdaCtx("r2", ""), []byte(`{}`))
	recs := out.records(t)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for _, r := range recs[1:] {
		got, err := json.Marshal(r["unmapped"].(map[string]any)["redactions"])
		if err != nil {
			t.Fatal(err)
		}
		// Two e-mail addresses in the log line, a card number in the
		// failure line; per invocation, never accumulated.
		var m map[string]float64
		if err := json.Unmarshal(got, &m); err != nil {
			t.Fatalf("redactions %s: %v", got, err)
		}
		if m["email"] != 2 || m["credit_card"]+m["card"]+m["pan"] != 1 {
			t.Errorf("redactions %s, want 2 email and 1 card", got)
		}
	}
}

func TestAuditConcurrentChain(t *testing.T) {
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context, ev map[string]any) (map[string]any, error) {
		compliance.Logger(ctx).Info("working")
		return ev, nil
	}, compliance.WithOutput(out))
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	var ids []string
	for g := range goroutines {
		for i := range each {
			ids = append(ids, fmt.Sprintf("g%d-%d", g, i))
		}
		wg.Go(func() {
			for i := range each {
				if _, err := h.Invoke(lambdaCtx(fmt.Sprintf("g%d-%d", g, i), ""), []byte(`{"i":1}`)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := h.(*compliance.Handler).Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Verify the whole output, log lines included, as the CLI would read it.
	out.mu.Lock()
	all := slices.Clone(out.writes)
	out.mu.Unlock()
	rep := verify(t, all, audit.VerifyOptions{RequestIDs: ids})
	if len(rep.Chains) != 1 {
		t.Fatalf("%d chains, want 1", len(rep.Chains))
	}
	c := rep.Chains[0]
	if c.Status != audit.StatusUncertified || !c.Terminated || c.Records != goroutines*each+2 || len(rep.MissingRequestIDs) != 0 {
		t.Errorf("chain %+v, missing %v: want one intact, terminated chain of %d records", c, rep.MissingRequestIDs, goroutines*each+2)
	}
}

// TestAuditRecordsCarryNoPII sends the sample events of examples/apigw
// through a handler that logs them and fails with them, then runs
// `compliance scan` on the audit records: it must find nothing.
func TestAuditRecordsCarryNoPII(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI; skipped with -short")
	}
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context, ev map[string]any) (map[string]any, error) {
		compliance.Logger(ctx).Info("event", zap.Any("event", ev))
		if body, _ := ev["body"].(string); strings.Contains(body, "@") {
			return nil, fmt.Errorf("rejected %s", body)
		}
		return ev, nil
	}, compliance.WithOutput(out))
	files, err := filepath.Glob("examples/apigw/events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	for i, f := range files {
		payload, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Invoke(lambdaCtx(fmt.Sprintf("r%d", i), ""), payload)
	}
	h.(*compliance.Handler).Close(context.Background())
	recs := bytes.Join(out.recordLines(t), nil)
	if n := bytes.Count(recs, []byte("\n")); n != len(files)+2 {
		t.Fatalf("%d records, want %d", n, len(files)+2)
	}
	for _, v := range plantedPII {
		if bytes.Contains(recs, []byte(v)) {
			t.Errorf("%q in clear in the audit records", v)
		}
	}
	bin := filepath.Join(t.TempDir(), "compliance")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/compliance").CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, b)
	}
	// One value in the records is not personal data the records must not
	// carry, and is allowed by exact value: the caller's source IP address,
	// which an audit record must carry (PCI DSS 10.2.2 "origination", NIST
	// AU-3d) in src_endpoint.ip and nowhere else.
	sourceIPs := []string{"203.0.113.24", "198.51.100.7"}
	for _, r := range out.records(t) {
		raw, _ := json.Marshal(r)
		ip := ""
		if src, ok := r["src_endpoint"].(map[string]any); ok {
			ip, _ = src["ip"].(string)
		}
		for _, v := range sourceIPs {
			if n := bytes.Count(raw, []byte(v)); n > 0 && (ip != v || n != 1) {
				t.Errorf("source IP %s in a record elsewhere than src_endpoint.ip: %s", v, raw)
			}
		}
	}
	cfg := filepath.Join(t.TempDir(), "scan.json")
	allow, _ := json.Marshal(map[string]any{"allow": sourceIPs})
	if err := os.WriteFile(cfg, allow, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "scan", "--config", cfg)
	cmd.Stdin = bytes.NewReader(recs)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("compliance scan on the audit records: %v\n%s", err, b)
	}
}

// plantedPII is the personal data in examples/apigw/events (as its test
// lists it).
var plantedPII = []string{"Jane Doe", "jane.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "4111111111111111",
	"John Roe", "+44 20 7946 0959"}

// BenchmarkAuditedInvocation measures one invocation with its audit record.
func BenchmarkAuditedInvocation(b *testing.B) {
	for _, mode := range []string{"audited", "without"} {
		b.Run(mode, func(b *testing.B) {
			opts := []compliance.Option{compliance.WithOutput(discard{})}
			if mode == "without" {
				opts = append(opts, compliance.WithoutAudit())
			}
			h := compliance.Wrap(func(ctx context.Context, ev map[string]any) (map[string]any, error) { return ev, nil }, opts...)
			ctx := lambdaCtx("r", "")
			payload := []byte(`{"id":"cus_86e0b9e56c17","n":1}`)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// panickyWriter panics on audit records.
type panickyWriter struct{ buf syncBuffer }

func (w *panickyWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"attestation":{`)) {
		panic("writer broke")
	}
	return w.buf.Write(p)
}

func TestAuditWriterPanicIsAnAuditError(t *testing.T) {
	h := compliance.Wrap(func() (string, error) { return "ok", nil }, compliance.WithOutput(&panickyWriter{}))
	resp, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
	if _, ok := err.(*compliance.AuditError); !ok || resp != nil {
		t.Fatalf("got %q, %v (%T); want an *AuditError", resp, err, err)
	}
}

func TestAuditSigningKeyFromEnvironment(t *testing.T) {
	t.Setenv("COMPLIANCE_AUDIT_KMS_KEY_ID", "not a key")
	_, err := compliance.Wrap(func() {}, compliance.WithOutput(&syncBuffer{})).Invoke(lambdaCtx("r", ""), []byte(`{}`))
	var ce *compliance.ConfigError
	if !errors.As(err, &ce) || ce.Var != "COMPLIANCE_AUDIT_KMS_KEY_ID" {
		t.Fatalf("got %v, want a ConfigError for COMPLIANCE_AUDIT_KMS_KEY_ID", err)
	}
	t.Setenv("COMPLIANCE_AUDIT_KMS_KEY_ID", "")
	_, err = compliance.Wrap(func() {}, compliance.WithAuditSigningKey(""), compliance.WithOutput(&syncBuffer{})).Invoke(lambdaCtx("r", ""), []byte(`{}`))
	if err != nil {
		t.Fatalf("empty signing key: %v, want a self-signed chain", err)
	}
}

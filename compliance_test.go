package compliance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.uber.org/zap"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/middleware"
)

// lambdaCtx returns a context as aws-lambda-go builds it for one invocation.
func lambdaCtx(requestID, traceHeader string) context.Context {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:orders",
	})
	return context.WithValue(ctx, "x-amzn-trace-id", traceHeader) //lint:ignore SA1029 the key aws-lambda-go uses
}

// syncBuffer is an io.Writer that records every Write call separately.
type syncBuffer struct {
	mu     sync.Mutex
	writes [][]byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes = append(b.writes, bytes.Clone(p))
	return len(p), nil
}

// lines decodes every write as exactly one JSON object ending in a newline,
// and returns the log lines: not the audit records (see records), nor the
// WARN line that says, at every cold start of these tests, that the audit
// chain is uncertified.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range b.all(t) {
		_, isRecord := m["class_uid"]
		msg, _ := m["message"].(string)
		if isRecord || m["level"] == "WARN" && strings.HasPrefix(msg, "the audit chain is uncertified") {
			continue
		}
		out = append(out, m)
	}
	return out
}

// records returns the audit records among the lines.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range b.all(t) {
		if _, ok := m["class_uid"]; ok {
			out = append(out, m)
		}
	}
	return out
}

// all decodes every write as exactly one JSON object ending in a newline.
func (b *syncBuffer) all(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, w := range b.writes {
		if bytes.Count(w, []byte("\n")) != 1 || w[len(w)-1] != '\n' {
			t.Fatalf("a write is not exactly one line: %q", w)
		}
		var m map[string]any
		if err := json.Unmarshal(w, &m); err != nil {
			t.Fatalf("a line is not a JSON object: %q: %v", w, err)
		}
		out = append(out, m)
	}
	return out
}

func TestPayloadArrivesUnchanged(t *testing.T) {
	payload := []byte(`{"n": 9007199254740993, "z": 1, "a": 2}`)
	tests := []struct {
		name    string
		handler func(got *[]byte) any
	}{
		{"func(ctx, json.RawMessage)", func(got *[]byte) any {
			return func(_ context.Context, ev json.RawMessage) (json.RawMessage, error) {
				*got = ev
				return ev, nil
			}
		}},
		{"lambda.Handler", func(got *[]byte) any {
			return middleware.HandlerFunc(func(_ context.Context, p []byte) ([]byte, error) {
				*got = p
				return p, nil
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			h := compliance.Wrap(tt.handler(&got), compliance.WithOutput(&syncBuffer{}))
			resp, err := h.Invoke(lambdaCtx("r1", ""), payload)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Errorf("handler got %s, want %s", got, payload)
			}
			// The response may be compacted by aws-lambda-go's encoder, but
			// keeps every digit and the key order.
			if want := `{"n":9007199254740993,"z":1,"a":2}`; string(compact(t, resp)) != want {
				t.Errorf("response %s, want %s", resp, want)
			}
		})
	}
}

func compact(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("response is not JSON: %q", b)
	}
	return buf.Bytes()
}

func TestEveryHandlerShape(t *testing.T) {
	type in struct{ Name string }
	type out struct{ Greeting string }
	shapes := []struct {
		name    string
		handler any
		want    string
	}{
		{"func()", func() {}, "null"},
		{"func() error", func() error { return nil }, "null"},
		{"func(in) error", func(in) error { return nil }, "null"},
		{"func() (out, error)", func() (out, error) { return out{"hi"}, nil }, `{"Greeting":"hi"}`},
		{"func(in) (out, error)", func(i in) (out, error) { return out{"hi " + i.Name}, nil }, `{"Greeting":"hi Ada"}`},
		{"func(ctx) error", func(context.Context) error { return nil }, "null"},
		{"func(ctx, in) error", func(context.Context, in) error { return nil }, "null"},
		{"func(ctx, in) (out, error)", func(_ context.Context, i in) (out, error) { return out{"hi " + i.Name}, nil }, `{"Greeting":"hi Ada"}`},
		{"func(ctx, *in) (*out, error)", func(_ context.Context, i *in) (*out, error) { return &out{"hi " + i.Name}, nil }, `{"Greeting":"hi Ada"}`},
		{"lambda.Handler", lambda.NewHandler(func(i in) (out, error) { return out{"hi " + i.Name}, nil }), `{"Greeting":"hi Ada"}`},
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			resp, err := compliance.Wrap(s.handler, compliance.WithOutput(&syncBuffer{})).Invoke(lambdaCtx("r", ""), []byte(`{"Name":"Ada"}`))
			if err != nil || string(resp) != s.want {
				t.Fatalf("got %s, %v; want %s", resp, err, s.want)
			}
		})
	}
}

type OrderError struct{ ID string }

func (e *OrderError) Error() string { return "order " + e.ID + " not found" }

func TestUserErrorReturnedUnchanged(t *testing.T) {
	want := &OrderError{ID: "42"}
	out := &syncBuffer{}
	h := compliance.Wrap(func(context.Context) error { return want }, compliance.WithOutput(out))
	_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
	if err != want {
		t.Fatalf("got %T %v, want the handler's own *OrderError (Lambda reports its type name)", err, err)
	}
	lines := out.lines(t)
	if len(lines) != 1 || lines[0]["errorType"] != "OrderError" || lines[0]["level"] != "ERROR" {
		t.Fatalf("want one ERROR line with errorType OrderError, got %v", lines)
	}
}

func TestLoggerCarriesInvocation(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context) error {
		compliance.Logger(ctx).Info("hello", zap.Int("n", 1))
		compliance.Logger(ctx).Debug("hidden at info level")
		return nil
	}, compliance.WithOutput(out))
	for _, id := range []string{"r1", "r2"} {
		if _, err := h.Invoke(lambdaCtx(id, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	lines := out.lines(t)
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %v", len(lines), lines)
	}
	for i, want := range []map[string]any{
		{"level": "INFO", "message": "hello", "n": 1.0, "requestId": "r1", "coldStart": true, "functionName": "orders", "traceId": "5759e988bd862e3fe1be46a994272793"},
		{"requestId": "r2", "coldStart": false},
	} {
		for k, v := range want {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, lines[i][k], v)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(lines[i]["timestamp"])); err != nil {
			t.Errorf("line %d: timestamp %v: %v", i, lines[i]["timestamp"], err)
		}
	}
}

func TestLogLevelFromEnvironment(t *testing.T) {
	for _, tt := range []struct {
		awsLevel, level string
		wantDebug       bool
	}{
		{"", "", false},
		{"DEBUG", "", true},
		{"", "debug", true},
		{"ERROR", "DEBUG", false}, // AWS_LAMBDA_LOG_LEVEL first
		{"TRACE", "", true},
	} {
		t.Run(tt.awsLevel+"/"+tt.level, func(t *testing.T) {
			t.Setenv("AWS_LAMBDA_LOG_LEVEL", tt.awsLevel)
			t.Setenv("LOG_LEVEL", tt.level)
			out := &syncBuffer{}
			compliance.Wrap(func(ctx context.Context) { compliance.Logger(ctx).Debug("d") }, compliance.WithOutput(out)).
				Invoke(lambdaCtx("r", ""), []byte(`{}`))
			if got := len(out.lines(t)) == 1; got != tt.wantDebug {
				t.Errorf("debug line written: %v, want %v", got, tt.wantDebug)
			}
		})
	}
}

func TestBadEnvironmentFailsEveryInvocation(t *testing.T) {
	for _, env := range [][2]string{{"COMPLIANCE_DEADLINE_MARGIN", "soon"}, {"AWS_LAMBDA_LOG_LEVEL", "LOUD"}} {
		t.Run(env[0], func(t *testing.T) {
			t.Setenv(env[0], env[1])
			called := false
			_, err := compliance.Wrap(func() { called = true }).Invoke(lambdaCtx("r", ""), []byte(`{}`))
			var ce *compliance.ConfigError
			if !errors.As(err, &ce) || ce.Var != env[0] {
				t.Fatalf("got %v, want *ConfigError for %s", err, env[0])
			}
			if called {
				t.Error("the handler ran under a configuration that could not be used")
			}
		})
	}
}

func TestPanicIsolation(t *testing.T) {
	out := &syncBuffer{}
	slowStarted, panicked := make(chan struct{}), make(chan struct{})
	h := compliance.Wrap(func(_ context.Context, ev struct{ Mode string }) (string, error) {
		switch ev.Mode {
		case "panic":
			<-slowStarted
			panic(fmt.Sprintf("index out of range [%d]", 3))
		case "slow":
			close(slowStarted)
			<-panicked // still running while the other invocation panics
		}
		return "ok", nil
	}, compliance.WithOutput(out))

	var wg sync.WaitGroup
	var slowResp []byte
	var slowErr error
	wg.Go(func() { slowResp, slowErr = h.Invoke(lambdaCtx("slow", ""), []byte(`{"Mode":"slow"}`)) })
	_, err := h.Invoke(lambdaCtx("panics", ""), []byte(`{"Mode":"panic"}`))
	close(panicked)
	wg.Wait()

	var pe *middleware.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("panicking invocation: got %T %v, want *middleware.PanicError", err, err)
	}
	if !strings.Contains(pe.Stack, "compliance_test.TestPanicIsolation") {
		t.Errorf("stack does not reach the handler:\n%s", pe.Stack)
	}
	if slowErr != nil || string(slowResp) != `"ok"` {
		t.Errorf("concurrent invocation: got %s, %v; want \"ok\"", slowResp, slowErr)
	}
	if resp, err := h.Invoke(lambdaCtx("after", ""), []byte(`{}`)); err != nil || string(resp) != `"ok"` {
		t.Errorf("invocation after the panic: got %s, %v", resp, err)
	}
	var panicLines int
	for _, l := range out.lines(t) {
		if l["errorType"] == "PanicError" {
			panicLines++
			if l["requestId"] != "panics" || !strings.Contains(fmt.Sprint(l["stackTrace"]), "TestPanicIsolation") {
				t.Errorf("panic line lacks request id or stack: %v", l)
			}
		}
	}
	if panicLines != 1 {
		t.Errorf("got %d panic log lines, want 1", panicLines)
	}
}

func TestDeadlineMarginFromOptionAndEnvironment(t *testing.T) {
	run := func(opts ...compliance.Option) error {
		ctx, cancel := context.WithTimeout(lambdaCtx("r", ""), 600*time.Millisecond)
		defer cancel()
		stuck := func(context.Context) error {
			time.Sleep(400 * time.Millisecond) // ignores its context
			return nil
		}
		_, err := compliance.Wrap(stuck, append(opts, compliance.WithOutput(&syncBuffer{}))...).Invoke(ctx, []byte(`{}`))
		return err
	}
	var te *middleware.TimeoutError
	if err := run(compliance.WithDeadlineMargin(300 * time.Millisecond)); !errors.As(err, &te) {
		t.Fatalf("got %v, want *middleware.TimeoutError", err)
	}
	t.Setenv("COMPLIANCE_DEADLINE_MARGIN", "0")
	if err := run(compliance.WithDeadlineMargin(300 * time.Millisecond)); err != nil {
		t.Errorf("with COMPLIANCE_DEADLINE_MARGIN=0 the guard still fired: %v", err)
	}
}

// TestConcurrentInvocations drives one wrapped handler from 8 goroutines, as
// aws-lambda-go does with AWS_LAMBDA_MAX_CONCURRENCY=8.
func TestConcurrentInvocations(t *testing.T) {
	const workers, perWorker = 8, 50
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context, ev struct{ N int }) (string, error) {
		inv, ok := middleware.FromContext(ctx)
		if !ok {
			return "", errors.New("no invocation")
		}
		compliance.Logger(ctx).Info("working", zap.Int("n", ev.N))
		return inv.RequestID + "|" + inv.TraceHeader, nil
	}, compliance.WithOutput(out))

	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("req-%d-%d", w, i)
				header := fmt.Sprintf("Root=1-%08x-%024x;Sampled=1", w, i)
				resp, err := h.Invoke(lambdaCtx(id, header), fmt.Appendf(nil, `{"N":%d}`, i))
				if want := fmt.Sprintf("%q", id+"|"+header); err != nil || string(resp) != want {
					errs <- fmt.Errorf("%s: got %s, %v; want %s", id, resp, err, want)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	lines := out.lines(t)
	if len(lines) != workers*perWorker {
		t.Fatalf("got %d log lines, want %d", len(lines), workers*perWorker)
	}
	cold := 0
	for _, l := range lines {
		var w, i int
		if _, err := fmt.Sscanf(fmt.Sprint(l["requestId"]), "req-%d-%d", &w, &i); err != nil {
			t.Fatalf("line without request id: %v", l)
		}
		if want := fmt.Sprintf("%08x%024x", w, i); l["traceId"] != want || l["n"] != float64(i) {
			t.Errorf("line of %v carries another invocation's data: %v", l["requestId"], l)
		}
		if l["coldStart"] == true {
			cold++
		}
	}
	if cold != 1 {
		t.Errorf("%d invocations claimed the cold start, want 1", cold)
	}
}

func TestMalformedPayloadIsATypedError(t *testing.T) {
	called := false
	h := compliance.Wrap(func(_ context.Context, ev map[string]any) error { called = true; return nil }, compliance.WithOutput(&syncBuffer{}))
	_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{"email": "jane@example.com", "card": `))
	var ee *middleware.EventError
	if !errors.As(err, &ee) {
		t.Fatalf("got %T %v, want *middleware.EventError", err, err)
	}
	if strings.Contains(err.Error(), "jane") {
		t.Errorf("the error carries payload bytes: %v", err)
	}
	if called {
		t.Error("the handler ran on a payload that is not JSON")
	}
	// A handler that takes no event still runs: it never reads the payload.
	if _, err := compliance.Wrap(func(context.Context) error { return nil }).Invoke(lambdaCtx("r", ""), []byte(`{`)); err != nil {
		t.Errorf("handler without an event argument: got %v", err)
	}
}

func TestLoggerRedactsByDefault(t *testing.T) {
	t.Setenv("COMPLIANCE_REDACT_SENSITIVE_KEYS", "memberCode")
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context, ev map[string]any) error {
		log := compliance.Logger(ctx)
		log.Info("signup from jane.doe@example.com", zap.Any("event", ev), zap.Int("pin", 4321),
			zap.String("card", "4111 1111 1111 1111"), zap.String("memberCode", "MC-77"))
		return errors.New("charge failed for card 4111111111111111")
	}, compliance.WithOutput(out))
	_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{"email":"jane.doe@example.com","password":"hunter2!","orderId":"4111111111111112"}`))
	if err == nil {
		t.Fatal("want the handler's error")
	}
	var all strings.Builder
	for _, w := range out.writes {
		all.Write(w)
	}
	for _, v := range []string{"jane.doe@example.com", "hunter2!", "4321", "4111 1111 1111 1111", "4111111111111111", "MC-77"} {
		if strings.Contains(all.String(), v) {
			t.Errorf("%q in clear in the log:\n%s", v, all.String())
		}
	}
	if !strings.Contains(all.String(), "4111111111111112") {
		t.Errorf("the order id (fails Luhn) was redacted:\n%s", all.String())
	}
	if len(out.lines(t)) != 2 {
		t.Errorf("want 2 lines (the log call and the failure)")
	}
}

func TestPanicMessageIsRedacted(t *testing.T) {
	wrapping := func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
			resp, err := next.Invoke(ctx, p)
			if err != nil {
				err = fmt.Errorf("charging: %w", err)
			}
			return resp, err
		})
	}
	for _, tc := range []struct {
		name string
		opts []compliance.Option
		want string
	}{
		{name: "as recovered", want: "cannot charge card"},
		{name: "wrapped by a middleware", opts: []compliance.Option{compliance.WithMiddleware(wrapping)}, want: "charging: middleware: panic: cannot charge card"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := compliance.Wrap(func(ctx context.Context) error {
				panic("cannot charge card 4111 1111 1111 1111 of jane.doe@example.com")
			}, append(tc.opts, compliance.WithOutput(&syncBuffer{}))...)
			_, err := h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
			pe, ok := err.(*middleware.PanicError)
			if !ok {
				t.Fatalf("got %T %v, want *middleware.PanicError", err, err)
			}
			if strings.Contains(err.Error(), "4111") || strings.Contains(err.Error(), "jane") {
				t.Errorf("panic message in clear: %q", err.Error())
			}
			if !strings.HasPrefix(pe.Message, tc.want) || !strings.Contains(pe.Stack, "TestPanicMessageIsRedacted") {
				t.Errorf("got message %q (want it to start %q) and stack\n%s", pe.Message, tc.want, pe.Stack)
			}
		})
	}
}

func TestWithoutRedactionIsSaid(t *testing.T) {
	out := &syncBuffer{}
	h := compliance.Wrap(func(ctx context.Context) { compliance.Logger(ctx).Info("jane.doe@example.com") },
		compliance.WithoutRedaction(), compliance.WithOutput(out))
	h.Invoke(lambdaCtx("r", ""), []byte(`{}`))
	lines := out.lines(t)
	if len(lines) != 2 || lines[0]["level"] != "WARN" || !strings.Contains(fmt.Sprint(lines[0]["message"]), "redaction is off") {
		t.Fatalf("want a WARN line saying redaction is off, then the clear line; got %v", lines)
	}
	if lines[1]["message"] != "jane.doe@example.com" {
		t.Errorf("WithoutRedaction still redacted: %v", lines[1])
	}
}

package middleware_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambda-compliance/compliance/middleware"
)

var echo = middleware.HandlerFunc(func(_ context.Context, p []byte) ([]byte, error) { return p, nil })

func TestChainEmptyAndNilAreNoOps(t *testing.T) {
	h := middleware.Chain()(echo)
	if _, ok := h.(middleware.HandlerFunc); !ok {
		t.Fatalf("Chain() wrapped the handler: got %T", h)
	}
	h = middleware.Chain(nil, nil)(echo)
	resp, err := h.Invoke(context.Background(), []byte("x"))
	if err != nil || string(resp) != "x" {
		t.Fatalf("Chain(nil, nil): got %q, %v", resp, err)
	}
}

func TestRecoverKeepsStack(t *testing.T) {
	h := middleware.Recover()(middleware.HandlerFunc(panicker))
	_, err := h.Invoke(context.Background(), nil)
	var pe *middleware.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %T %v, want *PanicError", err, err)
	}
	if pe.Message != "boom" {
		t.Errorf("Message: got %q, want %q", pe.Message, "boom")
	}
	if !strings.Contains(pe.Stack, "middleware_test.panicker") || !strings.Contains(pe.Stack, "middleware_test.go:") {
		t.Errorf("Stack does not name the panicking function and file:\n%s", pe.Stack)
	}
	if strings.HasPrefix(pe.Stack, "runtime.") {
		t.Errorf("Stack starts in the runtime:\n%s", pe.Stack)
	}
}

func panicker(context.Context, []byte) ([]byte, error) { panic("boom") }

func TestRecoverPassesResults(t *testing.T) {
	want := errors.New("user error")
	h := middleware.Recover()(middleware.HandlerFunc(func(context.Context, []byte) ([]byte, error) { return []byte("r"), want }))
	resp, err := h.Invoke(context.Background(), nil)
	if err != want || string(resp) != "r" {
		t.Fatalf("got %q, %v; want %q, %v (unchanged)", resp, err, "r", want)
	}
}

func TestDeadlineGuardFailsLateHandler(t *testing.T) {
	deadline := time.Now().Add(400 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var handlerDeadline time.Time
	recorded := make(chan time.Time, 1)
	slow := middleware.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		handlerDeadline, _ = ctx.Deadline()
		// What a control does to finish even when the handler overruns.
		context.AfterFunc(ctx, func() { recorded <- time.Now() })
		time.Sleep(350 * time.Millisecond) // ignores its context, like a stuck handler
		return []byte("late"), nil
	})
	resp, err := middleware.DeadlineGuard(100*time.Millisecond)(slow).Invoke(ctx, nil)
	var te *middleware.TimeoutError
	if !errors.As(err, &te) || resp != nil {
		t.Fatalf("got %q, %T %v; want nil, *TimeoutError", resp, err, err)
	}
	if want := deadline.Add(-100 * time.Millisecond); !handlerDeadline.Equal(want) {
		t.Errorf("handler's deadline %v, want %v (margin before Lambda's)", handlerDeadline, want)
	}
	if at := <-recorded; !at.Before(deadline) {
		t.Errorf("AfterFunc ran at %v, not before Lambda's deadline %v", at, deadline)
	}
}

func TestDeadlineGuardPassesTimelyResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	want := errors.New("user error")
	h := middleware.HandlerFunc(func(context.Context, []byte) ([]byte, error) { return []byte("r"), want })
	resp, err := middleware.DeadlineGuard(time.Second)(h).Invoke(ctx, nil)
	if err != want || string(resp) != "r" {
		t.Fatalf("got %q, %v; want %q, %v (unchanged)", resp, err, "r", want)
	}
}

func TestDeadlineGuardNoOp(t *testing.T) {
	if _, ok := middleware.DeadlineGuard(0)(echo).(middleware.HandlerFunc); !ok {
		t.Error("DeadlineGuard(0) wrapped the handler")
	}
	// No deadline: next runs on the caller's goroutine, results unchanged.
	resp, err := middleware.DeadlineGuard(time.Second)(echo).Invoke(context.Background(), []byte("p"))
	if err != nil || string(resp) != "p" {
		t.Fatalf("got %q, %v", resp, err)
	}
}

func TestMetadataFromLambdaContext(t *testing.T) {
	env := middleware.Environment{FunctionName: "fn", FunctionVersion: "$LATEST", Region: "us-west-2", MemoryMB: 256,
		LogGroup: "/aws/lambda/fn", LogStream: "2026/11/28/[$LATEST]abc", InitType: "on-demand", MaxConcurrency: 1}
	var got middleware.Invocation
	h := middleware.Metadata(env)(middleware.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		inv, ok := middleware.FromContext(ctx)
		if !ok {
			t.Fatal("no Invocation in the handler's context")
		}
		got = *inv
		return []byte("12345"), nil
	}))
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       "req-1",
		InvokedFunctionArn: "arn:aws:lambda:eu-central-1:123456789012:function:fn:live",
		TenantID:           "tenant-7",
	})
	ctx = context.WithValue(ctx, "x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1") //lint:ignore SA1029 the key aws-lambda-go uses
	if _, err := h.Invoke(ctx, []byte(`{"k":"v"}`)); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"RequestID", got.RequestID, "req-1"},
		{"InvokedFunctionARN", got.InvokedFunctionARN, "arn:aws:lambda:eu-central-1:123456789012:function:fn:live"},
		{"AccountID", got.AccountID, "123456789012"},
		{"Region (from the ARN)", got.Region, "eu-central-1"},
		{"TenantID", got.TenantID, "tenant-7"},
		{"FunctionName", got.FunctionName, "fn"},
		{"FunctionVersion", got.FunctionVersion, "$LATEST"},
		{"MemoryMB", got.MemoryMB, 256},
		{"LogGroup", got.LogGroup, "/aws/lambda/fn"},
		{"LogStream", got.LogStream, "2026/11/28/[$LATEST]abc"},
		{"InitType", got.InitType, "on-demand"},
		{"MaxConcurrency", got.MaxConcurrency, 1},
		{"ColdStart", got.ColdStart, true},
		{"TraceHeader", got.TraceHeader, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"},
		{"Deadline", got.Deadline.Equal(deadline), true},
		{"RequestSize", got.RequestSize, 9},
		{"Source", got.Source, middleware.SourceDirect},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMetadataTraceHeaderFallsBackToEnv(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000001-000000000000000000000001")
	var header string
	h := middleware.Metadata(middleware.Environment{})(middleware.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		inv, _ := middleware.FromContext(ctx)
		header = inv.TraceHeader
		return nil, nil
	}))
	h.Invoke(context.Background(), nil)
	if header != "Root=1-00000001-000000000000000000000001" {
		t.Errorf("got %q, want the _X_AMZN_TRACE_ID value", header)
	}
}

func TestMetadataResponseSize(t *testing.T) {
	var inv *middleware.Invocation
	inner := middleware.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		inv, _ = middleware.FromContext(ctx)
		return []byte("hello"), nil
	})
	middleware.Metadata(middleware.Environment{})(inner).Invoke(context.Background(), nil)
	if inv.ResponseSize != 5 {
		t.Errorf("ResponseSize: got %d, want 5", inv.ResponseSize)
	}
}

func TestTraceID(t *testing.T) {
	tests := []struct{ header, want string }{
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "5759e988bd862e3fe1be46a994272793"},
		{"Parent=53995c3f42cd8ad8; Root=1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793"},
		{"Root=1-5759e988-bd862e3fe1be46a99427279", ""},  // short
		{"Root=2-5759e988-bd862e3fe1be46a994272793", ""}, // unknown version
		{"Root=1-5759E988-bd862e3fe1be46a994272793", ""}, // upper case
		{"Root=1-5759e988xbd862e3fe1be46a994272793", ""}, // separator
		{"Root=1-5759e988-bd862e3fe1be46a99427279g", ""}, // not hex
		{"", ""},
		{"Sampled=1", ""},
	}
	for _, tt := range tests {
		if got := middleware.TraceID(tt.header); got != tt.want {
			t.Errorf("TraceID(%q): got %q, want %q", tt.header, got, tt.want)
		}
	}
}

func FuzzTraceID(f *testing.F) {
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	f.Add("Root=1-;;=")
	f.Fuzz(func(t *testing.T, header string) {
		id := middleware.TraceID(header)
		if id == "" {
			return
		}
		if len(id) != 32 || !strings.Contains(header, id[:8]+"-"+id[8:]) {
			t.Fatalf("TraceID(%q) = %q: not the header's root", header, id)
		}
	})
}

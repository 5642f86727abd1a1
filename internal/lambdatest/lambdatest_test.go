package lambdatest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestJSONLines(t *testing.T) {
	lines := []string{
		`START RequestId: 1 Version: $LATEST`,
		`{"level":"INFO","message":"hello"}`,
		`28 Nov 2025 12:00:00,000 [INFO] (rapid) exec '/tmp/bootstrap'`,
		`{"truncated":`,
		`["an","array"]`,
		`  {"n":1}  `,
	}
	got := JSONLines(lines)
	want := []map[string]any{{"level": "INFO", "message": "hello"}, {"n": 1.0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSONLines = %v, want %v", got, want)
	}
}

func TestStartEarlyExit(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "fake-rie")
	script := "#!/bin/sh\necho 'fake-rie: cannot start' >&2\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Config{Emulator: fake, Bootstrap: "/nonexistent"})
	if err == nil || !strings.Contains(err.Error(), "exited before accepting connections") || !strings.Contains(err.Error(), "fake-rie: cannot start") {
		t.Fatalf("Start = %v, want an early-exit error with the emulator's output", err)
	}
}

func TestEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda Runtime Interface Emulator; skipped with -short")
	}
	e := New(t, "./internal/lambdatest/testdata/echo", Config{Env: map[string]string{"EXTRA": "1"}})

	for i := range 2 {
		before := len(e.Output())
		status, body, err := e.Invoke(context.Background(), []byte(`{"n":12345678901234567890}`))
		if err != nil {
			t.Fatal(err)
		}
		if status != 200 || string(body) != `{"n":12345678901234567890}` {
			t.Errorf("invoke %d: got %d %s, want 200 and the payload back", i, status, body)
		}
		out := e.Output()[before:]
		// The function's stdout and stderr reach the emulator's output
		// unchanged, before the invocation's REPORT line.
		iOut, iErr, iReport := slices.Index(out, `{"stream":"stdout"}`), slices.Index(out, "plain line on stderr"),
			slices.IndexFunc(out, func(l string) bool { return strings.HasPrefix(l, "REPORT RequestId: ") })
		if iOut < 0 || iErr < 0 || iReport < 0 || iOut > iReport || iErr > iReport {
			t.Errorf("invoke %d: output:\n%s\nwant the function's two lines before REPORT", i, strings.Join(out, "\n"))
		}
	}
	if got := e.FunctionLogs(); len(got) != 2 {
		t.Errorf("FunctionLogs = %v, want two lines", got)
	}

	kids := childrenOf(e.PID())
	if len(kids) == 0 {
		t.Fatal("no function process under the emulator")
	}
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := e.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	for _, p := range append(kids, e.PID()) {
		if ppid, state := procStat(p); ppid != 0 && state != 'Z' {
			t.Errorf("process %d still running (state %c) after Stop", p, state)
		}
	}
	if c, err := net.Dial("tcp", e.Addr()); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", e.Addr())
	}
}

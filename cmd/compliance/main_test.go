package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambda-compliance/compliance/redact"
)

// Planted values that the default redactor must remove.
const (
	plantedEmail    = "jane.doe@example.com"
	plantedCard     = "4111 1111 1111 1111" // Luhn-valid test Visa
	plantedPassword = "hunter2-Correct-Horse"
)

var plantedValues = []string{plantedEmail, plantedCard, "4111111111111111", plantedPassword}

// cli runs the CLI in-process and returns its exit status and output.
func cli(t *testing.T, stdin string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = run(args, strings.NewReader(stdin), &out, &errOut)
	return status, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sensitiveInput has a planted value on lines 2, 3, 4 and 6, in text, JSON
// and CRLF lines, and ends without a newline.
var sensitiveInput = strings.Join([]string{
	"starting up",
	"contact " + plantedEmail + " about card " + plantedCard,
	`{"user":"` + plantedEmail + `","password":"` + plantedPassword + `","n":1}` + "\r",
	`[{"card":"4111111111111111"},{"note":"order 4111111111111112"}]`,
	"",
	"crlf line with " + plantedEmail + "\r",
	"last line without newline",
}, "\n")

func TestHelpAndDispatch(t *testing.T) {
	tests := []struct {
		args       []string
		wantStatus int
		wantOut    string // in stdout
		wantErr    string // in stderr
	}{
		{nil, exitUsage, "", "Commands:"},
		{[]string{"help"}, exitOK, "Commands:", ""},
		{[]string{"--help"}, exitOK, "redact", ""},
		{[]string{"help", "redact"}, exitOK, "--operator type=op", ""},
		{[]string{"help", "scan"}, exitOK, "--json", ""},
		{[]string{"help", "nope"}, exitUsage, "", `compliance: unknown command "nope"`},
		{[]string{"nope"}, exitUsage, "", `compliance: unknown command "nope"`},
		{[]string{"redact", "-h"}, exitOK, "Usage: compliance redact", ""},
		{[]string{"redact", "--no-such-flag"}, exitUsage, "", "compliance: redact: flag provided but not defined: -no-such-flag"},
		{[]string{"redact", "file.txt"}, exitUsage, "", "takes no arguments"},
	}
	for _, tt := range tests {
		status, out, errOut := cli(t, "", tt.args...)
		if status != tt.wantStatus || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("compliance %q: status %d, stdout %q, stderr %q; want status %d, stdout with %q, stderr with %q",
				tt.args, status, out, errOut, tt.wantStatus, tt.wantOut, tt.wantErr)
		}
	}
}

// TestRedactKeepsLines checks the line structure alone, whatever the
// detectors find: one output line per input line, each with the input's
// line ending, JSON still JSON.
func TestRedactKeepsLines(t *testing.T) {
	long := `{"blob":"` + strings.Repeat("abcdefgh ", 100_000) + `","email":"` + plantedEmail + `"}` // ~900 KB, over the read buffer
	inputs := map[string]string{
		"mixed":            sensitiveInput,
		"empty":            "",
		"newline only":     "\n",
		"crlf only":        "\r\n\r\n",
		"no final newline": "a\nb",
		"lone cr":          "a\rb\n\r",
		"long line":        "x\n" + long + "\r\n" + long + "\ny",
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			status, out, errOut := cli(t, in, "redact")
			if status != exitOK || errOut != "" {
				t.Fatalf("status %d, stderr %q", status, errOut)
			}
			inLines, outLines := strings.SplitAfter(in, "\n"), strings.SplitAfter(out, "\n")
			if len(inLines) != len(outLines) {
				t.Fatalf("%d input lines, %d output lines", len(inLines), len(outLines))
			}
			for i := range inLines {
				if got, want := eol(outLines[i]), eol(inLines[i]); got != want {
					t.Errorf("line %d ends in %q, want %q", i+1, got, want)
				}
				in := strings.TrimRight(inLines[i], "\r\n")
				if json.Valid([]byte(in)) && !json.Valid([]byte(strings.TrimRight(outLines[i], "\r\n"))) {
					t.Errorf("line %d: JSON input, output not JSON", i+1)
				}
			}
		})
	}
}

func eol(line string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	}
	return ""
}

// TestRedactRemovesPlanted needs the email, card and sensitive-key
// detectors of the engine.
func TestRedactRemovesPlanted(t *testing.T) {
	status, out, errOut := cli(t, sensitiveInput, "redact")
	if status != exitOK {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	for _, v := range plantedValues {
		if strings.Contains(out, v) {
			t.Errorf("output still holds %q:\n%s", v, out)
		}
	}
	for _, keep := range []string{"starting up", "4111111111111112", "last line without newline"} {
		if !strings.Contains(out, keep) {
			t.Errorf("output lost %q:\n%s", keep, out)
		}
	}
}

func TestRedactOperators(t *testing.T) {
	key := writeFile(t, "key", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))+"\n")
	status, out, errOut := cli(t, "mail "+plantedEmail+"\n", "redact", "--operator", "*=hmac", "--hmac-key-file", key)
	if status != exitOK {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	if !strings.HasPrefix(out, "mail [email:") || strings.Contains(out, plantedEmail) { // needs the email detector
		t.Errorf("hmac output %q, want mail [email:...]", out)
	}
	// The same value gives the same token.
	_, out2, _ := cli(t, "mail "+plantedEmail+"\n", "redact", "--operator=*=hmac", "--hmac-key-file="+key)
	if out != out2 {
		t.Errorf("hmac not stable: %q, then %q", out, out2)
	}
	status, out, _ = cli(t, "mail "+plantedEmail+"\n", "redact", "--operator", "email=remove")
	if status != exitOK || out != "mail \n" { // needs the email detector
		t.Errorf("remove: status %d, output %q, want %q", status, out, "mail \n")
	}
}

func TestConfigErrors(t *testing.T) {
	key := writeFile(t, "key", base64.StdEncoding.EncodeToString([]byte("short")))
	notB64 := writeFile(t, "key", "not base64!!")
	tests := []struct {
		name, config string
		args         []string
		want         string // in stderr
	}{
		{"syntax", "{\n  \"disable\": [\"email\",]\n}", nil, "line 2, column 23: invalid character ']'"},
		{"unknown field", `{"disabel": ["email"]}`, nil, `unknown field "disabel"`},
		{"wrong type", `{"disable": "email"}`, nil, `line 1, column 19: "disable" is string, want an array of strings`},
		{"two values", `{} {}`, nil, "more than one JSON value"},
		{"empty", ``, nil, "unexpected end of file"},
		{"unknown detector", `{"disable": ["emial"]}`, nil, `disable (--disable): unknown detector "emial"`},
		{"unknown operator", `{"operators": {"email": "scramble"}}`, nil, `unknown operator "scramble"`},
		{"hmac without key", `{"operators": {"*": "hmac"}}`, nil, "needs a key: give one with --hmac-key-file"},
		{"short key", `{"operators": {"*": "hmac"}}`, []string{"--hmac-key-file", key}, "the key is 5 bytes, want at least 32"},
		{"key not base64", `{}`, []string{"--hmac-key-file", notB64}, "not base64"},
		{"bad flag operator", `{}`, []string{"--operator", "email"}, "want type=operator"},
		{"unknown flag detector", `{}`, []string{"--enable", "xx"}, `unknown detector or pack "xx"`},
		{"missing file", "", []string{"--config", "/nonexistent/c.json"}, "--config: open /nonexistent/c.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"redact"}
			if tt.name != "missing file" {
				args = append(args, "--config", writeFile(t, "c.json", tt.config))
			}
			args = append(args, tt.args...)
			status, out, errOut := cli(t, "x\n", args...)
			if status != exitUsage || out != "" || !strings.HasPrefix(errOut, "compliance: ") || !strings.Contains(errOut, tt.want) {
				t.Errorf("status %d, stdout %q, stderr %q; want status 2, no output, stderr with %q", status, out, errOut, tt.want)
			}
			if strings.Contains(errOut, "short") {
				t.Errorf("stderr quotes the key: %q", errOut)
			}
		})
	}
	// A good config is used.
	cfg := writeFile(t, "c.json", `{"disable": ["email"], "operators": {"*": "remove"}, "keepPrivateIPs": true}`)
	status, out, errOut := cli(t, "mail "+plantedEmail+"\n", "redact", "--config", cfg)
	if status != exitOK || out != "mail "+plantedEmail+"\n" {
		t.Errorf("email disabled by config: status %d, output %q, stderr %q", status, out, errOut)
	}
}

func TestScanExitStatus(t *testing.T) {
	clean := writeFile(t, "clean.log", "nothing to see\nrequest 7ed033ad-c601-402b-8edc-ddef5ce049f5\n")
	dirty := writeFile(t, "dirty.log", sensitiveInput)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  int
	}{
		{"clean stdin", "nothing to see\n", nil, exitOK},
		{"clean file", "", []string{clean}, exitOK},
		{"empty stdin", "", nil, exitOK},
		{"found in stdin", sensitiveInput, nil, exitFail}, // needs the engine
		{"found in a file", "", []string{clean, dirty}, exitFail},
		{"found, json", "", []string{"--json", dirty}, exitFail},
		{"missing file", "", []string{clean, "/nonexistent/x.log"}, exitUsage},
		{"bad flag", "", []string{"--nope"}, exitUsage},
		{"bad config", "", []string{"--disable", "nope"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := cli(t, tt.stdin, append([]string{"scan"}, tt.args...)...)
			if status != tt.want {
				t.Errorf("status %d, want %d; stdout %q, stderr %q", status, tt.want, out, errOut)
			}
		})
	}
}

func TestScanReportsNoValues(t *testing.T) {
	dirty := writeFile(t, "dirty.log", sensitiveInput)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			args := []string{"scan", dirty}
			if format == "json" {
				args = append(args, "--json")
			}
			status, out, errOut := cli(t, "", args...)
			if status != exitFail { // needs the engine
				t.Errorf("status %d, want 1; stderr %q", status, errOut)
			}
			for _, v := range plantedValues {
				if strings.Contains(out+errOut, v) {
					t.Errorf("scan output holds the value %q:\n%s", v, out)
				}
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if format == "text" {
				if !strings.Contains(out, dirty+":2: email ") || !strings.Contains(out, " findings on 4 of 7 lines") {
					t.Errorf("text output lacks line 2's email or the summary:\n%s", out)
				}
				return
			}
			var last struct {
				Summary  map[string]int `json:"summary"`
				Findings int            `json:"findings"`
				Lines    int            `json:"lines"`
			}
			for i, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Fatalf("line %d is not JSON: %q", i+1, l)
				}
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
				t.Fatal(err)
			}
			if last.Lines != 7 || last.Findings != len(lines)-1 || last.Summary["email"] < 3 {
				t.Errorf("summary %+v for %d finding lines, want 7 lines and at least 3 emails:\n%s", last, len(lines)-1, out)
			}
			var f struct {
				File       string
				Line       int
				Type       string
				Start, End int
			}
			if err := json.Unmarshal([]byte(lines[0]), &f); err != nil || f.File != dirty || f.Line != 2 || f.End <= f.Start {
				t.Errorf("first finding %+v (%v), want one on line 2 of %s", f, err, dirty)
			}
		})
	}
}

func TestScanOffsets(t *testing.T) {
	line := "from " + plantedEmail + " ok"
	_, out, _ := cli(t, "first\r\n"+line+"\r\n", "scan", "--json") // needs the email detector
	var f struct{ Line, Start, End int }
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &f); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if f.Line != 2 || line[f.Start:f.End] != plantedEmail {
		t.Errorf("finding %+v, want line 2, bytes %d-%d", f, 5, 5+len(plantedEmail))
	}
}

func TestLineReader(t *testing.T) {
	lr := newLineReader(strings.NewReader("short\n" + strings.Repeat("x", readBufSize*3) + "\nend"))
	lr.max = readBufSize * 2
	if l, err := lr.next(); err != nil || string(l) != "short\n" {
		t.Fatalf("first line %q, %v", l, err)
	}
	_, err := lr.next()
	if tl, ok := errors.AsType[*lineTooLongError](err); !ok || tl.line != 2 {
		t.Fatalf("long line: error %v, want a lineTooLongError for line 2", err)
	}

	// Lines just under, at and over the buffer size come back whole.
	for _, n := range []int{readBufSize - 1, readBufSize, readBufSize + 1, 3*readBufSize + 5} {
		in := strings.Repeat("y", n) + "\r\n" + strings.Repeat("z", n)
		lr := newLineReader(strings.NewReader(in))
		a, err := lr.next()
		if err != nil || len(a) != n+2 {
			t.Fatalf("n=%d: first line of %d bytes, %v", n, len(a), err)
		}
		b, err := lr.next()
		if err != nil || len(b) != n {
			t.Fatalf("n=%d: last line of %d bytes, %v", n, len(b), err)
		}
		if _, err := lr.next(); err == nil {
			t.Fatalf("n=%d: no EOF after the last line", n)
		}
	}
}

func TestRedactTooLongLine(t *testing.T) {
	var out bytes.Buffer
	lr := newLineReader(strings.NewReader("ok\n" + strings.Repeat("x", 4<<10) + "\nnot reached\n"))
	lr.max = 1 << 10
	same := func(dst []byte, fs redact.Findings, b []byte) ([]byte, redact.Findings) { return append(dst, b...), fs }
	err := redactLines(same, lr, &out)
	if err == nil || err.Error() != "line 2 is longer than 1024 bytes" {
		t.Errorf("error %v, want line 2 is longer than 1024 bytes", err)
	}
	if out.String() != "ok\n" {
		t.Errorf("output before the error %q, want %q", out.String(), "ok\n")
	}
}

func TestInterspersedFlags(t *testing.T) {
	dirty := writeFile(t, "dirty.log", "mail "+plantedEmail+"\n")
	_, out, errOut := cli(t, "", "scan", dirty, "--json", "--quiet")
	if !strings.HasPrefix(out, `{"summary":`) {
		t.Errorf("flags after the file were not parsed: stdout %q, stderr %q", out, errOut)
	}
	status, _, errOut := cli(t, "", "scan", "--", "--json")
	if status != exitUsage || !strings.Contains(errOut, "open --json") {
		t.Errorf("after --, --json is a file name: status %d, stderr %q", status, errOut)
	}
}

func TestFormatProgress(t *testing.T) {
	if got, want := formatProgress("a.log", 30<<20, 100<<20, time.Second), "a.log: 30.0 MiB / 100.0 MiB (30%)"; got != want {
		t.Errorf("file progress %q, want %q", got, want)
	}
	if got, want := formatProgress("stdin", 48<<20, -1, 2*time.Second), "stdin: 48.0 MiB, 24.0 MiB/s"; got != want {
		t.Errorf("pipe progress %q, want %q", got, want)
	}
}

// TestRedactLinesOrder sends many chunks through the parallel path and
// checks that every line comes back in place.
func TestRedactLinesOrder(t *testing.T) {
	var in strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&in, "line %d %s", i, strings.Repeat("z", i%300))
		if i%7 == 0 {
			in.WriteString("\r")
		}
		in.WriteString("\n")
	}
	in.WriteString("tail")
	var out bytes.Buffer
	upper := func(dst []byte, fs redact.Findings, b []byte) ([]byte, redact.Findings) {
		return append(dst, bytes.ToUpper(b)...), fs
	}
	if err := redactLines(upper, newLineReader(strings.NewReader(in.String())), &out); err != nil {
		t.Fatal(err)
	}
	// ToUpper leaves "\r" and "\n" alone, so the output is the upper-cased input.
	if want := strings.ToUpper(in.String()); out.String() != want {
		t.Errorf("output of %d bytes differs from the %d expected", out.Len(), len(want))
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n++; w.n > 2 {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

func TestRedactWriteError(t *testing.T) {
	in := strings.Repeat(strings.Repeat("x", 1000)+"\n", 2000) // about 30 chunks
	var errOut bytes.Buffer
	status := run([]string{"redact"}, strings.NewReader(in), &failingWriter{}, &errOut)
	if status != exitFail || errOut.String() != "compliance: redact: writing output: broken pipe\n" {
		t.Errorf("status %d, stderr %q; want 1 and the write error", status, errOut.String())
	}
}

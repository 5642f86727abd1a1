// Command demo runs an example function of this repository as Lambda does,
// in the Lambda Runtime Interface Emulator on 127.0.0.1, invokes it with each
// of its sample events in turn and prints, for each, the response and the
// log lines the function wrote.
//
//	go run ./internal/cmd/demo                  # examples/apigw, every event
//	go run ./internal/cmd/demo -example apigw -events post,panic,get
//
// The first run builds the emulator (about a minute); later runs use the
// cached binary.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/lambda-compliance/compliance/internal/lambdatest"
)

func main() {
	example := flag.String("example", "apigw", "the example to run: a folder of examples/ with an events/ folder")
	only := flag.String("events", "", "comma-separated sample events to send, in that order (default: all, by name)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *example, *only); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, example, only string) error {
	st := newStyle(w)
	root, err := lambdatest.ModuleRoot()
	if err != nil {
		return err
	}
	events, err := eventFiles(filepath.Join(root, "examples", example, "events"), only)
	if err != nil {
		return err
	}

	st.step("building the Lambda Runtime Interface Emulator (tools/go.mod; cached after the first run)")
	rie, err := lambdatest.BuildEmulator("")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "compliance-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	st.step("building examples/" + example + " as bootstrap (GOOS=linux CGO_ENABLED=0 -tags lambda.norpc)")
	bootstrap, err := lambdatest.BuildFunction(tmp, "./examples/"+example)
	if err != nil {
		return err
	}
	em, err := lambdatest.Start(ctx, lambdatest.Config{
		Bootstrap:    bootstrap,
		Emulator:     rie,
		FunctionName: example + "-demo",
		Region:       "eu-west-1",
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := em.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
		}
	}()
	st.step(fmt.Sprintf("emulator listening on %s (pid %d), function %q", em.Addr(), em.PID(), example+"-demo"))

	for i, path := range events {
		payload, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		st.header(fmt.Sprintf("%d/%d  %s", i+1, len(events), filepath.Base(path)), summary(payload))
		before := len(em.Output())
		start := time.Now()
		status, body, err := em.Invoke(ctx, payload)
		if err != nil {
			return err
		}
		took := time.Since(start).Round(time.Millisecond)
		printResponse(st, status, body, took)
		printLogs(st, em.Output()[before:])
	}
	fmt.Fprintln(w)
	st.step("stopping the emulator")
	return nil
}

// eventFiles lists the sample events of dir: all *.json by name, or those
// named in only.
func eventFiles(dir, only string) ([]string, error) {
	if only != "" {
		var files []string
		for name := range strings.SplitSeq(only, ",") {
			name = strings.TrimSuffix(strings.TrimSpace(name), ".json")
			path := filepath.Join(dir, name+".json")
			if _, err := os.Stat(path); err != nil {
				return nil, err
			}
			files = append(files, path)
		}
		return files, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no sample events in %s", dir)
	}
	slices.Sort(files)
	return files, nil
}

// summary is a one-line description of an event: "POST /customers" for an
// API Gateway request, else nothing.
func summary(payload []byte) string {
	var ev struct {
		HTTPMethod string `json:"httpMethod"`
		Path       string `json:"path"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return "not valid JSON: " + err.Error()
	}
	if ev.HTTPMethod == "" {
		return ""
	}
	return ev.HTTPMethod + " " + ev.Path
}

func printResponse(st *style, status int, body []byte, took time.Duration) {
	var resp map[string]any
	isErr := false
	if json.Unmarshal(body, &resp) == nil {
		_, isErr = resp["errorType"]
	}
	label := fmt.Sprintf("response  HTTP %d, %s", status, took)
	if isErr {
		label += fmt.Sprintf("  function error: %v", resp["errorType"])
	}
	st.section(label, isErr)
	st.block(pretty(body), "    ")
	// An API Gateway response carries its body as a JSON string: show it decoded.
	if s, ok := resp["body"].(string); ok && json.Valid([]byte(s)) {
		st.dim("    body, decoded:")
		st.block(pretty([]byte(s)), "      ")
	}
}

func printLogs(st *style, lines []string) {
	var logs, other []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "{") && json.Valid([]byte(l)):
			logs = append(logs, l)
		case strings.HasPrefix(l, "REPORT RequestId:"):
			other = append(other, strings.Join(strings.Fields(l), " "))
		case strings.HasPrefix(l, "START RequestId:"), strings.HasPrefix(l, "END RequestId:"), isEmulatorLog(l):
		default:
			other = append(other, l)
		}
	}
	st.section(fmt.Sprintf("function log lines  (%d)", len(logs)), false)
	for _, l := range logs {
		var stack string
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			stack, _ = m["stackTrace"].(string)
		}
		st.block(pretty([]byte(l)), "    ")
		if stack != "" {
			st.dim("    stackTrace, unescaped:")
			st.block(strings.TrimRight(stack, "\n"), "      ")
		}
	}
	for _, l := range other {
		st.dim("    " + l)
	}
}

// isEmulatorLog reports whether l is one of the emulator's own log lines,
// such as "28 Nov 2025 12:00:00,123 [INFO] (rapid) exec ...".
func isEmulatorLog(l string) bool {
	return strings.Contains(l, "] (rapid) ") || strings.Contains(l, "] (rie) ")
}

func pretty(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(b), "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// style prints with ANSI colours when w is a terminal and NO_COLOR is unset.
type style struct {
	w     io.Writer
	color bool
}

func newStyle(w io.Writer) *style {
	color := false
	if f, ok := w.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			color = true
		}
	}
	return &style{w: w, color: color}
}

func (s *style) paint(code, text string) string {
	if !s.color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s *style) step(msg string) { fmt.Fprintln(s.w, s.paint("36", "==> "+msg)) }

func (s *style) header(title, sub string) {
	line := "── " + title + " " + strings.Repeat("─", max(0, 60-len(title)))
	fmt.Fprintln(s.w)
	fmt.Fprintln(s.w, s.paint("1;35", line))
	if sub != "" {
		fmt.Fprintln(s.w, "   "+sub)
	}
}

func (s *style) section(title string, bad bool) {
	code := "1;32"
	if bad {
		code = "1;31"
	}
	fmt.Fprintln(s.w, "  "+s.paint(code, title))
}

func (s *style) block(text, indent string) {
	for l := range strings.SplitSeq(text, "\n") {
		fmt.Fprintln(s.w, indent+l)
	}
}

func (s *style) dim(text string) { fmt.Fprintln(s.w, s.paint("2", text)) }

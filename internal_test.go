package compliance

import (
	"bytes"
	"log"
	"strings"
	"testing"

	"github.com/lambda-compliance/compliance/redact"
)

// Start routes the standard logger through redactingWriter: aws-lambda-go
// logs every error a handler returns with log.Printf.
func TestRedactingWriter(t *testing.T) {
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := log.New(&redactingWriter{w: &buf, r: r}, "", 0)
	l.Printf(`{"errorMessage":"no account for jane.doe@example.com","errorType":"AccountError"}`)
	if got := buf.String(); strings.Contains(got, "jane.doe@example.com") || !strings.Contains(got, "AccountError") {
		t.Errorf("got %q", got)
	}
}

// Outside Wrap, a malformed environment must not turn redaction off.
func TestFallbackLoggerRedactsUnderABadEnvironment(t *testing.T) {
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "LOUD")
	if c := fallbackConfig(); c.redactor == nil {
		t.Fatal("the fallback logger has no redactor")
	}
}

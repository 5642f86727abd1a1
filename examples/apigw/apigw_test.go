package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/internal/lambdatest"
)

// TestEmulator runs the example as Lambda does, in the Runtime Interface
// Emulator, and sends it the sample events one at a time.
func TestEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function and the Lambda Runtime Interface Emulator; skipped with -short")
	}
	const functionName = "apigw-test"
	em := lambdatest.New(t, "./examples/apigw", lambdatest.Config{FunctionName: functionName, TimeoutSeconds: 10})

	customer := map[string]any{"id": "cus_86e0b9e56c17", "name": "Jane Doe", "email": "jane.doe@example.com"}
	created := map[string]any{"id": "cus_86e0b9e56c17", "name": "Jane Doe", "email": "jane.doe@example.com",
		"phone": "+44 20 7946 0958", "cardNumber": "**** 1111"}

	steps := []struct {
		event      string
		statusCode float64        // of the API Gateway response; 0 for a function error
		body       map[string]any // the API Gateway response body, decoded
		errorType  string         // of a function error
		errorMsg   string
	}{
		{event: "get", statusCode: 200, body: customer},
		{event: "post", statusCode: 201, body: created},
		{event: "invalid", errorType: "ValidationError", errorMsg: "apigw: invalid email: not an e-mail address"},
		// A payload that is not JSON never reaches the handler.
		{event: "malformed", errorType: "EventError", errorMsg: "middleware: payload is not valid JSON: "},
		{event: "panic", errorType: "PanicError", errorMsg: "middleware: panic: apigw: /panic called: this is what a bug looks like"},
		// The process survived the panic: same process, no cold start.
		{event: "get", statusCode: 200, body: customer},
	}

	seen := map[string]bool{} // request ids
	for i, step := range steps {
		payload, err := os.ReadFile(filepath.Join("events", step.event+".json"))
		if err != nil {
			t.Fatal(err)
		}
		before := len(em.Output())
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		status, body, err := em.Invoke(ctx, payload)
		cancel()
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, step.event, err)
		}
		if status != 200 {
			t.Fatalf("step %d (%s): HTTP status %d, want 200; body %s", i, step.event, status, body)
		}
		var resp map[string]any
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("step %d (%s): response %q: %v", i, step.event, body, err)
		}

		if step.errorType != "" {
			if resp["errorType"] != step.errorType || !strings.HasPrefix(fmt.Sprint(resp["errorMessage"]), step.errorMsg) {
				t.Errorf("step %d (%s): got %s, want errorType %q errorMessage %q", i, step.event, body, step.errorType, step.errorMsg)
			}
		} else {
			if resp["statusCode"] != step.statusCode {
				t.Errorf("step %d (%s): statusCode = %v, want %v (response %s)", i, step.event, resp["statusCode"], step.statusCode, body)
			}
			var got map[string]any
			s, _ := resp["body"].(string)
			if err := json.Unmarshal([]byte(s), &got); err != nil || !reflect.DeepEqual(got, step.body) {
				t.Errorf("step %d (%s): body = %s, want %v", i, step.event, s, step.body)
			}
		}

		logs := logLines(em.Output()[before:])
		if i == 0 {
			// At init, before the first invocation: the WARN line that says
			// the audit chain is self-signed (no signing key configured).
			if len(logs) == 0 || logs[0]["level"] != "WARN" || logs[0]["requestId"] != nil ||
				!strings.Contains(fmt.Sprint(logs[0]["message"]), "audit chain is uncertified") {
				t.Errorf("step 0: want the cold start WARN line about the uncertified audit chain first, got %v", logs)
			} else {
				logs = logs[1:]
			}
		}
		if len(logs) == 0 {
			t.Errorf("step %d (%s): the function wrote no log line; output:\n%s", i, step.event, strings.Join(em.Output()[before:], "\n"))
			continue
		}
		reqID, _ := logs[0]["requestId"].(string)
		if reqID == "" || seen[reqID] {
			t.Errorf("step %d (%s): requestId %q: want a new, non-empty one", i, step.event, reqID)
		}
		seen[reqID] = true
		for _, l := range logs {
			if l["requestId"] != reqID || l["functionName"] != functionName || l["coldStart"] != (i == 0) {
				t.Errorf("step %d (%s): log line %v: want requestId %q, functionName %q, coldStart %v", i, step.event, l, reqID, functionName, i == 0)
			}
			ts, _ := l["timestamp"].(string)
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("step %d (%s): log line %v: timestamp: %v", i, step.event, l, err)
			}
		}
		if step.errorType != "" {
			last := logs[len(logs)-1]
			if last["level"] != "ERROR" || last["errorType"] != step.errorType {
				t.Errorf("step %d (%s): last log line %v: want an ERROR line with errorType %q", i, step.event, last, step.errorType)
			}
		}
		for _, line := range em.Output()[before:] {
			for _, v := range planted {
				if strings.Contains(line, v) {
					t.Errorf("step %d (%s): %q in clear in the output: %s", i, step.event, v, line)
				}
			}
		}
		// Exactly one audit record per invocation (after the chain's
		// genesis record at the cold start), for this request, with the
		// invocation's outcome.
		var records []map[string]any
		for _, l := range lambdatest.JSONLines(em.Output()[before:]) {
			if l["class_uid"] == 6003.0 {
				records = append(records, l)
			} else if l["class_uid"] == 1008.0 && (i != 0 || l["activity_name"] != "Start") {
				t.Errorf("step %d (%s): unexpected chain record %v", i, step.event, l["type_name"])
			}
		}
		if len(records) != 1 {
			t.Errorf("step %d (%s): %d audit records, want exactly one", i, step.event, len(records))
		} else {
			rec := records[0]
			meta, _ := rec["metadata"].(map[string]any)
			outcome := "success"
			switch {
			case step.event == "panic":
				outcome = "panic"
			case step.errorType != "":
				outcome = "failure"
			}
			if meta["uid"] != reqID || rec["status_code"] != outcome || step.errorType != "" && rec["status_detail"] != step.errorType {
				t.Errorf("step %d (%s): audit record uid %v status_code %v status_detail %v, want %s %s %s",
					i, step.event, meta["uid"], rec["status_code"], rec["status_detail"], reqID, outcome, step.errorType)
			}
		}
		if step.event == "panic" {
			stack, _ := logs[len(logs)-1]["stackTrace"].(string)
			if !strings.Contains(stack, "main.handle") {
				t.Errorf("step %d (panic): stackTrace %q: want the handler's frame (main.handle)", i, stack)
			}
		}
	}

	// Lambda ends an execution environment with SIGTERM (Stop sends it to
	// the function first, as Lambda does): compliance.Start writes the
	// chain's close record, and the whole output verifies as one chain,
	// intact and terminated, a record for every invocation.
	if err := em.Stop(); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(context.Background(), strings.NewReader(strings.Join(em.Output(), "\n")), audit.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Chains) != 1 || !rep.Intact() || !rep.Chains[0].Terminated || rep.Chains[0].Records != len(steps)+2 {
		t.Errorf("after SIGTERM: %+v, want one intact chain of %d records (genesis, %d invocations, close), terminated", rep.Chains, len(steps)+2, len(steps))
	}
}

// planted is the personal data in the sample events: none of it may reach
// the logs in clear.
var planted = []string{"Jane Doe", "jane.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "4111111111111111",
	"John Roe", "+44 20 7946 0959"}

// logLines returns the function's log lines among lines: the JSON objects
// with a level and a message.
func logLines(lines []string) []map[string]any {
	var logs []map[string]any
	for _, l := range lambdatest.JSONLines(lines) {
		if _, ok := l["level"]; !ok {
			continue
		}
		if _, ok := l["message"]; ok {
			logs = append(logs, l)
		}
	}
	return logs
}

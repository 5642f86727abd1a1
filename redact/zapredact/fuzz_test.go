package zapredact_test

import (
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// FuzzCore logs arbitrary keys and values: the line written stays one
// valid JSON object, and the core does not panic.
func FuzzCore(f *testing.F) {
	f.Add("user", email, "note", "call me")
	f.Add("password", password, "", "")
	f.Add("name", "DB_PASSWORD", "value", `{"card":"`+card+`"}`)
	f.Add("a\"b", "\xff\x00", "ns", "x\ny")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		log, buf := newLogger(t)
		log.Info(v1, zap.String(k1, v1), zap.Namespace(k2), zap.String(k2, v2), zap.Int(k1, len(v2)), zap.Any(k2, map[string]string{k1: v2}))
		line := strings.TrimSpace(buf.String())
		if !json.Valid([]byte(line)) {
			t.Fatalf("written line is not valid JSON: %s", line)
		}
	})
}

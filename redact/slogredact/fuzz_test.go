package slogredact_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// FuzzHandler logs arbitrary keys and values: the line written stays one
// valid JSON object, and the handler does not panic.
func FuzzHandler(f *testing.F) {
	f.Add("user", email, "note", "call me")
	f.Add("password", password, "", "")
	f.Add("name", "DB_PASSWORD", "value", `{"card":"`+card+`"}`)
	f.Add("a\"b", "\xff\x00", "g", "x\ny")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		log, buf := newLogger(t)
		log.WithGroup(k2).Info(v1, slog.String(k1, v1), slog.Group(k2, slog.String(k2, v2), slog.Int(k1, len(v2))),
			slog.Any(k2, map[string]string{k1: v2}))
		line := strings.TrimSpace(buf.String())
		if !json.Valid([]byte(line)) {
			t.Fatalf("written line is not valid JSON: %s", line)
		}
	})
}

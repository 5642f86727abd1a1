package redact

import "testing"

func TestPlainValue(t *testing.T) {
	for s, want := range map[string]bool{
		"7ed033ad-c601-402b-8edc-ddef5ce049f5": true,
		"2025-05-16":                           true,
		"2025-05-16T21:13:35Z":                 true,
		"2025-05-16T21:13:35.123456789Z":       true,
		"2025-05-16 21:13:35,123":              true,
		"2025-05-16T21:13:35+07:00":            true,
		"2025-05-16T21:13:35-0700":             true,
		"2025-05-16T21:13":                     true,
		"2025-05-16 call 4155550100":           false,
		"2025-05-16T21:13:35Z jane@x.io":       false,
		"2025-05-16T21:13:35+07:0":             false,
		"7ed033ad-c601-402b-8edc-ddef5ce049fx": false,
		"123-45-6789":                          false,
		"":                                     false,
		"2025-05-1":                            false,
	} {
		if got := plainValue([]byte(s)); got != want {
			t.Errorf("plainValue(%q) = %v, want %v", s, got, want)
		}
	}
}

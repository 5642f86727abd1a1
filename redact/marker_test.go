package redact

import "testing"

func TestMarkers(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int // markerEnd(s, 0)
	}{
		{"[REDACTED:email]", 16},
		{"[REDACTED:email] and more", 16},
		{"[email:9f2c3a1b7e6d5c4b]", 24},
		{"[order-id.v2:9f2c3a1b7e6d5c4b]x", 30},
		{"[REDACTED:]", 0},
		{"[REDACTED:e mail]", 0},
		{"[email:9f2c3a1b7e6d5c4]", 0},   // 15 hex digits
		{"[email:9f2c3a1b7e6d5c4b0]", 0}, // 17
		{"[email:9F2C3A1B7E6D5C4B]", 0},  // upper case: not ours
		{"[1,2,3]", 0},
		{"[", 0},
	} {
		if got := markerEnd([]byte(tt.s), 0); got != tt.want {
			t.Errorf("markerEnd(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
	for s, want := range map[string]bool{
		`:[REDACTED:secret]"`: true, "[secret:0123456789abcdef]": true, "[REDACTED:secret]x": false, "x": false,
	} {
		if got := isMarker([]byte(s)); got != want {
			t.Errorf("isMarker(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{
		"card [REDACTED:credit_card] ok": true, "[x] [phone:0123456789abcdef]": true, "[x] [y]": false,
	} {
		if got := containsMarker([]byte(s)); got != want {
			t.Errorf("containsMarker(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]int{
		"************1111":     16,
		"****-******-6604":     16,
		"*****0.0.1.0 x":       6, // the kept digits are one group
		"+* (***) ***-0123":    0, // from the first star: no digit follows its run
		"***-0123":             8,
		"****12345":            8,
		"** bold":              0,
		"*4111 1111 1111 1111": 0, // a star before a number is no mask
		"**12":                 0,
		"*":                    0,
		"**** 1234 5678 9":     9,
	} {
		if got := partialEnd([]byte(s), 0); got != want {
			t.Errorf("partialEnd(%q) = %d, want %d", s, got, want)
		}
	}
	for name, want := range map[string]bool{"order_id": true, "order-id.v2": true, "order id": false, "": false, "é": false} {
		if got := validTypeName(name); got != want {
			t.Errorf("validTypeName(%q) = %v", name, got)
		}
	}
}

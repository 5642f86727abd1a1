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

// TestAppend checks that Append appends what Bytes returns after what dst
// holds, and the findings after those fs holds, and that with room in both
// it allocates nothing.
func TestAppend(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ins := []string{
		`nothing to see here`,
		`mail jane.doe@example.com now`,
		`{"user":{"email":"jane.doe@example.com","id":"42"},"body":"{\"phone\":\"+14155550123\"}"}`,
		`{"clean":true,"n":[1,2,3]}`,
		`{"broken": "jane.doe@example.com"`,
	}
	earlier := Finding{Type: "earlier"}
	for _, in := range ins {
		want, wantFs := r.Bytes([]byte(in))
		got, fs := r.Append([]byte("prefix|"), Findings{earlier}, []byte(in))
		if string(got) != "prefix|"+string(want) || len(fs) != 1+len(wantFs) || fs[0] != earlier {
			t.Errorf("Append(%q) = %q %v, want %q %v after what was there", in, got, fs, "prefix|"+string(want), wantFs)
		}
		for i, f := range wantFs {
			if fs[1+i] != f {
				t.Errorf("Append(%q): finding %d is %v, want %v", in, i, fs[1+i], f)
			}
		}
		if raceEnabled {
			continue // allocation counts mean nothing under the race detector
		}
		b, buf, fbuf := []byte(in), make([]byte, 0, 4*len(in)+64), make(Findings, 0, 16)
		if allocs := testing.AllocsPerRun(20, func() { buf, fbuf = r.Append(buf[:0], fbuf[:0], b) }); allocs != 0 {
			t.Errorf("Append(%q) with room: %v allocations, want 0", in, allocs)
		}
	}
}

package redact_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/lambda-compliance/compliance/redact"
)

// orderIDs is a custom detector used to test the engine apart from the
// built-in detectors.
var orderIDs = redact.Custom{Type: "order_id", Pattern: `ORD-[0-9]{6}`}

func only(t *testing.T, c redact.Config) *redact.Redactor {
	t.Helper()
	c.Custom = append(c.Custom, orderIDs)
	r, err := redact.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOperators(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	tests := []struct {
		op   redact.Operator
		in   string
		want *regexp.Regexp
	}{
		{redact.Mask, "order ORD-123456 shipped", regexp.MustCompile(`^order \[REDACTED:order_id\] shipped$`)},
		{redact.Remove, "order ORD-123456 shipped", regexp.MustCompile(`^order  shipped$`)},
		{redact.HMAC, "order ORD-123456 shipped", regexp.MustCompile(`^order \[order_id:[0-9a-f]{16}\] shipped$`)},
		{redact.Partial, "order ORD-123456 shipped", regexp.MustCompile(`^order \[REDACTED:order_id\] shipped$`)}, // partial only for cards and phones
	}
	for _, tt := range tests {
		t.Run(string(tt.op), func(t *testing.T) {
			r := only(t, redact.Config{Operators: map[string]redact.Operator{"order_id": tt.op}, HMACKey: key})
			got, fs := r.String(tt.in)
			if !tt.want.MatchString(got) {
				t.Errorf("got %q, want %v", got, tt.want)
			}
			if len(fs) != 1 || fs[0] != (redact.Finding{Type: "order_id", Start: 6, End: 16}) {
				t.Errorf("findings %v, want one order_id at [6,16)", fs)
			}
		})
	}
}

func TestHMACIsStableAndKeyed(t *testing.T) {
	ops := map[string]redact.Operator{"*": redact.HMAC}
	a := only(t, redact.Config{Operators: ops, HMACKey: []byte(strings.Repeat("a", 32))})
	b := only(t, redact.Config{Operators: ops, HMACKey: []byte(strings.Repeat("b", 32))})
	x1, _ := a.String("ORD-111111")
	x2, _ := a.String("ORD-111111")
	y, _ := a.String("ORD-222222")
	z, _ := b.String("ORD-111111")
	if x1 != x2 {
		t.Errorf("same value, same key: %q != %q", x1, x2)
	}
	if x1 == y || x1 == z {
		t.Errorf("tokens collide across values or keys: %q %q %q", x1, y, z)
	}
}

func TestAllowList(t *testing.T) {
	r := only(t, redact.Config{Allow: []string{"ORD-000000"}})
	got, fs := r.String("ORD-000000 and ORD-123456")
	if got != "ORD-000000 and [REDACTED:order_id]" || len(fs) != 1 {
		t.Errorf("got %q %v", got, fs)
	}
}

func TestCleanInputIsReturnedAsIs(t *testing.T) {
	r := only(t, redact.Config{})
	in := []byte("nothing to see here")
	out, fs := r.Bytes(in)
	if &out[0] != &in[0] || fs != nil {
		t.Errorf("clean input was copied or reported findings: %q %v", out, fs)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		c     redact.Config
		field string
	}{
		{"unknown detector", redact.Config{Disable: []string{"emial"}}, "Disable"},
		{"unknown pack", redact.Config{Enable: []string{"mars"}}, "Enable"},
		{"unknown operator", redact.Config{Operators: map[string]redact.Operator{"email": "shred"}}, "Operators"},
		{"unknown type", redact.Config{Operators: map[string]redact.Operator{"emial": redact.Mask}}, "Operators"},
		{"hmac without key", redact.Config{Operators: map[string]redact.Operator{"*": redact.HMAC}}, "HMACKey"},
		{"short hmac key", redact.Config{Operators: map[string]redact.Operator{"*": redact.HMAC}, HMACKey: []byte("short")}, "HMACKey"},
		{"bad pattern", redact.Config{Custom: []redact.Custom{{Type: "x", Pattern: "("}}}, "Custom"},
		{"custom type with a space", redact.Config{Custom: []redact.Custom{{Type: "order id", Pattern: "x"}}}, "Custom"},
		{"empty custom type", redact.Config{Custom: []redact.Custom{{Pattern: "x"}}}, "Custom"},
		{"custom type named as a built-in", redact.Config{Custom: []redact.Custom{{Type: "email", Pattern: "x"}}}, "Custom"},
		{"custom type twice", redact.Config{Custom: []redact.Custom{{Type: "a", Pattern: "x"}, {Type: "a", Pattern: "y"}}}, "Custom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redact.New(tt.c)
			var ce *redact.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("got %v, want a *ConfigError on %s", err, tt.field)
			}
			if tt.c.HMACKey != nil && strings.Contains(err.Error(), string(tt.c.HMACKey)) {
				t.Errorf("the error quotes the key: %v", err)
			}
		})
	}
}

func TestFindingsCounts(t *testing.T) {
	_, fs := only(t, redact.Config{}).String("ORD-111111 ORD-222222")
	if got := fs.Counts()["order_id"]; got != 2 {
		t.Errorf("Counts()[order_id] = %d, want 2", got)
	}
}

// TestSecondLookSeesTheOutput checks that what the engine looks for behind
// a value is what redacting its output again would find: a phone keyword
// before a redacted phone does not reach past its marker to a timestamp,
// whatever the operator, and redacting twice changes nothing.
func TestSecondLookSeesTheOutput(t *testing.T) {
	const in = `phone: +18326282221, created 1740774576`
	for _, op := range []redact.Operator{redact.Mask, redact.Partial, redact.HMAC} {
		r, err := redact.New(redact.Config{Operators: map[string]redact.Operator{"*": op}, HMACKey: []byte(strings.Repeat("k", 32))})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := r.String(in)
		if strings.Contains(out, "8326282221") || !strings.HasSuffix(out, "created 1740774576") {
			t.Errorf("%s: %q", op, out)
		}
		if again, _ := r.String(out); again != out {
			t.Errorf("%s: redacting %q again gives %q", op, out, again)
		}
	}
}

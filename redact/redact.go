// Package redact finds personal data and secrets in text and JSON and
// replaces them before they leave the function: in log lines, span
// attributes and audit records.
//
// A [Redactor] is built once from a [Config] and is safe for concurrent use.
// Detectors are validator-backed (Luhn for cards, mod-97 for IBANs, the SSN
// rules, real top-level domains for e-mail, net/netip for addresses), so ids
// that merely look like data (order numbers, UUIDs, trace ids, sequence
// numbers) come through unchanged. Values under sensitive keys (password,
// token, secret, ...) go whatever their type. JSON documents are walked with
// their structure: JSON carried inside strings, URL encoding, \u escapes and
// base64 bodies are seen through, and what is redacted inside a layer is
// re-encoded so the document stays valid.
//
// [Findings] say what was found and where (type and byte offsets), never the
// value. The package depends on the standard library only.
package redact

import (
	"fmt"
	"slices"
)

// Operator says what becomes of a value once found.
type Operator string

// The operators.
const (
	// Mask replaces the value with a typed marker: [REDACTED:email].
	Mask Operator = "mask"
	// Partial keeps the last four digits of a card or phone number and masks
	// the rest, keeping the separators; other types are masked.
	Partial Operator = "partial"
	// HMAC replaces the value with a keyed, stable token, [email:9f2c3a1b7e6d5c4b],
	// so that the same value can be correlated across lines without being
	// exposed. It needs Config.HMACKey.
	HMAC Operator = "hmac"
	// Remove deletes the value (an empty string; null where a JSON value
	// that is not a string goes).
	Remove Operator = "remove"
)

// Config says what a [Redactor] looks for and what it does with what it
// finds. The zero Config is the safe default: every default detector on,
// sensitive keys redacted, everything masked. Its JSON form is what the
// compliance CLI reads with --config.
type Config struct {
	// Disable turns default detectors off, by type name ("ip_address").
	Disable []string `json:"disable,omitempty"`
	// Enable turns on detectors that are off by default, and opt-in packs
	// ("us", "uk", "ca", "eu"), by name.
	Enable []string `json:"enable,omitempty"`
	// SensitiveKeys are key names, beyond the built-in ones, whose values
	// are redacted whatever they hold. Matching ignores case and the
	// separators - _ . and space.
	SensitiveKeys []string `json:"sensitiveKeys,omitempty"`
	// Allow lists exact values that are never redacted (a test card, a
	// support address).
	Allow []string `json:"allow,omitempty"`
	// Operators maps a type name to its operator; the key "*" sets the
	// default. Unset types are masked.
	Operators map[string]Operator `json:"operators,omitempty"`
	// KeepPrivateIPs keeps loopback, private and link-local addresses.
	KeepPrivateIPs bool `json:"keepPrivateIPs,omitempty"`
	// HMACKey keys the HMAC operator. Required when any type uses it; at
	// least 32 bytes. Never written to JSON.
	HMACKey []byte `json:"-"`
	// Custom adds detectors of the caller's own.
	Custom []Custom `json:"-"`
}

// Custom is a detector of the caller's own: every match of Pattern that
// Validate accepts (or every match, if Validate is nil) is a finding of
// type Type.
type Custom struct {
	Type     string
	Pattern  string            // a regexp (RE2 syntax)
	Validate func([]byte) bool // optional
}

// Finding is one value found: its type and where it was in the input, as
// byte offsets [Start, End). Where the value was inside a layer (JSON in a
// string, URL or base64 encoding), the offsets are those of the enclosing
// span of the input. A Finding never carries the value.
type Finding struct {
	Type  string
	Start int
	End   int
}

// Findings lists what one call found, in input order.
type Findings []Finding

// Counts returns how many findings there are of each type.
func (fs Findings) Counts() map[string]int {
	m := make(map[string]int, len(fs))
	for _, f := range fs {
		m[f.Type]++
	}
	return m
}

// ConfigError reports a Config that cannot be used.
type ConfigError struct {
	Field  string // the Config field at fault
	Reason string
}

// Error names the field and the problem.
func (e *ConfigError) Error() string { return "redact: config " + e.Field + ": " + e.Reason }

func (c *Config) validate() error {
	known := func(name string) bool { _, ok := typeByName[name]; return ok || packs[name] != nil }
	for _, n := range c.Disable {
		if !known(n) {
			return &ConfigError{Field: "Disable", Reason: fmt.Sprintf("unknown detector %q", n)}
		}
	}
	for _, n := range c.Enable {
		if !known(n) {
			return &ConfigError{Field: "Enable", Reason: fmt.Sprintf("unknown detector or pack %q", n)}
		}
	}
	for i, cu := range c.Custom {
		switch {
		case !validTypeName(cu.Type):
			return &ConfigError{Field: "Custom", Reason: fmt.Sprintf("type %q: want 1 to %d ASCII letters, digits, '_', '-' or '.'", cu.Type, maxTypeName)}
		case typeByName[cu.Type] != 0 || packs[cu.Type] != nil:
			return &ConfigError{Field: "Custom", Reason: fmt.Sprintf("type %q is built in", cu.Type)}
		case slices.ContainsFunc(c.Custom[:i], func(o Custom) bool { return o.Type == cu.Type }):
			return &ConfigError{Field: "Custom", Reason: fmt.Sprintf("type %q is defined twice", cu.Type)}
		}
	}
	usesHMAC := false
	for t, op := range c.Operators {
		if _, ok := typeByName[t]; !ok && t != "*" && !slices.ContainsFunc(c.Custom, func(cu Custom) bool { return cu.Type == t }) {
			return &ConfigError{Field: "Operators", Reason: fmt.Sprintf("unknown type %q", t)}
		}
		switch op {
		case Mask, Partial, Remove:
		case HMAC:
			usesHMAC = true
		default:
			return &ConfigError{Field: "Operators", Reason: fmt.Sprintf("unknown operator %q for %q (want mask, partial, hmac or remove)", op, t)}
		}
	}
	if usesHMAC && len(c.HMACKey) < 32 {
		return &ConfigError{Field: "HMACKey", Reason: "the hmac operator needs a key of at least 32 bytes"}
	}
	return nil
}

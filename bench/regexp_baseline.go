package bench

import "regexp"

// regexpRule is one detector of the regexp baseline: every match of re is
// replaced by repl (expanded, so a rule can keep a group such as a key).
type regexpRule struct {
	typ     string
	pattern string
	repl    string // empty: the typed marker [REDACTED:typ]
	re      *regexp.Regexp
	replB   []byte
}

// regexpRules is the detector list of redact's defaults written the plain
// way, one Go regexp per type with no validator, no context and no decoding
// of layers: what a team writes when it redacts logs with regexp. The
// sensitive-key rules keep the key and replace the value.
var regexpRules = []*regexpRule{
	{typ: "private_key", pattern: `-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`},
	{typ: "jwt", pattern: `\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`},
	{typ: "authorization", pattern: `(?i)\bbearer\s+[A-Za-z0-9._~+/-]+=*`},
	{typ: "secret", pattern: `(?i)("[A-Za-z0-9_.-]*(?:password|passwd|pwd|passcode|secret|token|api[_-]?key|authorization|cookie|pin|cvv|cvc|ssn)[A-Za-z0-9_.-]*"\s*:\s*)"(?:[^"\\]|\\.)*"`,
		repl: `${1}"[REDACTED:secret]"`},
	{typ: "secret", pattern: `(?i)\b((?:password|passwd|pwd|secret|token|api_?key)[A-Za-z0-9_]*=)[^\s&"]+`,
		repl: `${1}[REDACTED:secret]`},
	{typ: "aws_access_key_id", pattern: `\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`},
	{typ: "email", pattern: `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`},
	{typ: "iban", pattern: `\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`},
	{typ: "credit_card", pattern: `\b(?:\d[ -]?){12,18}\d\b`},
	{typ: "us_ssn", pattern: `\b\d{3}-\d{2}-\d{4}\b`},
	{typ: "phone", pattern: `\+[1-9]\d{7,14}\b`},
	{typ: "ip_address", pattern: `\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b`},
	{typ: "ip_address", pattern: `\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b|\b(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}\b`},
}

func init() {
	for _, r := range regexpRules {
		r.re = regexp.MustCompile(r.pattern)
		if r.repl == "" {
			r.repl = "[REDACTED:" + r.typ + "]"
		}
		r.replB = []byte(r.repl)
	}
}

// regexpRedact is the regexp baseline: each rule in turn, ReplaceAll where
// it matches. It returns b itself when no rule matches.
func regexpRedact(b []byte) []byte {
	for _, r := range regexpRules {
		if r.re.Match(b) {
			b = r.re.ReplaceAll(b, r.replB)
		}
	}
	return b
}

// valuePatterns returns the patterns of the rules that match a value alone
// (not the key rules, which need a group kept), for configurations that
// mask every match, such as the redactionprocessor's blocked_values.
func valuePatterns() []string {
	var ps []string
	for _, r := range regexpRules {
		if r.typ != "secret" {
			ps = append(ps, r.pattern)
		}
	}
	return ps
}

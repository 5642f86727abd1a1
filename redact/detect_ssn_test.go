package redact

import "testing"

func TestFindSSNs(t *testing.T) {
	runDetect(t, findSSNs, TypeSSN, []detectCase{
		{in: `"ssn":"436-98-5169"`, want: []string{"436-98-5169"}},
		{in: "panic: invalid ssn 789-81-2117 for applicant", want: []string{"789-81-2117"}},
		{in: "kyc/269-14-1321/contract.pdf", want: []string{"269-14-1321"}},
		{in: `\"socialSecurityNumber\":\"292 19 7735\"`, want: []string{"292 19 7735"}},
		{in: `"ssn":{"S":"281023921"}`, want: []string{"281023921"}},
		{in: "my social security number is 718029227", want: []string{"718029227"}},
		{in: `"SSN":"718029227","x":{"a":"b","c":"d","e":"f","g":"h","i":"j","k":"l"},"originalValue":"718029227"`,
			want: []string{"718029227", "718029227"}},
		{in: "718029227", key: keySSN, want: []string{"718029227"}},
		// invalid numbers and near misses
		{in: "ssn 000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000", want: nil},
		{in: "id 123 45 6789 and 123456789 without a keyword", want: nil},
		{in: "mixed 123-45 6789", want: nil},
		{in: "phone 555-123-45-6789 and 1123-45-6789", want: nil},
		{in: "date 2024-12-3456", want: nil},
		{in: "classname 123456789", want: nil},
	})
}

package redact

import "testing"

func TestFindPhones(t *testing.T) {
	runDetect(t, findPhones, TypePhone, []detectCase{
		{in: `"phone_number":"+14155552671"`, want: []string{"+14155552671"}},
		{in: "Phone:+33722275748}", want: []string{"+33722275748"}},
		{in: "call +44 20 7946 0958 now", want: []string{"+44 20 7946 0958"}},
		{in: "ring +1 (415) 555-2671.", want: []string{"+1 (415) 555-2671"}},
		{in: "de +49 151 23456789", want: []string{"+49 151 23456789"}},
		{in: "phone=%2B918594164469&limit=2", want: []string{"%2B918594164469"}},
		{in: "receipts/%2B16462312530/2024-11", want: []string{"%2B16462312530"}},
		{in: "Please call me back at 1-619-920-9537.", want: []string{"1-619-920-9537"}},
		{in: `\"message\": \"Text me at 786.991.7394 when\"`, want: []string{"786.991.7394"}},
		{in: `"mobilePhone": "(512) 885-1246"`, want: []string{"(512) 885-1246"}},
		{in: "my phone number is 07999 712392, thanks", want: []string{"07999 712392"}},
		{in: `\"phone\": \"0456 118 793\"`, want: []string{"0456 118 793"}},
		{in: "3034697579", key: keyPhone, want: []string{"3034697579"}},
		// hard negatives and near misses
		{in: `"SentTimestamp":"1746055059075","SenderId":"311533458384"`, want: nil},
		{in: "order 440148504140508133 seq 18849496460467696128", want: nil},
		{in: "2024-11-05T10:00:00+0000 and +05:30", want: nil},
		{in: "base64 N8+fyHQHv+14155552671x and 1.5e+10", want: nil},
		{in: "+1 055 555 2671 bad area code", want: nil},
		{in: "call 4155552671 without a keyword", want: nil},
		{in: "cancelled 4155552671", want: nil},
		{in: `"phone":"+1...","updatedAt":1736387834`, want: nil},
	})
}

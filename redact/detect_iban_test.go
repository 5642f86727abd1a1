package redact

import "testing"

func TestFindIBANs(t *testing.T) {
	runDetect(t, findIBANs, TypeIBAN, []detectCase{
		{in: `"iban":"DE89370400440532013000"`, want: []string{"DE89370400440532013000"}},
		{in: "iban GB82 WEST 1234 5698 7654 32.", want: []string{"GB82 WEST 1234 5698 7654 32"}},
		{in: `\"iban\":\"NL91ABNA0417164300\"`, want: []string{"NL91ABNA0417164300"}},
		{in: "FR1420041010050500013M02606 and BE68539007547034", want: []string{"FR1420041010050500013M02606", "BE68539007547034"}},
		// bad check digits, bad lengths, inside words
		{in: "DE89370400440532013001 DE8937040044053201300 XDE89370400440532013000", want: nil},
		{in: "GB82 WEST 1234 5698 7654 3", want: nil},
		{in: "ZZ89370400440532013000", want: nil},
	})
}

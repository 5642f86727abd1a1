package redact

import "testing"

func TestFindAWSAccessKeyIDs(t *testing.T) {
	runDetect(t, findAWSAccessKeyIDs, TypeAWSAccessKeyID, []detectCase{
		{in: `"AccessKeyID":"ASIANCIHYVZHBW2W4JKY"`, want: []string{"ASIANCIHYVZHBW2W4JKY"}},
		{in: "X-Amz-Credential=AKIAEWPARKFK62TIADIO%2F20250617", want: []string{"AKIAEWPARKFK62TIADIO"}},
		{in: `\\\"old_access_key_id\\\":\\\"AKIAGM7FA2BRBH2SVBM4\\\"`, want: []string{"AKIAGM7FA2BRBH2SVBM4"}},
		// the documentation key, wrong alphabet, inside a longer token
		{in: "AKIAIOSFODNN7EXAMPLE and AKIAABCDEFGHIEXAMPLE", want: nil},
		{in: "AKIA0123456789ABCDEF AKIAABCDEFGHIJKLMNO1 XAKIAABCDEFGHIJKLMNOP AKIAABCDEFGHIJKLMNOPQ", want: nil},
	})
}

func TestFindAWSSecretKeys(t *testing.T) {
	const k = "Jo7st+pXiGWZzdVA0avfAzpEzVFOI3R5CW5nAmhG"
	runDetect(t, findAWSSecretKeys, TypeAWSSecretAccessKey, []detectCase{
		{in: `"secretAccessKey":"` + k + `"`, want: []string{k}},
		{in: "AWS_SECRET_ACCESS_KEY=" + k + " AWS_SESSION_TOKEN=x", want: []string{k}},
		{in: "SecretAccessKey:" + k, want: []string{k}},
		{in: `\"aws_secret_access_key\": \"` + k + `\"`, want: []string{k}},
		{in: "secret key " + k, want: []string{k}},
		{in: `"SecretAccessKey":{"S":"` + k + `"}`, want: []string{k}},
		// no name, hex, too long, not random
		{in: `"other":"` + k + `"`, want: nil},
		{in: `"secretAccessKey":"3f786850e387550fdab836ed7e6dc881de23001b"`, want: nil},
		{in: `"secretAccessKey":"` + k + `A"`, want: nil},
		{in: `"secretAccessKey":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`, want: nil},
	})
}

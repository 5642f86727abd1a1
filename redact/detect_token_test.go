package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestFindJWTs(t *testing.T) {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	noAlg := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT"}`))
	jwt := h + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	runDetect(t, findJWTs, TypeJWT, []detectCase{
		{in: "Authorization: Bearer " + jwt, want: []string{jwt}},
		{in: `"token":"` + jwt + `"`, want: []string{jwt}},
		{in: "access_token=" + jwt + "; Path=/", want: []string{jwt}},
		{in: `\"id_token\":\"` + jwt + `\"`, want: []string{jwt}},
		{in: noAlg + ".eyJzdWIiOiIxIn0.sig", want: nil},
		{in: h + ".only-two-parts", want: nil},
		{in: "keyJhbGci.abc.def", want: nil},
	})
}

func TestFindAuthorization(t *testing.T) {
	runDetect(t, findAuthorization, TypeAuthorization, []detectCase{
		{in: `"authorization":"Bearer 72b33c47db5585b4a22f905fb0f3ff81"`, want: []string{"72b33c47db5585b4a22f905fb0f3ff81"}},
		{in: `\"Authorization\":\"Bearer at_150CUIyFGLnmtTi1iiBMV\"`, want: []string{"at_150CUIyFGLnmtTi1iiBMV"}},
		{in: "Authorization: Basic dXNlcjpwYXNzd29yZA==", want: []string{"dXNlcjpwYXNzd29yZA=="}},
		{in: "postgres://app:s3cr3t@db.internal:5432/orders", want: []string{"app:s3cr3t"}},
		{in: "https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAX%2F20250617%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=IQoJb3JpZ2lu&X-Amz-Signature=abc123def",
			want: []string{"ASIAX%2F20250617%2Fus-east-1%2Fs3%2Faws4_request", "IQoJb3JpZ2lu", "abc123def"}},
		// near misses
		{in: "the bearer of bad news; basic auth is off", want: nil},
		{in: "bearer instruments and basic authentication", want: nil},
		{in: "https://example.com/path and mailto:a@b.com and https://user@host.com/", want: nil},
	})
}

func TestFindVendorTokens(t *testing.T) {
	gh := "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"
	runDetect(t, findVendorTokens, TypeVendorToken, []detectCase{
		{in: "token " + gh + " used", want: []string{gh}},
		{in: `"Bearer gho_LjIl9hyhxdhbRzTC8Rqpc3Lx3yA6yeRBWbM6"`, want: []string{"gho_LjIl9hyhxdhbRzTC8Rqpc3Lx3yA6yeRBWbM6"}},
		{in: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", want: []string{"github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"}},
		{in: `"slack":"xoxb-912646253281-7825787115127-2H7hpp1jw3r043IkeSZK8RhJ"`, want: []string{"xoxb-912646253281-7825787115127-2H7hpp1jw3r043IkeSZK8RhJ"}},
		{in: "key=sk_live_4eC39HqLyjWDarjtT1zdp7dc", want: []string{"sk_live_4eC39HqLyjWDarjtT1zdp7dc"}},
		{in: "k=AIzaSyA-1234567890abcdefghijklmnopqrstu", want: []string{"AIzaSyA-1234567890abcdefghijklmnopqrstu"}},
		{in: "ya29.a0AfH6SMBx1234567890abcdefghij.", want: []string{"ya29.a0AfH6SMBx1234567890abcdefghij"}},
		{in: "ghp_short sk_test_4eC39HqLyjWDarjtT1zdp7dc xoxz-123 my_ghp_abcdefghijklmnopqrstuvwxyz0123456789", want: nil},
	})
}

func TestFindPrivateKeys(t *testing.T) {
	pemJSON := `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0ulMR3wLzxHu\nguJGccNo8RJCE6BxhY==\n-----END RSA PRIVATE KEY-----`
	pemRaw := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
	runDetect(t, findPrivateKeys, TypePrivateKey, []detectCase{
		{in: `{"private_key":"` + pemJSON + `\n","x":1}`, want: []string{pemJSON}},
		{in: "key:\n" + pemRaw + "\n", want: []string{pemRaw}},
		{in: `"k":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIM8Mgbhw7Vm2\n"`, want: []string{`-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIM8Mgbhw7Vm2`}},
		{in: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", want: nil},
		{in: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", want: nil},
	})
}

func TestIndexAnchored(t *testing.T) {
	for _, s := range []string{"", "B", "BEGIN", "BEGIN ", "xBEGIN ", "GGGBEGIN BEGIN ", "BEGI BEGIN", "-----BEGIN RSA", "BEGINBEGIN "} {
		for a := range len("BEGIN ") {
			if got, want := indexAnchored([]byte(s), "BEGIN ", a), strings.Index(s, "BEGIN "); got != want {
				t.Errorf("indexAnchored(%q, a=%d) = %d, want %d", s, a, got, want)
			}
		}
	}
}

package redact

import "testing"

func TestClassifyKey(t *testing.T) {
	tests := []struct {
		key  string
		want keyClass
	}{
		// The sensitive-key rule.
		{"password", keySecret},
		{"Password", keySecret},
		{"db_password", keySecret},
		{"passwd", keySecret},
		{"pwd", keySecret},
		{"passcode", keySecret},
		{"client_secret", keySecret},
		{"webhookSecret", keySecret},
		{"SecretAccessKey", keySecret},
		{"token", keySecret},
		{"id_token", keySecret},
		{"refreshToken", keySecret},
		{"X-Amz-Security-Token", keySecret},
		{"revoked_tokens", keySecret},
		{"revokedTokens", keySecret},
		{"apiKey", keySecret},
		{"api_key", keySecret},
		{"x-api-key", keySecret},
		{"STRIPE_API_KEY", keySecret},
		{"pin", keySecret},
		{"securityPin", keySecret},
		{"security_pin", keySecret},
		{"cvv", keySecret},
		{"cvc", keySecret},
		{"password_hash", keySecret},
		{"Authorization", keySecret},
		{"cookie", keySecret},
		{"Set-Cookie", keySecret},
		{"usageIdentifierKey", keySecret},
		// Metadata: a word after the sensitive one.
		{"apiKeyId", keyNone},
		{"SecretId", keyNone},
		{"secretid", keyNone},
		{"token_type", keyNone},
		{"token_use", keyNone},
		{"tokentype", keyNone},
		{"passwordChangedAt", keyNone},
		{"secretArn", keyNone},
		{"apiKeyName", keyNone},
		{"tokenExpiresAt", keyNone},
		// Protocol tokens.
		{"ClientRequestToken", keyNone},
		{"RotationToken", keyNone},
		{"LifecycleActionToken", keyNone},
		{"nextToken", keyNone},
		{"NextPageToken", keyNone},
		{"continuationToken", keyNone},
		// "pin" inside other words.
		{"shipping", keyNone},
		{"mapping", keyNone},
		{"spinner", keyNone},
		{"pinpoint", keyNone},
		{"shippingAddress", keyAddress},
		// Other classes.
		{"ssn", keySSN},
		{"customer_ssn", keySSN},
		{"social_security_number", keySSN},
		{"className", keyNone},
		{"dob", keyDOB},
		{"verifiedDob", keyDOB},
		{"birthdate", keyDOB},
		{"dateOfBirth", keyDOB},
		{"birth_date", keyDOB},
		{"phone", keyPhone},
		{"phone_number", keyPhone},
		{"mobilePhone", keyPhone},
		{"tel", keyPhone},
		{"card", keyCard},
		{"cardNumber", keyCard},
		{"pan", keyCard},
		{"name", keyName},
		{"given_name", keyName},
		{"family_name", keyName},
		{"firstName", keyName},
		{"FirstName", keyName},
		{"lastName", keyName},
		{"fullName", keyName},
		{"cardholder_name", keyName},
		{"account_holder_name", keyName},
		{"customerName", keyName},
		{"CustomerName", keyName},
		{"displayName", keyName},
		{"surname", keyName},
		{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", keyName},
		{"user.name", keyName},
		{"bucketName", keyNone},
		{"functionName", keyNone},
		{"queueName", keyNone},
		{"address", keyAddress},
		{"street", keyAddress},
		{"line1", keyAddress},
		{"addressLine1", keyAddress},
		{"billingAddress", keyAddress},
		{"street_address", keyAddress},
		{"beneficiary_address", keyAddress},
		{"ipAddress", keyNone},
		{"sourceIPAddress", keyNone},
		{"emailAddress", keyNone},
		{"email", keyNone},
		{"orderId", keyNone},
		{"", keyNone},
	}
	for _, tt := range tests {
		if got := classifyKey([]byte(tt.key), nil); got != tt.want {
			t.Errorf("classifyKey(%q) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestClassifyKeyContext(t *testing.T) {
	if got := classifyKeyIn([]byte("name"), nil, ctxNonPerson); got != keyNone {
		t.Errorf("name in a bucket: %d, want keyNone", got)
	}
	if got := classifyKeyIn([]byte("firstName"), nil, ctxNonPerson); got != keyName {
		t.Errorf("firstName in slots: %d, want keyName", got)
	}
	if got := classifyKeyIn([]byte("formatted"), nil, ctxAddress); got != keyAddress {
		t.Errorf("formatted in an address: %d, want keyAddress", got)
	}
	if got := classifyKeyIn([]byte("formatted"), nil, 0); got != keyNone {
		t.Errorf("formatted: %d, want keyNone", got)
	}
}

func TestClassifyKeyExtra(t *testing.T) {
	extra := map[string]bool{normalizeKey("Internal-Ref"): true}
	for _, k := range []string{"internal_ref", "InternalRef", "internal.ref"} {
		if got := classifyKey([]byte(k), extra); got != keySecret {
			t.Errorf("classifyKey(%q) = %d, want keySecret", k, got)
		}
	}
}

func TestNormalizeKey(t *testing.T) {
	if got := normalizeKey("X-Api_Key.v 2"); got != "xapikeyv2" {
		t.Errorf("normalizeKey = %q", got)
	}
}

func TestClassifyKeyNoAllocs(t *testing.T) {
	key := []byte("customer_refreshToken")
	if n := testing.AllocsPerRun(100, func() { classifyKey(key, nil) }); n != 0 {
		t.Errorf("classifyKey allocates %v times", n)
	}
}

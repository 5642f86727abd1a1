package redact

import (
	"testing"
)

func TestFindKeyed(t *testing.T) {
	tests := []struct {
		in   string
		want []string // the values found, in order
		typ  Type
	}{
		{`level=info password=hunter2 user=bob`, []string{"hunter2"}, TypeSecret},
		{`db_password="two words" next=1`, []string{"two words"}, TypeSecret},
		{`token: abc123`, []string{"abc123"}, TypeSecret},
		{`Authorization: Bearer eyJabc.def`, []string{"Bearer eyJabc.def"}, TypeSecret},
		{`{"apiKey":"k-123","n":1}`, []string{"k-123"}, TypeSecret},
		{`body={\"pin\":\"4821\",\"x\":1}`, []string{"4821"}, TypeSecret},
		{`event="{\"password\":\"p\\\"w\"}"`, []string{`p\\\"w`}, TypeSecret},
		{`"pin":4821,`, []string{"4821"}, TypeSecret},
		{`{Email:a@b.c Password:qt GUjWS" Age:3}`, []string{`qt GUjWS"`}, TypeSecret},
		{`map[secret:s3 user:bob]`, []string{"s3"}, TypeSecret},
		{`env: [STRIPE_API_KEY=sk_x1 AWS_REGION=us-east-1]`, []string{"sk_x1"}, TypeSecret},
		{`tokens:[\"a1\",\"b2\"]`, []string{`a1\",\"b2`}, TypeSecret},
		{`refreshToken={\"S\":\"r3fr3sh\"}`, []string{"r3fr3sh"}, TypeSecret},
		{`I've tried my password Sunshine543? twice`, []string{"Sunshine543?"}, TypeSecret},
		{`Use API key key-3d7ab513 now`, []string{"key-3d7ab513"}, TypeSecret},
		{`pq: password authentication failed`, nil, TypeSecret},
		{`{Name:Jane Doe Email:j@x.io}`, []string{"Jane Doe"}, TypePersonName},
		{`cardholder_name="Megan G. Esposito" email=x`, []string{"Megan G. Esposito"}, TypePersonName},
		{`address: 2613 Maple Drive`, []string{"2613 Maple Drive"}, TypeStreetAddress},
		{`dob=1977-07-11 result=pass`, []string{"1977-07-11"}, TypeDateOfBirth},
		{`ssn=617138703 x`, []string{"617138703"}, TypeSSN},
		// Hard negatives.
		{`arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db`, nil, TypeSecret},
		{`SecretId=prod/db token_type=Bearer nextToken=abc`, nil, TypeSecret},
		{`https://example.com:8443/x at 12:30:45`, nil, TypeSecret},
		{`password=[REDACTED:secret]`, nil, TypeSecret},
		{`password=+[REDACTED:secret]&x=1`, nil, TypeSecret}, // a '+' a URL decoding read as a space
	}
	for _, tt := range tests {
		m := &matchSet{}
		findKeyed([]byte(tt.in), m)
		var got []string
		for _, mt := range m.ms {
			if mt.typ == tt.typ {
				got = append(got, tt.in[mt.start:mt.end])
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: found %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: found %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

func TestFindKeyedSensitiveKeys(t *testing.T) {
	m := &matchSet{sensitive: map[string]bool{"internalref": true}}
	findKeyed([]byte("Internal-Ref=abc x=1"), m)
	if len(m.ms) != 1 || m.ms[0].typ != TypeSecret {
		t.Errorf("found %v", m.ms)
	}
}

func TestFindKeyedNoAllocs(t *testing.T) {
	s := []byte(`time=2025-05-11T04:05:39.237Z level=INFO msg="received event" request_id=09c71293-79ff-4072-98c8-d4d20de6c606 password=x1 http://h:80/`)
	m := &matchSet{ms: make([]match, 0, 16)}
	if n := testing.AllocsPerRun(100, func() { m.ms = m.ms[:0]; findKeyed(s, m) }); n != 0 {
		t.Errorf("findKeyed allocates %v times", n)
	}
}

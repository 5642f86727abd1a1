package redact

import "testing"

func TestFindEmails(t *testing.T) {
	runDetect(t, findEmails, TypeEmail, []detectCase{
		{in: "contact jane.doe@example.com today", want: []string{"jane.doe@example.com"}},
		{in: `{"email":"Bob+tag@Mail.Example.CO.UK"}`, want: []string{"Bob+tag@Mail.Example.CO.UK"}},
		{in: `\"email\": \"a.b@web.de\"`, want: []string{"a.b@web.de"}},
		{in: `\\\"email\\\":\\\"x_y@gmail.com\\\"`, want: []string{"x_y@gmail.com"}},
		{in: "mailto:info@acme-corp.io?subject=hi", want: []string{"info@acme-corp.io"}},
		{in: `From: "Acme Billing" <billing@globex.net>`, want: []string{"billing@globex.net"}},
		{in: `\u003cbilling@globex.net\u003e`, want: []string{"billing@globex.net"}},
		{in: "q=john.smith%40example.org&x=1", want: []string{"john.smith%40example.org"}},
		{in: "q=john%2Bwork%40example.org", want: []string{"john%2Bwork%40example.org"}},
		{in: `"to":"jose\u0040me.com"`, want: []string{`jose\u0040me.com`}},
		{in: `"to":"jose\\u0040me.com"`, want: []string{`jose\\u0040me.com`}},
		{in: "line\\nfirst@example.com", want: []string{"first@example.com"}},
		{in: "done by a@b.com.", want: []string{"a@b.com"}},
		// near misses
		{in: "user@localhost", want: nil},
		{in: "git@github", want: nil},
		{in: "file@2x.png", want: nil},
		{in: "a@b.notatld", want: nil},
		{in: "@handle and @ alone", want: nil},
		{in: "arn:aws:iam::123456789012:user/x", want: nil},
	})
}

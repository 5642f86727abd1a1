package middleware_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lambda-compliance/compliance/middleware"
)

// eventErrorReasons are the only reasons an EventError may give.
var eventErrorReasons = map[string]bool{
	"unexpected end of input":                 true,
	"invalid character":                       true,
	"invalid character after top-level value": true,
	"object key is not a string":              true,
	"missing colon after object key":          true,
	"missing comma or closing bracket":        true,
	"control character in string":             true,
	"invalid escape in string":                true,
	"invalid number":                          true,
	"invalid literal":                         true,
	"exceeded max depth":                      true,
}

var knownSources = map[middleware.Source]bool{
	middleware.SourceAPIGatewayREST: true, middleware.SourceAPIGatewayHTTP: true, middleware.SourceALB: true,
	middleware.SourceFunctionURL: true, middleware.SourceSQS: true, middleware.SourceSNS: true,
	middleware.SourceEventBridge: true, middleware.SourceScheduled: true, middleware.SourceS3: true,
	middleware.SourceDynamoDB: true, middleware.SourceKinesis: true, middleware.SourceFirehose: true,
	middleware.SourceCloudWatchLogs: true, middleware.SourceCognito: true, middleware.SourceSES: true,
	middleware.SourceAppSync: true, middleware.SourceConnect: true, middleware.SourceMSK: true,
	middleware.SourceDirect: true,
}

var knownAssurances = map[middleware.Assurance]bool{
	middleware.AssuranceSigV4: true, middleware.AssuranceAuthorizerVerified: true,
	middleware.AssuranceServiceAsserted: true, middleware.AssuranceClientAsserted: true,
	middleware.AssuranceNone: true,
}

// FuzzDetectEvent checks that DetectEvent never panics, fails exactly on
// the payloads encoding/json calls invalid (blank ones aside), gives errors
// made of fixed text only, and returns well-formed events.
func FuzzDetectEvent(f *testing.F) {
	for _, s := range []string{
		``, " \r\n\t", "\f", `null`, `[1]`, `{}`, `{"a":}`, "{\"a\":\"\x01\"}",
		`{"Records":[{"eventSource":"aws:sqs","eventSourceARN":"arn:q","attributes":{"SenderId":"AIDA"}}]}`,
		`{"Records":[{"EventSource":"aws:sns","Sns":{"TopicArn":"arn:t"}},{"EventSource":"aws:sns","Sns":{"TopicArn":"arn:t"}}]}`,
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"arn":"arn:b"}},"userIdentity":{"principalId":"P"}}]}`,
		`{"resource":"/{proxy+}","httpMethod":"GET","requestContext":{"apiId":"a","stage":"s","accountId":"1","domainName":"a.execute-api.us-east-1.amazonaws.com","identity":{"userArn":"u","sourceIp":"1.2.3.4"}}}`,
		`{"version":"2.0","routeKey":"GET /x","requestContext":{"apiId":"a","authorizer":{"iam":{"userArn":"u"}},"http":{"sourceIp":"1"}}}`,
		`{"version":"2.0","requestContext":{"domainName":"x.lambda-url.eu-west-1.on.aws","http":{"method":"GET"}}}`,
		`{"requestContext":{"elb":{"targetGroupArn":"t"}},"multiValueHeaders":{"x-forwarded-for":["1, 2"]}}`,
		`{"type":"TOKEN","methodArn":"arn:aws:execute-api:r:a:api/s/GET/x","authorizationToken":"t"}`,
		`{"requestContext":{"connectionId":"c","routeKey":"$connect","apiId":"a","stage":"s"}}`,
		`{"authorizationToken":"t","requestContext":{"apiId":"a","operationName":"Q"}}`,
		`{"info":{"parentTypeName":"Query","fieldName":"f"},"identity":{"sub":"s","sourceIp":["1"]}}`,
		`{"detail-type":"Scheduled Event","source":"aws.events","resources":["r","r"]}`,
		`{"detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":{"userIdentity":{"arn":"a"}}}`,
		`{"userPoolId":"p","triggerSource":"PreSignUp_SignUp","userName":"u"}`,
		`{"awslogs":{"data":"H4sI"}}`, `{"deliveryStreamArn":"d","records":[]}`,
		`{"eventSource":"aws:kafka","eventSourceArn":"k"}`, `{"Name":"ContactFlowEvent","Details":{}}`,
		`{"invocationSchemaVersion":"1.0","job":{},"tasks":[{"s3BucketArn":"b"}]}`,
		`{"getObjectContext":{},"configuration":{"accessPointArn":"ap"},"userIdentity":{"arn":"u"}}`,
		`{"k\u0065y":"\ud83d\ude00\"\\"}`,
	} {
		f.Add([]byte(s))
	}
	// The fixtures too, when the module cache has them.
	if dir, err := fixtureDirectory(); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := middleware.DetectEvent(payload)
		if !knownSources[ev.Source] {
			t.Fatalf("unknown source %q", ev.Source)
		}
		if !knownAssurances[ev.Actor.Assurance] {
			t.Fatalf("unknown assurance %q", ev.Actor.Assurance)
		}
		seen := map[string]bool{}
		for _, r := range ev.Resources {
			if r == "" || seen[r] {
				t.Fatalf("resources %q: empty or repeated entry", ev.Resources)
			}
			seen[r] = true
		}

		blank := len(bytes.Trim(payload, " \t\r\n")) == 0 // JSON whitespace only: not \f or \v
		if blank || json.Valid(payload) {
			if err != nil {
				t.Fatalf("valid payload: got error %v", err)
			}
			return
		}
		var ee *middleware.EventError
		if !errors.As(err, &ee) {
			t.Fatalf("invalid payload: got %v, want a *EventError", err)
		}
		if ev.Source != middleware.SourceDirect {
			t.Fatalf("invalid payload: got source %q, want direct", ev.Source)
		}
		if !eventErrorReasons[ee.Reason] || ee.Offset < 0 || ee.Offset > len(payload) {
			t.Fatalf("invalid payload: got reason %q offset %d", ee.Reason, ee.Offset)
		}
		want := "middleware: payload is not valid JSON: " + ee.Reason + " at offset " + strconv.Itoa(ee.Offset)
		if err.Error() != want {
			t.Fatalf("invalid payload: got message %q, want %q", err.Error(), want)
		}
	})
}

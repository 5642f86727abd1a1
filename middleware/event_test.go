package middleware_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/lambda-compliance/compliance/middleware"
)

// lambdaEventsModule is the module whose events/testdata the tests read.
const lambdaEventsModule = "github.com/aws/aws-lambda-go"

var (
	fixtureDirOnce sync.Once
	fixtureDir     string
	fixtureDirErr  error
)

// fixtureDirectory returns the path of aws-lambda-go's events/testdata,
// found with go list, else from the build info and the module cache.
func fixtureDirectory() (string, error) {
	fixtureDirOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", lambdaEventsModule).Output()
		if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
			fixtureDir = filepath.Join(dir, "events", "testdata")
			return
		}
		version := ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, d := range bi.Deps {
				if d.Path == lambdaEventsModule {
					version = d.Version
				}
			}
		}
		cache := os.Getenv("GOMODCACHE")
		if cache == "" {
			if home, herr := os.UserHomeDir(); herr == nil {
				cache = filepath.Join(home, "go", "pkg", "mod")
			}
		}
		if version == "" || cache == "" {
			fixtureDirErr = errors.New("cannot locate " + lambdaEventsModule + ": go list failed and the build info does not name it")
			return
		}
		fixtureDir = filepath.Join(cache, "github.com", "aws", "aws-lambda-go@"+version, "events", "testdata")
	})
	if fixtureDirErr != nil {
		return "", fixtureDirErr
	}
	if _, err := os.Stat(fixtureDir); err != nil {
		return "", err
	}
	return fixtureDir, nil
}

// fixtures returns fixtureDirectory, failing the test if there is none.
func fixtures(tb testing.TB) string {
	tb.Helper()
	dir, err := fixtureDirectory()
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// readFixture returns the content of one fixture file.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures(tb), name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// fixtureSources maps fixture file names to the source they must classify
// as, by prefix; the first matching prefix wins. Every fixture must match
// one, so that a new fixture forces a decision.
var fixtureSources = []struct {
	prefix string
	source middleware.Source
}{
	{"apigw-v2-", middleware.SourceAPIGatewayHTTP}, // HTTP API, payload 2.0 and 1.0, authorizers included
	{"apigw-websocket-", middleware.SourceAPIGatewayREST},
	{"apigw-", middleware.SourceAPIGatewayREST}, // proxy, TOKEN and REQUEST authorizers
	{"alb-", middleware.SourceALB},
	{"lambda-urls-", middleware.SourceFunctionURL},
	{"sqs-", middleware.SourceSQS},
	{"sns-", middleware.SourceSNS},
	{"cloudwatch-alarm-sns-", middleware.SourceSNS}, // alarms delivered through SNS
	{"s3-", middleware.SourceS3},                    // notifications, Batch Operations, Object Lambda
	{"dynamodb-", middleware.SourceDynamoDB},
	{"kinesis-firehose-", middleware.SourceFirehose},
	{"kinesis-analytics-", middleware.SourceDirect}, // Kinesis Data Analytics output: no source of its own
	{"kinesis-event", middleware.SourceKinesis},
	{"kinesis-time-window", middleware.SourceKinesis},
	{"cloudwatch-logs-", middleware.SourceCloudWatchLogs},
	{"cognito-", middleware.SourceCognito}, // user-pool triggers and Cognito Sync
	{"ses-", middleware.SourceSES},
	{"appsync-identity-", middleware.SourceDirect}, // only the identity object of an event, not an event
	{"appsync-", middleware.SourceAppSync},
	{"connect-", middleware.SourceConnect},
	{"kafka-", middleware.SourceMSK},
	{"autoscaling-", middleware.SourceEventBridge},
	{"codebuild-", middleware.SourceEventBridge},
	{"codedeploy-", middleware.SourceEventBridge},
	{"codepipeline-job-", middleware.SourceDirect}, // CodePipeline invokes the function directly
	{"codepipeline-", middleware.SourceEventBridge},
	{"ecr-", middleware.SourceEventBridge},
	{"ecs-", middleware.SourceEventBridge},
	{"activemq-", middleware.SourceDirect},
	{"rabbitmq-", middleware.SourceDirect},
	{"iot-", middleware.SourceDirect},
	{"lex-", middleware.SourceDirect},
	{"code-commit-", middleware.SourceDirect},
	{"config-", middleware.SourceDirect},
	{"secretsmanager-", middleware.SourceDirect},
	{"clientvpn-", middleware.SourceDirect},
}

func TestDetectEventFixtures(t *testing.T) {
	dir := fixtures(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 104 {
		t.Fatalf("%s: got %d .json files, want 104", dir, len(files))
	}
	invalid := 0
	for _, f := range files {
		name := filepath.Base(f)
		data := readFixture(t, name)
		ev, err := middleware.DetectEvent(data)
		if ev.Actor.Assurance == "" {
			t.Errorf("%s: Assurance not set", name)
		}
		if !json.Valid(data) { // malformed on purpose
			invalid++
			var ee *middleware.EventError
			if !errors.As(err, &ee) || ev.Source != middleware.SourceDirect {
				t.Errorf("%s: invalid JSON: got %v, %v; want a *EventError and direct", name, ev.Source, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got error %v, want none", name, err)
			continue
		}
		if strings.HasSuffix(name, "-response.json") {
			continue // a response, not an event
		}
		want, found := middleware.Source(""), false
		for _, m := range fixtureSources {
			if strings.HasPrefix(name, m.prefix) {
				want, found = m.source, true
				break
			}
		}
		if !found {
			t.Errorf("%s: no entry in fixtureSources; decide its source", name)
			continue
		}
		if ev.Source != want {
			t.Errorf("%s: got source %q, want %q", name, ev.Source, want)
		}
	}
	// dynamodb-event-malformed.2.json is truncated: the one invalid fixture.
	if invalid != 1 {
		t.Errorf("got %d invalid fixtures, want 1", invalid)
	}
}

func TestDetectEventFixtureDetails(t *testing.T) {
	none := middleware.Actor{Assurance: middleware.AssuranceNone}
	cases := []struct {
		file string
		want middleware.Event
	}{
		{"apigw-request.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayREST,
			Resources: []string{"arn:aws:execute-api:us-east-2:12345678912:gy415nuibc/testStage/POST/{proxy+}"},
			Operation: "POST /{proxy+}",
			Actor: middleware.Actor{UserARN: "theUserArn", AccountID: "theAccountId", AccessKeyID: "ANEXAMPLEOFACCESSKEY",
				PrincipalID: "theCaller", SourceIP: "192.168.196.186", UserAgent: "PostmanRuntime/2.4.5", Assurance: middleware.AssuranceSigV4},
		}},
		{"apigw-v2-request-iam.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayHTTP,
			Resources: []string{"arn:aws:execute-api:us-east-1:123456789012:api-id/$default/$default"},
			Operation: "$default",
			Actor: middleware.Actor{UserARN: "arn:aws:iam::1234567890:user/Admin", AccountID: "1234567890", AccessKeyID: "ARIA2ZJZYVUEREEIHAKY",
				PrincipalID: "AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials", SourceIP: "IP", UserAgent: "agent", Assurance: middleware.AssuranceSigV4},
		}},
		{"apigw-v2-request-jwt-authorizer.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayHTTP,
			Resources: []string{"arn:aws:execute-api:us-east-1:123456789012:api-id/$default/$default"},
			Operation: "$default",
			// The claims carry no sub, iss or username; the JWT was verified.
			Actor: middleware.Actor{SourceIP: "IP", UserAgent: "agent", Assurance: middleware.AssuranceAuthorizerVerified},
		}},
		{"apigw-v2-request-lambda-authorizer.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayHTTP,
			Resources: []string{"arn:aws:execute-api:us-east-1:123456789012:api-id/$default/$default"},
			Operation: "$default",
			Actor:     middleware.Actor{SourceIP: "IP", UserAgent: "agent", Assurance: middleware.AssuranceAuthorizerVerified},
		}},
		{"apigw-v2-request-no-authorizer.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayHTTP,
			Resources: []string{"arn:aws:execute-api:us-west-2:123456789012:aaaaaaaaaa/$default/$default"},
			Operation: "$default",
			Actor:     middleware.Actor{SourceIP: "1.2.3.4", UserAgent: "curl/7.58.0", Assurance: middleware.AssuranceNone},
		}},
		{"apigw-custom-auth-request.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayREST,
			Resources: []string{"arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"},
			Operation: "GET /",
			Actor:     none,
		}},
		{"apigw-v2-custom-authorizer-v2-request.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayHTTP,
			Resources: []string{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"},
			Operation: "$default",
			Actor:     middleware.Actor{SourceIP: "IP", UserAgent: "agent", Assurance: middleware.AssuranceNone},
		}},
		{"apigw-websocket-request-disconnect.json", middleware.Event{
			Source:    middleware.SourceAPIGatewayREST,
			Resources: []string{"dl7ptocha9/prod/$disconnect"}, // no accountId: no ARN
			Operation: "$disconnect",
			Actor: middleware.Actor{SourceIP: "49.105.91.154", Assurance: middleware.AssuranceNone,
				UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36"},
		}},
		{"lambda-urls-request.json", middleware.Event{
			Source:    middleware.SourceFunctionURL,
			Resources: []string{"<url-id>.lambda-url.us-west-2.on.aws"},
			Operation: "POST /my/path",
			Actor: middleware.Actor{UserARN: "arn:aws:iam::111122223333:user/example-user", AccountID: "111122223333", AccessKeyID: "AKIA...",
				PrincipalID: "AIDA...", SourceIP: "123.123.123.123", UserAgent: "agent", Assurance: middleware.AssuranceSigV4},
		}},
		{"alb-lambda-target-request-headers-only.json", middleware.Event{
			Source:    middleware.SourceALB,
			Resources: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/abcdefg"},
			Operation: "GET /",
			Actor:     middleware.Actor{SourceIP: "25.12.198.67", UserAgent: "curl/7.54.0", Assurance: middleware.AssuranceNone},
		}},
		{"alb-lambda-target-request-multivalue-headers.json", middleware.Event{
			Source:    middleware.SourceALB,
			Resources: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/abcdefgh"},
			Operation: "GET /",
			Actor:     middleware.Actor{SourceIP: "72.21.198.67", UserAgent: "curl/7.54.0", Assurance: middleware.AssuranceNone},
		}},
		{"sqs-event.json", middleware.Event{
			Source:    middleware.SourceSQS,
			Resources: []string{"arn:aws:sqs:us-west-2:123456789012:SQSQueue"},
			Actor:     middleware.Actor{PrincipalID: "AROAIWPX5BD2BHG722MW4:sender", Assurance: middleware.AssuranceServiceAsserted},
		}},
		{"s3-event.json", middleware.Event{
			Source:    middleware.SourceS3,
			Resources: []string{"arn:aws:s3:::mybucket"},
			Operation: "ObjectCreated:Put",
			Actor:     middleware.Actor{PrincipalID: "EXAMPLE", SourceIP: "127.0.0.1", Assurance: middleware.AssuranceServiceAsserted},
		}},
		{"s3-batch-job-event-request-2.0.json", middleware.Event{
			Source:    middleware.SourceS3,
			Resources: []string{"awsexamplebucket"},
			Actor:     none,
		}},
		{"s3-object-lambda-event-get-object-assumed-role.json", middleware.Event{
			Source: middleware.SourceS3,
			Resources: []string{"arn:aws:s3-object-lambda:us-east-1:111122223333:accesspoint/example-object-lambda-ap",
				"arn:aws:s3:us-east-1:111122223333:accesspoint/example-ap"},
			Operation: "GetObject",
			Actor: middleware.Actor{UserARN: "arn:aws:sts::111122223333:assumed-role/Admin/example", AccountID: "111122223333",
				AccessKeyID: "accessKeyId", PrincipalID: "principalId", Assurance: middleware.AssuranceServiceAsserted},
		}},
		{"sns-event.json", middleware.Event{
			Source:    middleware.SourceSNS,
			Resources: []string{"arn:aws:sns:EXAMPLE"},
			Actor:     none,
		}},
		{"dynamodb-time-window-event.json", middleware.Event{
			Source:    middleware.SourceDynamoDB,
			Resources: []string{"stream-ARN"},
			Operation: "INSERT,MODIFY,REMOVE",
			Actor:     none,
		}},
		{"dynamodb-event.json", middleware.Event{
			Source:    middleware.SourceDynamoDB,
			Resources: []string{"arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table/stream/2016-12-01T00:00:00.000"},
			Operation: "INSERT",
			Actor:     none, // only one of the two records names a principal
		}},
		{"kinesis-event.json", middleware.Event{
			Source:    middleware.SourceKinesis,
			Resources: []string{"arn:aws:kinesis:us-east-1:123456789012:stream/simple-stream"},
			Operation: "aws:kinesis:record",
			Actor:     none, // invokeIdentityArn is the function's own role
		}},
		{"kinesis-firehose-event.json", middleware.Event{
			Source:    middleware.SourceFirehose,
			Resources: []string{"aws:lambda:events", "arn:aws:kinesis:us-east-1:123456789012:stream/test"},
			Actor:     none,
		}},
		{"cloudwatch-logs-event.json", middleware.Event{Source: middleware.SourceCloudWatchLogs, Actor: none}},
		{"cognito-event-userpools-pretokengen-v2_0.json", middleware.Event{
			Source:    middleware.SourceCognito,
			Resources: []string{"us-east-1_EXAMPLE"},
			Operation: "TokenGeneration_Authentication",
			Actor:     middleware.Actor{Username: "testuser", Subject: "a36036a8-9061-424d-a737-56d57dae7bc6", Assurance: middleware.AssuranceServiceAsserted},
		}},
		{"cognito-event.json", middleware.Event{
			Source:    middleware.SourceCognito,
			Resources: []string{"identityPoolId"},
			Operation: "SyncTrigger",
			Actor:     middleware.Actor{Subject: "identityId", Assurance: middleware.AssuranceServiceAsserted},
		}},
		{"appsync-lambda-auth-request.json", middleware.Event{
			Source:    middleware.SourceAppSync,
			Resources: []string{"aaaaaa123123123example123"},
			Operation: "MyQuery",
			Actor:     none,
		}},
		{"kafka-event.json", middleware.Event{
			Source:    middleware.SourceMSK,
			Resources: []string{"arn:aws:kafka:us-west-2:012345678901:cluster/ExampleMSKCluster/e9f754c6-d29a-4430-a7db-958a19fd2c54-4"},
			Actor:     none,
		}},
		{"codedeploy-instance-event.json", middleware.Event{
			Source: middleware.SourceEventBridge,
			Resources: []string{"arn:aws:ec2:us-east-1:123456789012:instance/i-0000000aaaaaaaaaa",
				"arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:myApplication/myDeploymentGroup",
				"arn:aws:codedeploy:us-east-1:123456789012:application:myApplication"},
			Operation: "CodeDeploy Instance State-change Notification",
			Actor:     none,
		}},
		{"connect-event.json", middleware.Event{Source: middleware.SourceConnect, Actor: none}},
		{"code-commit-event.json", middleware.Event{Source: middleware.SourceDirect, Actor: none}},
	}
	for _, c := range cases {
		got, err := middleware.DetectEvent(readFixture(t, c.file))
		if err != nil {
			t.Errorf("%s: got error %v", c.file, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", c.file, got, c.want)
		}
	}
}

func TestDetectEventNotAnObject(t *testing.T) {
	for _, p := range []string{"", " \n\t", "null", "[]", `[{"Records":[]}]`, "42", `"text"`, "true"} {
		ev, err := middleware.DetectEvent([]byte(p))
		want := middleware.Event{Source: middleware.SourceDirect, Actor: middleware.Actor{Assurance: middleware.AssuranceNone}}
		if err != nil || !reflect.DeepEqual(ev, want) {
			t.Errorf("%q: got %+v, %v; want %+v, nil", p, ev, err, want)
		}
	}
}

func TestDetectEventInvalidJSON(t *testing.T) {
	cases := []struct {
		payload string
		offset  int
		reason  string
	}{
		{`{"authorizationToken":"s3cr3t-t0ken",}`, 37, "object key is not a string"},
		{`{"password":"hunter2`, 20, "unexpected end of input"},
		{`{"card":"4111111111111111"} trailing`, 28, "invalid character after top-level value"},
		{`{"k":"\q-secret"}`, 7, "invalid escape in string"},
		{`  nope`, 2, "invalid literal"},
	}
	for _, c := range cases {
		ev, err := middleware.DetectEvent([]byte(c.payload))
		var ee *middleware.EventError
		if !errors.As(err, &ee) {
			t.Errorf("%q: got %v, want a *EventError", c.payload, err)
			continue
		}
		if ee.Offset != c.offset || ee.Reason != c.reason {
			t.Errorf("%q: got offset %d reason %q, want %d %q", c.payload, ee.Offset, ee.Reason, c.offset, c.reason)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "middleware: ") {
			t.Errorf("%q: got message %q, want the prefix \"middleware: \"", c.payload, msg)
		}
		for _, secret := range []string{"s3cr3t", "hunter2", "4111", "secret", "trailing", "nope"} {
			if strings.Contains(msg, secret) {
				t.Errorf("%q: message %q carries payload bytes", c.payload, msg)
			}
		}
		if ev.Source != middleware.SourceDirect || ev.Actor.Assurance != middleware.AssuranceNone {
			t.Errorf("%q: got %+v, want direct with no actor", c.payload, ev)
		}
	}
}

func TestDetectEventInline(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    middleware.Event
	}{
		{"REST with a Cognito user-pool authorizer", `{"resource":"/orders/{id}","httpMethod":"GET","requestContext":{
			"accountId":"123456789012","apiId":"abc123","stage":"prod","resourcePath":"/orders/{id}","httpMethod":"GET",
			"domainName":"abc123.execute-api.eu-west-1.amazonaws.com",
			"identity":{"sourceIp":"203.0.113.9","userAgent":"curl/8","userArn":null,"accessKey":null},
			"authorizer":{"claims":{"sub":"u-1","iss":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X","cognito:username":"alice"}}}}`,
			middleware.Event{
				Source:    middleware.SourceAPIGatewayREST,
				Resources: []string{"arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders/{id}"},
				Operation: "GET /orders/{id}",
				Actor: middleware.Actor{Subject: "u-1", Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X", Username: "alice",
					SourceIP: "203.0.113.9", UserAgent: "curl/8", Assurance: middleware.AssuranceAuthorizerVerified},
			}},
		{"REST with a Lambda authorizer, custom domain", `{"resource":"/pay","httpMethod":"POST","requestContext":{
			"accountId":"123456789012","apiId":"abc123","stage":"prod","domainName":"api.example.com",
			"identity":{"sourceIp":"203.0.113.9"},"authorizer":{"principalId":"user|42","integrationLatency":3}}}`,
			middleware.Event{
				Source:    middleware.SourceAPIGatewayREST,
				Resources: []string{"abc123/prod/POST/pay"},
				Operation: "POST /pay",
				Actor:     middleware.Actor{PrincipalID: "user|42", SourceIP: "203.0.113.9", Assurance: middleware.AssuranceAuthorizerVerified},
			}},
		{"HTTP API with JWT claims, China region", `{"version":"2.0","routeKey":"GET /orders/{id}","rawPath":"/orders/7","requestContext":{
			"accountId":"123456789012","apiId":"h1","stage":"$default","domainName":"h1.execute-api.cn-north-1.amazonaws.com.cn",
			"http":{"method":"GET","path":"/orders/7","sourceIp":"198.51.100.1","userAgent":"ua"},
			"authorizer":{"jwt":{"claims":{"sub":"s-9","iss":"https://issuer.example","username":"bob"},"scopes":null}}}}`,
			middleware.Event{
				Source:    middleware.SourceAPIGatewayHTTP,
				Resources: []string{"arn:aws-cn:execute-api:cn-north-1:123456789012:h1/$default/GET/orders/{id}"},
				Operation: "GET /orders/{id}",
				Actor: middleware.Actor{Subject: "s-9", Issuer: "https://issuer.example", Username: "bob",
					SourceIP: "198.51.100.1", UserAgent: "ua", Assurance: middleware.AssuranceAuthorizerVerified},
			}},
		{"HTTP API Lambda authorizer with a principal", `{"version":"2.0","routeKey":"$default","requestContext":{"apiId":"h1","stage":"s",
			"authorizer":{"lambda":{"principalId":"tenant-7","role":"admin"}},"http":{"sourceIp":"192.0.2.1"}}}`,
			middleware.Event{
				Source:    middleware.SourceAPIGatewayHTTP,
				Resources: []string{"h1/s/$default"},
				Operation: "$default",
				Actor:     middleware.Actor{PrincipalID: "tenant-7", SourceIP: "192.0.2.1", Assurance: middleware.AssuranceAuthorizerVerified},
			}},
		{"function URL without auth", `{"version":"2.0","rawPath":"/hook","requestContext":{"apiId":"u1","accountId":"anonymous",
			"domainName":"u1.lambda-url.eu-west-1.on.aws","http":{"method":"POST","path":"/hook","sourceIp":"192.0.2.7","userAgent":"hook/1"}}}`,
			middleware.Event{
				Source:    middleware.SourceFunctionURL,
				Resources: []string{"u1.lambda-url.eu-west-1.on.aws"},
				Operation: "POST /hook",
				Actor:     middleware.Actor{SourceIP: "192.0.2.7", UserAgent: "hook/1", Assurance: middleware.AssuranceNone},
			}},
		{"ALB with OIDC identity and a forged X-Forwarded-For", `{"requestContext":{"elb":{"targetGroupArn":"arn:tg"}},"httpMethod":"GET","path":"/a",
			"headers":{"X-Amzn-Oidc-Identity":"oidc-sub","X-Forwarded-For":"10.0.0.1, 203.0.113.50","User-Agent":"ua"}}`,
			middleware.Event{
				Source:    middleware.SourceALB,
				Resources: []string{"arn:tg"},
				Operation: "GET /a",
				Actor:     middleware.Actor{Subject: "oidc-sub", SourceIP: "203.0.113.50", UserAgent: "ua", Assurance: middleware.AssuranceClientAsserted},
			}},
		{"AppSync resolver, Cognito identity", `{"arguments":{"id":"1"},"identity":{"sub":"c-1","issuer":"https://cognito-idp","username":"carol",
			"claims":{"sub":"c-1"},"sourceIp":["198.51.100.2","10.0.0.1"],"defaultAuthStrategy":"ALLOW"},"source":null,
			"request":{"headers":{"user-agent":"appsync-client"}},"info":{"parentTypeName":"Query","fieldName":"getPost","variables":{}}}`,
			middleware.Event{
				Source:    middleware.SourceAppSync,
				Resources: []string{"Query.getPost"},
				Operation: "Query.getPost",
				Actor: middleware.Actor{Subject: "c-1", Issuer: "https://cognito-idp", Username: "carol",
					SourceIP: "198.51.100.2", UserAgent: "appsync-client", Assurance: middleware.AssuranceAuthorizerVerified},
			}},
		{"AppSync resolver, IAM identity", `{"identity":{"accountId":"111122223333","userArn":"arn:aws:iam::111122223333:user/dave","username":"AIDA1",
			"sourceIp":["198.51.100.3"]},"info":{"parentTypeName":"Mutation","fieldName":"addPost"}}`,
			middleware.Event{
				Source:    middleware.SourceAppSync,
				Resources: []string{"Mutation.addPost"},
				Operation: "Mutation.addPost",
				Actor: middleware.Actor{UserARN: "arn:aws:iam::111122223333:user/dave", AccountID: "111122223333", Username: "AIDA1",
					SourceIP: "198.51.100.3", Assurance: middleware.AssuranceSigV4},
			}},
		{"AppSync resolver, API key", `{"identity":null,"info":{"parentTypeName":"Query","fieldName":"list"}}`,
			middleware.Event{
				Source:    middleware.SourceAppSync,
				Resources: []string{"Query.list"},
				Operation: "Query.list",
				Actor:     middleware.Actor{Assurance: middleware.AssuranceNone},
			}},
		{"EventBridge, CloudTrail API call", `{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3",
			"resources":[],"detail":{"eventName":"PutBucketPolicy","sourceIPAddress":"203.0.113.77","userAgent":"aws-cli/2",
			"userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/erin","accountId":"111122223333",
			"accessKeyId":"AKIAX","userName":"erin"}}}`,
			middleware.Event{
				Source:    middleware.SourceEventBridge,
				Operation: "AWS API Call via CloudTrail",
				Actor: middleware.Actor{UserARN: "arn:aws:iam::111122223333:user/erin", AccountID: "111122223333", AccessKeyID: "AKIAX",
					PrincipalID: "AIDAX", Username: "erin", SourceIP: "203.0.113.77", UserAgent: "aws-cli/2", Assurance: middleware.AssuranceServiceAsserted},
			}},
		{"EventBridge, custom source cannot assert a caller", `{"detail-type":"AWS API Call via CloudTrail","source":"my.app",
			"detail":{"userIdentity":{"arn":"arn:aws:iam::111122223333:user/forged"}}}`,
			middleware.Event{
				Source:    middleware.SourceEventBridge,
				Operation: "AWS API Call via CloudTrail",
				Actor:     middleware.Actor{Assurance: middleware.AssuranceNone},
			}},
		{"scheduled rule", `{"detail-type":"Scheduled Event","source":"aws.events","resources":["arn:aws:events:eu-west-1:1:rule/nightly"],"detail":{}}`,
			middleware.Event{
				Source:    middleware.SourceScheduled,
				Resources: []string{"arn:aws:events:eu-west-1:1:rule/nightly"},
				Operation: "Scheduled Event",
				Actor:     middleware.Actor{Assurance: middleware.AssuranceNone},
			}},
		{"SQS batch from two queues and two senders", `{"Records":[
			{"eventSource":"aws:sqs","eventSourceARN":"arn:q1","attributes":{"SenderId":"A"}},
			{"eventSource":"aws:sqs","eventSourceARN":"arn:q2","attributes":{"SenderId":"B"}},
			{"eventSource":"aws:sqs","eventSourceARN":"arn:q1","attributes":{"SenderId":"A"}}]}`,
			middleware.Event{
				Source:    middleware.SourceSQS,
				Resources: []string{"arn:q1", "arn:q2"},
				Actor:     middleware.Actor{Assurance: middleware.AssuranceNone},
			}},
		{"self-managed Kafka", `{"eventSource":"SelfManagedKafka","bootstrapServers":"b1:9092,b2:9092","records":{}}`,
			middleware.Event{
				Source:    middleware.SourceMSK,
				Resources: []string{"b1:9092,b2:9092"},
				Actor:     middleware.Actor{Assurance: middleware.AssuranceNone},
			}},
		{"escaped keys and duplicate keys: the last wins, as in encoding/json", `{"\u0052ecords":[{"eventSource":"aws:sns",
			"Sns":{"TopicArn":"arn:first","TopicArn":"arn:t\u00f6pic"}}],"Records":[{"EventSource":"aws:sns","Sns":{"TopicArn":"arn:last"}}]}`,
			middleware.Event{
				Source:    middleware.SourceSNS,
				Resources: []string{"arn:last"},
				Actor:     middleware.Actor{Assurance: middleware.AssuranceNone},
			}},
		{"Records of another service", `{"Records":[{"eventSource":"aws:codecommit","eventSourceARN":"arn:repo"}]}`,
			middleware.Event{Source: middleware.SourceDirect, Actor: middleware.Actor{Assurance: middleware.AssuranceNone}}},
		{"fields of the wrong type", `{"requestContext":{"elb":"x","http":[1]},"version":2,"Records":{},"detail-type":1,"source":"s"}`,
			middleware.Event{Source: middleware.SourceDirect, Actor: middleware.Actor{Assurance: middleware.AssuranceNone}}},
	}
	for _, c := range cases {
		got, err := middleware.DetectEvent([]byte(c.payload))
		if err != nil {
			t.Errorf("%s: got error %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// TestDetectEventDoesNotAlias checks that the event keeps no reference to
// the payload, which the handler may reuse.
func TestDetectEventDoesNotAlias(t *testing.T) {
	payload := []byte(`{"Records":[{"eventSource":"aws:sqs","eventSourceARN":"arn:queue","attributes":{"SenderId":"AIDA"}}]}`)
	ev, err := middleware.DetectEvent(payload)
	if err != nil {
		t.Fatal(err)
	}
	for i := range payload {
		payload[i] = 'x'
	}
	if ev.Resources[0] != "arn:queue" || ev.Actor.PrincipalID != "AIDA" {
		t.Errorf("after the payload changed: got %+v", ev)
	}
}

func BenchmarkDetectEvent(b *testing.B) {
	for _, name := range []string{"apigw-request.json", "apigw-v2-request-iam.json", "sqs-event.json", "dynamodb-event.json"} {
		payload := readFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := middleware.DetectEvent(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The same, compact, as Lambda delivers it.
	var compact bytes.Buffer
	if err := json.Compact(&compact, readFixture(b, "apigw-request.json")); err != nil {
		b.Fatal(err)
	}
	b.Run("apigw-request.json-compact", func(b *testing.B) {
		b.SetBytes(int64(compact.Len()))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := middleware.DetectEvent(compact.Bytes()); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A 1 MB body behind the same API Gateway event.
	var big map[string]any
	if err := json.Unmarshal(readFixture(b, "apigw-request.json"), &big); err != nil {
		b.Fatal(err)
	}
	big["body"] = strings.Repeat(`{"k":"v\"w"},`, 1<<20/13)
	payload, err := json.Marshal(big)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("apigw-request-1MB-body", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := middleware.DetectEvent(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}

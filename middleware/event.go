package middleware

import (
	"strconv"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// Event is what a payload tells of its origin.
type Event struct {
	// Source is the event source that sent the payload, [SourceDirect] when
	// none was recognised.
	Source Source
	// Resources are the ARNs of the queue, topic, table, stream, bucket or
	// API route the event came from (or their names where the event has no
	// ARN), deduplicated, in order of first appearance.
	Resources []string
	// Operation is what the event asks for, where the source carries it:
	// "GET /orders/{id}" (method and resource template) for a REST API, the
	// routeKey for an HTTP API, method and raw path for a function URL,
	// method and path for an ALB, the triggerSource of a Cognito trigger, the
	// detail-type of an EventBridge event, "Query.getPost" for AppSync, the
	// eventName of S3, DynamoDB and Kinesis records (the distinct names of a
	// batch joined by ",").
	Operation string
	// Actor is the caller as the event describes it. Its Assurance is always
	// set, [AssuranceNone] when the event carries no identity.
	Actor Actor
}

// EventError is the error [DetectEvent] returns for a payload that is not
// valid JSON. It says where and why, and never carries bytes of the payload.
type EventError struct {
	Offset int    // byte offset in the payload where the JSON went wrong
	Reason string // a fixed phrase such as "invalid character"
}

// Error returns "middleware: payload is not valid JSON: " followed by the
// reason and the offset.
func (e *EventError) Error() string {
	return "middleware: payload is not valid JSON: " + e.Reason + " at offset " + strconv.Itoa(e.Offset)
}

// DetectEvent classifies a raw Lambda payload without decoding the whole
// payload into maps: it walks the payload once to check that it is valid
// JSON, then reads only the members that tell the event source apart, and
// returns the source, the resources, the operation and the caller the event
// describes.
//
// An empty payload, null, or a JSON value that is not an object is a direct
// invocation ([SourceDirect]) and not an error. A payload that is not valid
// JSON yields [SourceDirect] and a [*EventError].
//
// How sources are told apart:
//   - apigateway-rest: API Gateway REST proxy events (httpMethod, resource,
//     requestContext), REST Lambda-authorizer events (TOKEN and REQUEST), and
//     WebSocket API events (requestContext.connectionId or eventType), which
//     API Gateway sends in the REST (v1) shape.
//   - apigateway-http: HTTP API events, payload format 2.0 ("version":"2.0"
//     with requestContext) and 1.0 ("version":"1.0", which REST events never
//     carry), their Lambda-authorizer events included.
//   - function-url: the 2.0 shape whose requestContext.domainName is a
//     ".lambda-url." domain. alb: requestContext.elb.
//   - sqs, sns, s3, dynamodb, kinesis, ses: the eventSource (or EventSource)
//     of Records[0]; SNS messages carrying CloudWatch alarms are sns. Records
//     of other services (CodeCommit...) are direct.
//   - s3 also covers S3 Batch Operations jobs (invocationSchemaVersion, job,
//     tasks) and S3 Object Lambda requests (getObjectContext and the like,
//     with configuration.accessPointArn).
//   - firehose: deliveryStreamArn with records. cloudwatch-logs: awslogs.data.
//     cognito: user-pool triggers (userPoolId, triggerSource) and Cognito
//     Sync triggers (eventType "SyncTrigger"). appsync: resolver events
//     (info.parentTypeName, info.fieldName) and AppSync Lambda-authorizer
//     events (authorizationToken, requestContext.apiId). connect: Name
//     "ContactFlowEvent" (or "ContactFlowExecution") with Details. msk:
//     eventSource "aws:kafka" or "SelfManagedKafka".
//   - scheduled: source "aws.events" with detail-type "Scheduled Event";
//     eventbridge: any other event with detail-type and source.
//   - direct: everything else, Amazon MQ (ActiveMQ, RabbitMQ), IoT, Lex,
//     Config rules, Secrets Manager rotation, Kinesis Analytics outputs,
//     batched AppSync resolvers (a JSON array) and responses included.
//
// The ARN of an API Gateway route needs the API's region, which DetectEvent
// reads from requestContext.domainName (id.execute-api.REGION.amazonaws.com);
// with a custom domain name it cannot, and the resource is the route without
// the ARN prefix: "apiId/stage/METHOD/resource".
//
// The event says what it says: a caller allowed to invoke the function
// directly can send a payload of any shape, so the Actor deserves the trust
// its Assurance states only if the function's resource policy admits no
// direct invokers but the source.
func DetectEvent(payload []byte) (Event, error) {
	return detectEvent(payload, "")
}

// directEvent is the Event of a payload that tells nothing of its origin.
func directEvent() Event {
	return Event{Source: SourceDirect, Actor: Actor{Assurance: AssuranceNone}}
}

// detectEvent is DetectEvent with region, the AWS region to build API
// Gateway ARNs with when the event does not tell it ("" for none).
func detectEvent(payload []byte, region string) (Event, error) {
	doc := jsonscan.TrimSpace(payload)
	if len(doc) == 0 {
		return directEvent(), nil
	}
	var t topLevel
	if err := jsonscan.ValidateMembers(payload, t.set); err != nil {
		se, ok := err.(*jsonscan.SyntaxError)
		if !ok { // cannot happen: ValidateMembers returns nothing else
			return directEvent(), &EventError{Reason: "invalid JSON"}
		}
		return directEvent(), &EventError{Offset: se.Offset, Reason: se.Reason}
	}
	if doc[0] != '{' {
		return directEvent(), nil
	}

	b := builder{buf: make([]byte, 0, 512), region: region}
	if !b.detect(&t) {
		return directEvent(), nil
	}
	return b.event(), nil
}

// detect fills b from the top-level members of the payload, and reports
// whether it recognised a source.
func (b *builder) detect(t *topLevel) bool {
	switch {
	case isObject(t.requestContext):
		if b.requestContextEvent(t) {
			return true
		}
	case isString(t.methodArn) && (equal(t.typ, "TOKEN") || equal(t.typ, "REQUEST")):
		b.restAuthorizer(t, nil)
		return true
	}
	switch {
	case isArray(t.records) && b.recordsEvent(t.records):
	case isObject(t.awslogs) && isString(lookup(t.awslogs, "data")):
		b.source = SourceCloudWatchLogs
	case isString(t.deliveryStreamArn) && isArray(t.lowerRecords):
		b.firehose(t)
	case isString(t.userPoolID) && isString(t.triggerSource):
		b.cognitoUserPool(t)
	case equal(t.eventType, "SyncTrigger") && isString(t.identityPoolID):
		b.cognitoSync(t)
	case isObject(t.info) && isString(lookup(t.info, "fieldName")) && isString(lookup(t.info, "parentTypeName")):
		b.appSync(t)
	case (equal(t.name, "ContactFlowEvent") || equal(t.name, "ContactFlowExecution")) && isObject(t.details):
		b.connect(t)
	case equal(t.eventSource, "aws:kafka") || equal(t.eventSource, "SelfManagedKafka"):
		b.kafka(t)
	case isString(t.detailType) && isString(t.source):
		b.eventBridge(t)
	case isString(t.invocationSchemaVersion) && isArray(t.tasks) && isObject(t.job):
		b.s3Batch(t)
	case isObject(t.configuration) && t.objectContext != "":
		b.s3ObjectLambda(t)
	default:
		return false
	}
	return true
}

// topLevel holds the raw values of the top-level members that tell sources
// apart, nil when absent. When a key occurs twice the last one wins, as for
// encoding/json.
type topLevel struct {
	// API Gateway, ALB, function URLs, AppSync authorizers
	requestContext, version, typ, methodArn, routeArn, routeKey, rawPath,
	httpMethod, resource, path, authorizationToken, headers, multiValueHeaders []byte
	// Records-based sources
	records []byte
	// Firehose
	deliveryStreamArn, sourceKinesisStreamArn, lowerRecords []byte
	// CloudWatch Logs
	awslogs []byte
	// Cognito user pools and Cognito Sync
	userPoolID, triggerSource, userName, request, eventType, identityPoolID, identityID []byte
	// AppSync resolvers
	info, identity []byte
	// Amazon Connect
	name, details []byte
	// MSK and self-managed Kafka
	eventSource, eventSourceArn, bootstrapServers []byte
	// EventBridge
	detailType, source, resources, detail []byte
	// S3 Batch Operations
	invocationSchemaVersion, job, tasks []byte
	// S3 Object Lambda
	objectContext               string // "GetObject", ... from the *Context member
	configuration, userIdentity []byte
}

// set records the top-level member key: v if it is one of those of t.
func (t *topLevel) set(key, v []byte) {
	switch string(key) {
	case "requestContext":
		t.requestContext = v
	case "version":
		t.version = v
	case "type":
		t.typ = v
	case "methodArn":
		t.methodArn = v
	case "routeArn":
		t.routeArn = v
	case "routeKey":
		t.routeKey = v
	case "rawPath":
		t.rawPath = v
	case "httpMethod":
		t.httpMethod = v
	case "resource":
		t.resource = v
	case "path":
		t.path = v
	case "authorizationToken":
		t.authorizationToken = v
	case "headers":
		t.headers = v
	case "multiValueHeaders":
		t.multiValueHeaders = v
	case "Records":
		t.records = v
	case "deliveryStreamArn":
		t.deliveryStreamArn = v
	case "sourceKinesisStreamArn":
		t.sourceKinesisStreamArn = v
	case "records":
		t.lowerRecords = v
	case "awslogs":
		t.awslogs = v
	case "userPoolId":
		t.userPoolID = v
	case "triggerSource":
		t.triggerSource = v
	case "userName":
		t.userName = v
	case "request":
		t.request = v
	case "eventType":
		t.eventType = v
	case "identityPoolId":
		t.identityPoolID = v
	case "identityId":
		t.identityID = v
	case "info":
		t.info = v
	case "identity":
		t.identity = v
	case "Name":
		t.name = v
	case "Details":
		t.details = v
	case "eventSource":
		t.eventSource = v
	case "eventSourceArn":
		t.eventSourceArn = v
	case "bootstrapServers":
		t.bootstrapServers = v
	case "detail-type":
		t.detailType = v
	case "source":
		t.source = v
	case "resources":
		t.resources = v
	case "detail":
		t.detail = v
	case "invocationSchemaVersion":
		t.invocationSchemaVersion = v
	case "job":
		t.job = v
	case "tasks":
		t.tasks = v
	case "getObjectContext":
		t.objectContext = objectOperation(v, "GetObject")
	case "headObjectContext":
		t.objectContext = objectOperation(v, "HeadObject")
	case "listObjectsContext":
		t.objectContext = objectOperation(v, "ListObjects")
	case "listObjectsV2Context":
		t.objectContext = objectOperation(v, "ListObjectsV2")
	case "configuration":
		t.configuration = v
	case "userIdentity":
		t.userIdentity = v
	}
}

// objectOperation returns op if v is an object, else "".
func objectOperation(v []byte, op string) string {
	if isObject(v) {
		return op
	}
	return ""
}

// lookup returns the raw value at path in the raw JSON value v, nil if none.
func lookup(v []byte, path ...string) []byte {
	r, _ := jsonscan.Lookup(v, path...)
	return r
}

func isObject(v []byte) bool { return len(v) > 0 && v[0] == '{' }
func isArray(v []byte) bool  { return len(v) > 0 && v[0] == '[' }
func isString(v []byte) bool { return len(v) > 0 && v[0] == '"' }

// equal reports whether v is a JSON string equal to s.
func equal(v []byte, s string) bool { return jsonscan.EqualString(v, s) }

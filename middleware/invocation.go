package middleware

import (
	"context"
	"time"
)

// Invocation describes one invocation of the function: what Lambda says of
// it, what its payload says of its origin, and how big it was. [Metadata]
// builds it before the rest of the chain runs; controls read it with
// [FromContext]. Fields set after the handler returns (ResponseSize) are
// written only by the middleware that owns them, before it returns.
type Invocation struct {
	RequestID          string    // Lambda request id
	InvokedFunctionARN string    // ARN the caller invoked, alias or version included
	FunctionName       string    // AWS_LAMBDA_FUNCTION_NAME
	FunctionVersion    string    // AWS_LAMBDA_FUNCTION_VERSION
	Region             string    // AWS_REGION
	AccountID          string    // from the invoked ARN
	MemoryMB           int       // AWS_LAMBDA_FUNCTION_MEMORY_SIZE
	LogGroup           string    // AWS_LAMBDA_LOG_GROUP_NAME
	LogStream          string    // AWS_LAMBDA_LOG_STREAM_NAME
	ColdStart          bool      // first invocation of this execution environment
	InitType           string    // AWS_LAMBDA_INITIALIZATION_TYPE: on-demand, provisioned-concurrency, snap-start
	TenantID           string    // tenant of a multi-tenant function, if any
	MaxConcurrency     int       // invocations this process may run at once
	TraceHeader        string    // X-Amzn-Trace-Id of the invocation
	Start              time.Time // when the invocation reached the wrapper
	Deadline           time.Time // Lambda's deadline; zero if none

	// Source is the event source that sent the payload, [SourceDirect] when
	// none was recognised.
	Source Source
	// Resources are the ARNs (or, where the event carries no ARN, the names)
	// of the resources the event came from: queue, topic, table, stream,
	// bucket, API route.
	Resources []string
	// Operation is what the event asks for, where the source carries it:
	// "GET /orders/{id}" for an API, the trigger of a Cognito event, the
	// detail-type of an EventBridge event.
	Operation string
	// Actor is who caused the invocation, as far as the event tells.
	Actor Actor
	// EventErr is the error the event-source detection met, if any (a
	// malformed payload). The payload still reaches the handler unchanged.
	EventErr error

	RequestSize  int // payload bytes
	ResponseSize int // response bytes, once the handler has returned
}

// Source names the event source of an invocation.
type Source string

// The event sources [DetectEvent] recognises.
const (
	SourceAPIGatewayREST Source = "apigateway-rest"
	SourceAPIGatewayHTTP Source = "apigateway-http"
	SourceALB            Source = "alb"
	SourceFunctionURL    Source = "function-url"
	SourceSQS            Source = "sqs"
	SourceSNS            Source = "sns"
	SourceEventBridge    Source = "eventbridge"
	SourceScheduled      Source = "scheduled"
	SourceS3             Source = "s3"
	SourceDynamoDB       Source = "dynamodb"
	SourceKinesis        Source = "kinesis"
	SourceFirehose       Source = "firehose"
	SourceCloudWatchLogs Source = "cloudwatch-logs"
	SourceCognito        Source = "cognito"
	SourceSES            Source = "ses"
	SourceAppSync        Source = "appsync"
	SourceConnect        Source = "connect"
	SourceMSK            Source = "msk"
	SourceDirect         Source = "direct" // nothing recognised: a direct Invoke or an unknown source
)

// Assurance says how the identity of an [Actor] was established.
type Assurance string

// The assurance levels of an Actor, strongest first.
const (
	// AssuranceSigV4: AWS authenticated the caller's SigV4 signature (IAM auth).
	AssuranceSigV4 Assurance = "aws_sigv4"
	// AssuranceAuthorizerVerified: an authorizer (Cognito, JWT, Lambda
	// authorizer) verified the caller before the function ran.
	AssuranceAuthorizerVerified Assurance = "authorizer_verified"
	// AssuranceServiceAsserted: an AWS service states who sent the data (SQS
	// SenderId, S3 principal, CloudTrail userIdentity).
	AssuranceServiceAsserted Assurance = "service_asserted"
	// AssuranceClientAsserted: the client says who it is, and nobody checked
	// (unverified headers such as ALB's x-amzn-oidc-identity).
	AssuranceClientAsserted Assurance = "client_asserted"
	// AssuranceNone: the event carries no caller identity.
	AssuranceNone Assurance = "none"
)

// Actor is the caller of an invocation as the event describes it. Empty
// fields are unknown. The function's own execution role is never the actor.
type Actor struct {
	UserARN     string // IAM principal ARN
	AccountID   string // AWS account of the caller
	AccessKeyID string // access key the request was signed with
	PrincipalID string // IAM principal id, SQS SenderId, S3 principalId, Lambda-authorizer principal
	Subject     string // JWT / Cognito sub claim
	Issuer      string // JWT / Cognito iss claim
	Username    string // cognito:username, username or similar claim
	SourceIP    string // network address the request came from
	UserAgent   string // client's User-Agent
	Assurance   Assurance
}

type invocationKey struct{}

// NewContext returns a copy of ctx that carries inv.
func NewContext(ctx context.Context, inv *Invocation) context.Context {
	return context.WithValue(ctx, invocationKey{}, inv)
}

// FromContext returns the Invocation carried by ctx, if any.
func FromContext(ctx context.Context) (*Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(*Invocation)
	return inv, ok
}

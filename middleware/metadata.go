package middleware

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Environment is what the Lambda execution environment says of the function,
// read once at cold start. [EnvironmentFromOS] reads it from the process
// environment.
type Environment struct {
	FunctionName    string // AWS_LAMBDA_FUNCTION_NAME
	FunctionVersion string // AWS_LAMBDA_FUNCTION_VERSION
	Region          string // AWS_REGION, else AWS_DEFAULT_REGION
	MemoryMB        int    // AWS_LAMBDA_FUNCTION_MEMORY_SIZE
	LogGroup        string // AWS_LAMBDA_LOG_GROUP_NAME
	LogStream       string // AWS_LAMBDA_LOG_STREAM_NAME
	InitType        string // AWS_LAMBDA_INITIALIZATION_TYPE
	MaxConcurrency  int    // AWS_LAMBDA_MAX_CONCURRENCY, at least 1
}

// EnvironmentFromOS reads the [Environment] from the process environment.
func EnvironmentFromOS() Environment {
	mem, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
	conc, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY"))
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	return Environment{
		FunctionName:    os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		FunctionVersion: os.Getenv("AWS_LAMBDA_FUNCTION_VERSION"),
		Region:          region,
		MemoryMB:        mem,
		LogGroup:        os.Getenv("AWS_LAMBDA_LOG_GROUP_NAME"),
		LogStream:       os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME"),
		InitType:        os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE"),
		MaxConcurrency:  max(conc, 1),
	}
}

// Metadata returns a middleware that describes every invocation: it builds
// an [Invocation] from env, the Lambda context in ctx and the payload, and
// hands next a context that carries it ([FromContext]). The first invocation
// through the middleware is the cold start. After next returns, it records
// the response size.
//
// The trace header is read from the context value "x-amzn-trace-id" (set by
// aws-lambda-go for every invocation, the only place it is under
// multi-concurrency), then from _X_AMZN_TRACE_ID.
func Metadata(env Environment) Middleware {
	return func(next Handler) Handler {
		var warm atomic.Bool
		return HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			inv := &Invocation{
				FunctionName:    env.FunctionName,
				FunctionVersion: env.FunctionVersion,
				Region:          env.Region,
				MemoryMB:        env.MemoryMB,
				LogGroup:        env.LogGroup,
				LogStream:       env.LogStream,
				InitType:        env.InitType,
				MaxConcurrency:  env.MaxConcurrency,
				ColdStart:       !warm.Swap(true),
				TraceHeader:     traceHeader(ctx),
				Start:           time.Now(),
				RequestSize:     len(payload),
			}
			if lc, ok := lambdacontext.FromContext(ctx); ok {
				inv.RequestID = lc.AwsRequestID
				inv.InvokedFunctionARN = lc.InvokedFunctionArn
				inv.TenantID = lc.TenantID
				inv.AccountID, inv.Region = arnAccountRegion(lc.InvokedFunctionArn, inv.Region)
			}
			if d, ok := ctx.Deadline(); ok {
				inv.Deadline = d
			}
			ev, err := detectEvent(payload, inv.Region)
			inv.Source, inv.Resources, inv.Operation, inv.Actor, inv.EventErr = ev.Source, ev.Resources, ev.Operation, ev.Actor, err
			resp, err := next.Invoke(NewContext(ctx, inv), payload)
			inv.ResponseSize = len(resp)
			return resp, err
		})
	}
}

// traceHeaderKey is the plain string key under which aws-lambda-go stores the
// trace header in every invocation's context.
const traceHeaderKey = "x-amzn-trace-id"

func traceHeader(ctx context.Context) string {
	if h, ok := ctx.Value(traceHeaderKey).(string); ok && h != "" {
		return h
	}
	return os.Getenv("_X_AMZN_TRACE_ID")
}

// arnAccountRegion returns the account and region of an ARN
// (arn:partition:service:region:account:...); region falls back to def.
func arnAccountRegion(arn, def string) (account, region string) {
	var f [6]string // arn, partition, service, region, account, resource
	for i := range 5 {
		var ok bool
		if f[i], arn, ok = strings.Cut(arn, ":"); !ok {
			return "", def
		}
	}
	if f[0] != "arn" {
		return "", def
	}
	if region = f[3]; region == "" {
		region = def
	}
	return f[4], region
}

// TraceID returns the trace id of an X-Ray trace header
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...;Sampled=1") in W3C
// form, 32 lower-case hex digits ("5759e988bd862e3fe1be46a994272793"), or ""
// when the header has no well-formed root.
func TraceID(header string) string {
	for part := range strings.SplitSeq(header, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k != "Root" {
			continue
		}
		// 1-8hex-24hex
		if len(v) != 35 || v[0] != '1' || v[1] != '-' || v[10] != '-' {
			return ""
		}
		id := v[2:10] + v[11:]
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return ""
			}
		}
		return id
	}
	return ""
}

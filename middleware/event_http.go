package middleware

import (
	"bytes"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// This file recognises the HTTP-shaped sources: API Gateway REST (v1 shape,
// WebSocket and authorizers included), HTTP APIs, function URLs, ALB, and the
// AppSync Lambda authorizer, which all carry a requestContext.

// requestContext holds the raw members of an event's requestContext that the
// HTTP sources use.
type requestContext struct {
	elb, apiID, accountID, stage, domainName, http, identity, authorizer,
	resourcePath, httpMethod, routeKey, eventType, connectionID, operationName []byte
}

func (rc *requestContext) scan(obj []byte) {
	it := jsonscan.NewObjectIter(obj)
	for it.Next() {
		v := it.Value()
		switch string(it.Key()) {
		case "elb":
			rc.elb = v
		case "apiId":
			rc.apiID = v
		case "accountId":
			rc.accountID = v
		case "stage":
			rc.stage = v
		case "domainName":
			rc.domainName = v
		case "http":
			rc.http = v
		case "identity":
			rc.identity = v
		case "authorizer":
			rc.authorizer = v
		case "resourcePath":
			rc.resourcePath = v
		case "httpMethod":
			rc.httpMethod = v
		case "routeKey":
			rc.routeKey = v
		case "eventType":
			rc.eventType = v
		case "connectionId":
			rc.connectionID = v
		case "operationName":
			rc.operationName = v
		}
	}
}

// requestContextEvent recognises the events that carry a requestContext.
func (b *builder) requestContextEvent(t *topLevel) bool {
	var rc requestContext
	rc.scan(t.requestContext)
	switch {
	case isObject(rc.elb):
		b.alb(t, &rc)
	case equal(t.version, "2.0") && isString(rc.domainName) && bytes.Contains(rc.domainName, []byte(".lambda-url.")):
		b.functionURL(t, &rc)
	case equal(t.version, "2.0") || equal(t.version, "1.0"):
		// REST events carry no version; HTTP APIs send payload formats
		// 2.0 and 1.0, and so do their Lambda authorizers.
		b.httpAPI(t, &rc)
	case isString(t.authorizationToken) && isString(rc.apiID) && t.methodArn == nil && t.typ == nil:
		b.appSyncAuthorizer(&rc)
	case isString(t.methodArn) && (equal(t.typ, "REQUEST") || equal(t.typ, "TOKEN")):
		b.restAuthorizer(t, &rc)
	case isString(rc.connectionID) || isString(rc.eventType):
		b.webSocket(t, &rc)
	case isString(t.httpMethod) || isString(rc.httpMethod):
		b.restAPI(t, &rc)
	default:
		return false
	}
	return true
}

// restAPI: an API Gateway REST proxy event.
func (b *builder) restAPI(t *topLevel, rc *requestContext) {
	b.source = SourceAPIGatewayREST
	method := b.first(rc.httpMethod, t.httpMethod)
	tmpl := b.first(rc.resourcePath, t.resource)
	b.op = b.join(method, " ", tmpl)
	b.resource(b.apiARN(rc, b.join(method, "", tmpl)))
	b.apiActor(rc)
}

// webSocket: an API Gateway WebSocket event, in the REST shape; its route
// is the routeKey ($connect, $disconnect, $default or a custom route).
func (b *builder) webSocket(t *topLevel, rc *requestContext) {
	b.source = SourceAPIGatewayREST
	route := b.first(rc.routeKey, t.routeKey)
	b.op = route
	b.resource(b.apiARN(rc, route))
	b.apiActor(rc)
}

// restAuthorizer: a REST API Lambda-authorizer event, TOKEN (no
// requestContext: rc is nil) or REQUEST. The caller is what the authorizer
// is about to judge, so only the network facts are kept.
func (b *builder) restAuthorizer(t *topLevel, rc *requestContext) {
	b.source = SourceAPIGatewayREST
	arn := b.str(t.methodArn)
	b.resource(arn)
	if rc != nil {
		b.op = b.join(b.first(rc.httpMethod, t.httpMethod), " ", b.first(rc.resourcePath, t.resource))
		b.networkActor(rc)
	}
	if b.op.empty() {
		b.op = b.methodFromARN(arn)
	}
}

// methodFromARN returns "METHOD /path" from the method ARN of an
// authorizer event (arn:aws:execute-api:region:account:api/stage/METHOD/path).
func (b *builder) methodFromARN(arn span) span {
	s := b.bytes(arn)
	for range 5 {
		i := bytes.IndexByte(s, ':')
		if i < 0 {
			return span{}
		}
		s = s[i+1:]
	}
	// s is api/stage/METHOD/path
	for range 2 {
		i := bytes.IndexByte(s, '/')
		if i < 0 {
			return span{}
		}
		s = s[i+1:]
	}
	method, path, _ := bytes.Cut(s, []byte("/"))
	if len(method) == 0 {
		return span{}
	}
	off := b.start()
	b.buf = append(b.buf, method...)
	b.add(" /")
	b.buf = append(b.buf, path...)
	return b.end(off)
}

// httpAPI: an HTTP API event, payload format 2.0 or 1.0, or the event of an
// HTTP API Lambda authorizer.
func (b *builder) httpAPI(t *topLevel, rc *requestContext) {
	b.source = SourceAPIGatewayHTTP
	route := b.first(t.routeKey, rc.routeKey)
	if route.empty() {
		route = b.join(b.first(rc.httpMethod, t.httpMethod), " ", b.first(rc.resourcePath, t.resource))
	}
	b.op = route
	if equal(t.typ, "REQUEST") && (isString(t.routeArn) || isString(t.methodArn)) {
		b.resource(b.first(t.routeArn, t.methodArn))
		b.networkActor(rc)
		return
	}
	// In an execute-api ARN the route "GET /pets" is "GET/pets".
	r := b.bytes(route)
	if i := bytes.IndexByte(r, ' '); i > 0 {
		route = b.join(span{route.off, route.off + i}, "", span{route.off + i + 1, route.end})
	}
	b.resource(b.apiARN(rc, route))
	b.apiActor(rc)
}

// functionURL: a Lambda function URL request. Its resource is the URL's
// domain name; the caller is known only with AuthType AWS_IAM.
func (b *builder) functionURL(t *topLevel, rc *requestContext) {
	b.source = SourceFunctionURL
	b.resourceValue(rc.domainName)
	b.op = b.join(b.str(lookup(rc.http, "method")), " ", b.first(t.rawPath, lookup(rc.http, "path")))
	b.apiActor(rc)
}

// appSyncAuthorizer: the event of an AppSync Lambda authorizer. The token is
// what the function is about to judge (and a secret): it names no caller.
func (b *builder) appSyncAuthorizer(rc *requestContext) {
	b.source = SourceAppSync
	b.op = b.str(rc.operationName)
	apiID := b.str(rc.apiID)
	account := b.str(rc.accountID)
	if b.region == "" || account.empty() {
		b.resource(apiID)
		return
	}
	off := b.start()
	b.add("arn:")
	b.add(partition(b.region, false))
	b.add(":appsync:")
	b.add(b.region)
	b.add(":")
	b.addSpan(account)
	b.add(":apis/")
	b.addSpan(apiID)
	b.resource(b.end(off))
}

// apiARN returns the execute-api ARN of route on the API of rc,
// arn:PARTITION:execute-api:REGION:ACCOUNT:API/STAGE/ROUTE, or, when region
// or account is unknown, API/STAGE/ROUTE. Without an API id it returns an
// empty span.
func (b *builder) apiARN(rc *requestContext, route span) span {
	apiID := b.str(rc.apiID)
	if apiID.empty() {
		return span{}
	}
	stage := b.str(rc.stage)
	account := b.str(rc.accountID)
	domain := b.str(rc.domainName)
	region, china := regionOfDomain(b.bytes(domain))
	off := b.start()
	if !account.empty() {
		switch {
		case region != nil:
			b.add("arn:")
			b.add(partition(string(region), china))
			b.add(":execute-api:")
			b.buf = append(b.buf, region...)
			b.add(":")
			b.addSpan(account)
			b.add(":")
		case b.region != "":
			b.add("arn:")
			b.add(partition(b.region, false))
			b.add(":execute-api:")
			b.add(b.region)
			b.add(":")
			b.addSpan(account)
			b.add(":")
		}
	}
	b.addSpan(apiID)
	b.add("/")
	b.addSpan(stage)
	b.add("/")
	b.addSpan(route)
	return b.end(off)
}

// regionOfDomain returns the region of an API Gateway or function URL
// domain name (API.execute-api.REGION.amazonaws.com,
// ID.lambda-url.REGION.on.aws), nil if it names none, and whether it is in
// the China partition (amazonaws.com.cn).
func regionOfDomain(d []byte) (region []byte, china bool) {
	for _, marker := range []string{".execute-api.", ".lambda-url."} {
		i := bytes.Index(d, []byte(marker))
		if i < 0 {
			continue
		}
		rest := d[i+len(marker):]
		j := bytes.IndexByte(rest, '.')
		if j <= 0 || !validRegion(rest[:j]) {
			return nil, false
		}
		return rest[:j], bytes.HasSuffix(rest[j:], []byte(".amazonaws.com.cn"))
	}
	return nil, false
}

// validRegion reports whether r looks like an AWS region name.
func validRegion(r []byte) bool {
	dash := false
	for _, c := range r {
		switch {
		case c == '-':
			dash = true
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return dash
}

// partition returns the AWS partition of region.
func partition(region string, china bool) string {
	switch {
	case china || hasPrefix(region, "cn-"):
		return "aws-cn"
	case hasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case hasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case hasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	case hasPrefix(region, "us-iso-"):
		return "aws-iso"
	case hasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case hasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// networkActor records where the request came from (requestContext.http of
// the 2.0 shape, requestContext.identity of the 1.0 shape), without a caller
// identity.
func (b *builder) networkActor(rc *requestContext) {
	b.actor.sourceIP = b.first(lookup(rc.http, "sourceIp"), lookup(rc.identity, "sourceIp"))
	b.actor.userAgent = b.first(lookup(rc.http, "userAgent"), lookup(rc.identity, "userAgent"))
}

// apiActor records the caller of an API Gateway or function URL request,
// from the first of: IAM authentication (requestContext.authorizer.iam, or
// requestContext.identity with a userArn or an accessKey): aws_sigv4; JWT or
// Cognito claims (authorizer.jwt.claims, authorizer.claims):
// authorizer_verified; a Lambda authorizer (authorizer.lambda,
// authorizer.principalId): authorizer_verified; else none. The source IP and
// user agent are kept in every case.
func (b *builder) apiActor(rc *requestContext) {
	var f [7][]byte
	jsonscan.Pick(rc.identity, identityKeys, f[:])
	userArn, accountID, accessKey, caller, user, sourceIP, userAgent := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
	jsonscan.Pick(rc.authorizer, authorizerKeys, f[:])
	iam, jwt, claims, lambda, principalID := f[0], f[1], f[2], f[3], f[4]
	a := &b.actor
	a.sourceIP = b.first(lookup(rc.http, "sourceIp"), sourceIP)
	a.userAgent = b.first(lookup(rc.http, "userAgent"), userAgent)

	if isObject(iam) { // HTTP API and function URL IAM authorization
		jsonscan.Pick(iam, iamKeys, f[:])
		userArn, accountID, accessKey, caller, user = f[0], f[1], f[2], f[3], f[4]
	}
	a.userARN = b.str(userArn)
	a.accessKeyID = b.str(accessKey)
	if !a.userARN.empty() || !a.accessKeyID.empty() {
		a.accountID = b.str(accountID)
		a.principalID = b.first(caller, user)
		b.assurance = AssuranceSigV4
		return
	}

	if isObject(jwt) {
		claims = lookup(jwt, "claims")
	}
	if isObject(claims) {
		jsonscan.Pick(claims, claimKeys, f[:])
		sub, iss, cognitoUsername, username := f[0], f[1], f[2], f[3]
		a.subject = b.str(sub)
		a.issuer = b.str(iss)
		a.username = b.first(cognitoUsername, username)
		b.assurance = AssuranceAuthorizerVerified
		return
	}

	if isObject(lambda) || isString(principalID) {
		a.principalID = b.first(lookup(lambda, "principalId"), principalID)
		b.assurance = AssuranceAuthorizerVerified
	}
}

// The members apiActor reads, in the order it unpacks them.
var (
	identityKeys   = []string{"userArn", "accountId", "accessKey", "caller", "user", "sourceIp", "userAgent"}
	authorizerKeys = []string{"iam", "jwt", "claims", "lambda", "principalId"}
	iamKeys        = []string{"userArn", "accountId", "accessKey", "callerId", "userId"}
	claimKeys      = []string{"sub", "iss", "cognito:username", "username"}
)

// alb: an Application Load Balancer request. The caller is known only from
// the x-amzn-oidc-identity header, which ALB's authentication sets but which
// nothing here verifies: client_asserted. The source IP is the last entry of
// X-Forwarded-For, the address ALB itself saw; entries before it are
// whatever the client sent.
func (b *builder) alb(t *topLevel, rc *requestContext) {
	b.source = SourceALB
	b.resourceValue(lookup(rc.elb, "targetGroupArn"))
	b.op = b.join(b.str(t.httpMethod), " ", b.str(t.path))

	var oidc, xff, ua []byte
	it := jsonscan.NewObjectIter(t.headers)
	for it.Next() {
		k := it.Key()
		switch {
		case equalFold(k, "x-amzn-oidc-identity"):
			oidc = it.Value()
		case equalFold(k, "x-forwarded-for"):
			xff = it.Value()
		case equalFold(k, "user-agent"):
			ua = it.Value()
		}
	}
	if oidc == nil && xff == nil && ua == nil {
		it = jsonscan.NewObjectIter(t.multiValueHeaders)
		for it.Next() {
			k := it.Key()
			switch {
			case equalFold(k, "x-amzn-oidc-identity"):
				oidc = firstElement(it.Value())
			case equalFold(k, "x-forwarded-for"):
				xff = lastElement(it.Value())
			case equalFold(k, "user-agent"):
				ua = firstElement(it.Value())
			}
		}
	}
	a := &b.actor
	a.subject = b.str(oidc)
	if !a.subject.empty() {
		b.assurance = AssuranceClientAsserted
	}
	a.sourceIP = b.lastForwarded(b.str(xff))
	a.userAgent = b.str(ua)
}

// lastForwarded returns the last address of an X-Forwarded-For value.
func (b *builder) lastForwarded(xff span) span {
	s := b.bytes(xff)
	i := bytes.LastIndexByte(s, ',') + 1
	start, end := i, len(s)
	for start < end && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	return span{xff.off + start, xff.off + end}
}

// firstElement returns the first element of a raw JSON array, nil if none.
func firstElement(arr []byte) []byte {
	it := jsonscan.NewArrayIter(arr)
	if it.Next() {
		return it.Value()
	}
	return nil
}

// lastElement returns the last element of a raw JSON array, nil if none.
func lastElement(arr []byte) []byte {
	var last []byte
	it := jsonscan.NewArrayIter(arr)
	for it.Next() {
		last = it.Value()
	}
	return last
}

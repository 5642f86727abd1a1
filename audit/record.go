package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lambda-compliance/compliance/middleware"
)

// The OCSF schema the records follow.
const (
	// SchemaVersion is the OCSF schema version in each record's metadata.
	SchemaVersion = "1.5.0"

	classAPIActivity      = 6003 // API Activity, category 6 Application Activity
	classEventLogActivity = 1008 // Event Log Activity, category 1 System Activity

	activityCreate = 1
	activityRead   = 2
	activityUpdate = 3
	activityDelete = 4
	activityOther  = 99

	activityLogStart = 6 // Event Log Activity: Start
	activityLogStop  = 7 // Event Log Activity: Stop

	severityInformational = 1
	severityLow           = 2
	severityMedium        = 3

	defaultProduct = "lambda-compliance"
	vendorName     = "lambda-compliance"
	logProvider    = "lambda-compliance audit"
)

var activityNames = map[int]string{
	activityCreate: "Create", activityRead: "Read", activityUpdate: "Update",
	activityDelete: "Delete", activityOther: "Other",
}

// activityOf maps the HTTP method of an operation such as "GET /orders/{id}"
// to an API Activity activity_id: POST creates, GET and HEAD read, PUT and
// PATCH update, DELETE deletes; anything else, or no method, is Other (99).
func activityOf(op string) (id int, method, path string) {
	m, rest, ok := strings.Cut(op, " ")
	if !ok || !strings.HasPrefix(rest, "/") {
		return activityOther, "", ""
	}
	path = rest
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i] // never a query string
	}
	switch m {
	case "POST":
		return activityCreate, m, path
	case "GET", "HEAD":
		return activityRead, m, path
	case "PUT", "PATCH":
		return activityUpdate, m, path
	case "DELETE":
		return activityDelete, m, path
	case "OPTIONS", "CONNECT", "TRACE", "ANY":
		return activityOther, m, path
	}
	return activityOther, "", ""
}

// severityOf maps an outcome to an OCSF severity_id: a success is
// Informational (1), a handler error Low (2), a panic or a timeout Medium
// (3): they signal a defect or an exhausted resource rather than a refused
// request.
func severityOf(o Outcome) (int, string) {
	switch o {
	case OutcomeSuccess:
		return severityInformational, "Informational"
	case OutcomeFailure:
		return severityLow, "Low"
	default:
		return severityMedium, "Medium"
	}
}

// httpLike reports whether a source delivers HTTP requests.
func httpLike(s middleware.Source) bool {
	switch s {
	case middleware.SourceAPIGatewayREST, middleware.SourceAPIGatewayHTTP,
		middleware.SourceALB, middleware.SourceFunctionURL:
		return true
	}
	return false
}

// str returns s as valid UTF-8, so that every record has a canonical form.
func str(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// put sets m[k] = s when s is not empty.
func put(m map[string]any, k, s string) {
	if s != "" {
		m[k] = str(s)
	}
}

// traceRoot returns the Root of an X-Amzn-Trace-Id header, or the W3C
// trace-id of a traceparent, the part of a trace header that identifies the
// trace (and nothing else of the header).
func traceRoot(h string) string {
	for part := range strings.SplitSeq(h, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Root="); ok {
			return v
		}
	}
	if f := strings.Split(h, "-"); len(f) == 4 && len(f[1]) == 32 {
		return f[1]
	}
	return ""
}

// resourceType names the kind of resource an ARN designates ("sqs",
// "dynamodb", ...), or the event source for plain names.
func resourceType(uid string, src middleware.Source) string {
	if rest, ok := strings.CutPrefix(uid, "arn:"); ok {
		f := strings.SplitN(rest, ":", 4)
		if len(f) >= 2 && f[1] != "" {
			return f[1]
		}
	}
	return string(src)
}

// arnParts returns the region and account of an ARN.
func arnParts(arn string) (region, account string) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 5 || f[0] != "arn" {
		return "", ""
	}
	return f[3], f[4]
}

func productOf(cfg *Config) map[string]any {
	p := map[string]any{"name": defaultProduct, "vendor_name": vendorName}
	put(p, "name", cfg.Product)
	put(p, "version", cfg.Version)
	return p
}

func cloudOf(region, account string) map[string]any {
	c := map[string]any{"provider": "AWS"}
	put(c, "region", region)
	if account != "" {
		c["account"] = map[string]any{"uid": str(account), "type": "AWS Account", "type_id": 10}
	}
	return c
}

// digest returns the hex HMAC-SHA256 of payload under key.
func digest(key, payload []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// errorTypeOf returns the Go type name of err, never its message.
func errorTypeOf(err error) string {
	if err == nil {
		return ""
	}
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// enc writes canonical JSON directly: callers write the members of each
// object in RFC 8785 order (tests check the output is canonical).
type enc struct {
	b []byte
	n []int // members written, per open object
}

func (e *enc) open() {
	e.b = append(e.b, '{')
	e.n = append(e.n, 0)
}

func (e *enc) close() {
	e.b = append(e.b, '}')
	e.n = e.n[:len(e.n)-1]
}

func (e *enc) key(k string) {
	if e.n[len(e.n)-1] > 0 {
		e.b = append(e.b, ',')
	}
	e.n[len(e.n)-1]++
	e.b = append(e.b, '"')
	e.b = append(e.b, k...) // keys are ASCII names that need no escaping
	e.b = append(e.b, '"', ':')
}

// str writes a string member, unless v is empty.
func (e *enc) str(k, v string) {
	if v != "" {
		e.key(k)
		e.b = appendString(e.b, str(v))
	}
}

func (e *enc) int(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *enc) bool(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

func (e *enc) object(k string) {
	e.key(k)
	e.open()
}

func (e *enc) raw(k string, v []byte) {
	e.key(k)
	e.b = append(e.b, v...)
}

func (e *enc) account(k, uid string) {
	if uid == "" {
		return
	}
	e.object(k)
	e.str("type", "AWS Account")
	e.int("type_id", 10)
	e.str("uid", uid)
	e.close()
}

func (e *enc) cloud(region, account string) {
	e.object("cloud")
	e.account("account", account)
	e.str("provider", "AWS")
	e.str("region", region)
	e.close()
}

// apiRecord encodes the API Activity record of ev, without its attestation,
// as canonical JSON; the attestation member belongs at split (after "api").
//
// What goes where (OCSF 1.5.0, class 6003 API Activity):
//   - activity_id from the HTTP method of Invocation.Operation (see
//     activityOf); type_uid = 600300 + activity_id;
//   - time (= end_time), start_time, end_time in ms since the epoch,
//     duration in ms; severity_id per severityOf;
//   - status / status_id: Success (1) or Failure (2); status_code: the
//     Outcome; status_detail: the error's Go type name, never its message;
//   - metadata: product, schema version, uid (= the Lambda request id),
//     correlation_uid (the trace id), log_name (log group), log_provider,
//     profiles ["cloud", "record_integrity"];
//   - actor.user: uid (user ARN, else principal id, else subject), uid_alt
//     (the subject, or the principal id, when uid is not it), name
//     (username), credential_uid (access key id), account.uid;
//     actor.idp.name: the token issuer;
//   - api: operation (method and route, never a query string),
//     service.name (the event source), request.uid;
//   - src_endpoint: ip and svc_name (the event source);
//   - http_request (HTTP sources, or with a user agent): http_method,
//     url.path (the route or path, never a query string), user_agent;
//   - resources: uid (ARN or name) and type (the ARN's service, else the
//     event source);
//   - cloud: provider AWS, region, account.uid;
//   - unmapped: actor_assurance (how the actor was established: aws_sigv4,
//     authorizer_verified, service_asserted, client_asserted, none),
//     function {arn, name, version, memory_mb, cold_start, init_type,
//     log_group, log_stream, max_concurrency}, tenant_uid, request_size,
//     response_size, event_error_type (a Go type name), payload_digests
//     {algorithm "hmac-sha256", reproducible, request, response: hex} and
//     redactions (finding type → count).
//
// No payload content is written: payloads only enter keyed digests.
func (c *Chain) apiRecord(e *enc, ev *Event) (split int) {
	inv := ev.Invocation
	if inv == nil {
		inv = &middleware.Invocation{}
	}
	activity, method, path := activityOf(inv.Operation)
	sev, sevName := severityOf(ev.Outcome)
	end := ev.End
	if end.IsZero() {
		end = c.now()
	}
	start := inv.Start
	if start.IsZero() {
		start = end
	}
	endMs, startMs := end.UnixMilli(), start.UnixMilli()
	a := &inv.Actor
	src := inv.Source
	if src == "" {
		src = middleware.SourceDirect
	}

	e.open()
	e.int("activity_id", int64(activity))
	e.str("activity_name", activityNames[activity])

	e.object("actor")
	if a.Issuer != "" {
		e.object("idp")
		e.str("name", a.Issuer)
		e.close()
	}
	uid := cmpOr(a.UserARN, cmpOr(a.PrincipalID, a.Subject))
	alt := ""
	if a.Subject != "" && a.Subject != uid {
		alt = a.Subject
	} else if a.PrincipalID != "" && a.PrincipalID != uid {
		alt = a.PrincipalID
	}
	if uid != "" || a.Username != "" || a.AccessKeyID != "" || a.AccountID != "" {
		e.object("user")
		e.account("account", a.AccountID)
		e.str("credential_uid", a.AccessKeyID)
		e.str("name", a.Username)
		e.str("uid", uid)
		e.str("uid_alt", alt)
		e.close()
	}
	e.close()

	e.object("api")
	op := inv.Operation
	if method != "" {
		op = method + " " + path
	}
	e.str("operation", cmpOr(op, "Invoke"))
	if inv.RequestID != "" {
		e.object("request")
		e.str("uid", inv.RequestID)
		e.close()
	}
	e.object("service")
	e.str("name", string(src))
	e.close()
	e.close()
	split = len(e.b)

	e.str("category_name", "Application Activity")
	e.int("category_uid", 6)
	e.str("class_name", "API Activity")
	e.int("class_uid", classAPIActivity)
	region, account := inv.Region, inv.AccountID
	if region == "" || account == "" {
		ar, aa := arnParts(inv.InvokedFunctionARN)
		region, account = cmpOr(region, ar), cmpOr(account, aa)
	}
	e.cloud(region, account)
	e.int("duration", max(endMs-startMs, 0))
	e.int("end_time", endMs)
	if httpLike(src) || a.UserAgent != "" {
		if method != "" || a.UserAgent != "" {
			e.object("http_request")
			if method != "" {
				e.str("http_method", method)
				e.object("url")
				e.str("path", path)
				e.close()
			}
			e.str("user_agent", a.UserAgent)
			e.close()
		}
	}

	e.object("metadata")
	e.str("correlation_uid", traceRoot(inv.TraceHeader))
	e.str("log_name", inv.LogGroup)
	e.str("log_provider", logProvider)
	e.raw("product", c.productJSON)
	e.raw("profiles", profilesJSON)
	e.str("uid", inv.RequestID)
	e.str("version", SchemaVersion)
	e.close()

	if len(inv.Resources) > 0 {
		e.key("resources")
		e.b = append(e.b, '[')
		for i, u := range inv.Resources {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.open()
			e.str("type", cmpOr(resourceType(u, src), "unknown"))
			e.str("uid", cmpOr(u, "unknown"))
			e.close()
		}
		e.b = append(e.b, ']')
	}
	e.str("severity", sevName)
	e.int("severity_id", int64(sev))
	e.object("src_endpoint")
	e.str("ip", a.SourceIP)
	e.str("svc_name", string(src))
	e.close()
	e.int("start_time", startMs)
	if ev.Outcome == OutcomeSuccess {
		e.str("status", "Success")
		e.str("status_code", string(ev.Outcome))
		e.int("status_id", 1)
	} else {
		e.str("status", "Failure")
		e.str("status_code", cmpOr(string(ev.Outcome), "unknown"))
		e.str("status_detail", ev.ErrorType)
		e.int("status_id", 2)
	}
	e.int("time", endMs)
	e.str("type_name", "API Activity: "+activityNames[activity])
	e.int("type_uid", int64(classAPIActivity*100+activity))

	e.object("unmapped")
	e.str("actor_assurance", string(cmpOr(a.Assurance, middleware.AssuranceNone)))
	e.str("event_error_type", errorTypeOf(inv.EventErr))
	e.object("function")
	e.str("arn", cmpOr(inv.InvokedFunctionARN, c.cfg.FunctionARN))
	e.bool("cold_start", inv.ColdStart)
	e.str("init_type", inv.InitType)
	e.str("log_group", inv.LogGroup)
	e.str("log_stream", cmpOr(inv.LogStream, c.cfg.LogStream))
	if inv.MaxConcurrency > 0 {
		e.int("max_concurrency", int64(inv.MaxConcurrency))
	}
	if inv.MemoryMB > 0 {
		e.int("memory_mb", int64(inv.MemoryMB))
	}
	e.str("name", inv.FunctionName)
	e.str("version", inv.FunctionVersion)
	e.close()
	if ev.Request != nil || ev.Response != nil {
		e.object("payload_digests")
		e.str("algorithm", "hmac-sha256")
		e.bool("reproducible", c.digestReproducible)
		if ev.Request != nil {
			e.str("request", digest(c.digestKey, ev.Request))
		}
		if ev.Response != nil {
			e.str("response", digest(c.digestKey, ev.Response))
		}
		e.close()
	}
	if len(ev.Findings) > 0 {
		e.key("redactions")
		m := make(map[string]any, len(ev.Findings))
		for k, n := range ev.Findings {
			m[str(k)] = n
		}
		e.b = appendObject(e.b, m, "")
	}
	e.int("request_size", int64(inv.RequestSize))
	e.int("response_size", int64(inv.ResponseSize))
	e.str("tenant_uid", inv.TenantID)
	e.close()
	e.close()
	return split
}

var profilesJSON = []byte(`["cloud","record_integrity"]`)

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// logRecord builds an Event Log Activity record (class 1008) that starts
// (activity 6) or stops (activity 7) a chain, without its attestation. chain
// is its unmapped.chain object.
func (c *Chain) logRecord(activity int, t int64, uid string, chain map[string]any) map[string]any {
	name := "Start"
	if activity == activityLogStop {
		name = "Stop"
	}
	region, account := arnParts(c.cfg.FunctionARN)
	md := map[string]any{"product": c.product, "version": SchemaVersion, "uid": uid,
		"log_provider": logProvider, "profiles": []any{"cloud", "record_integrity"}}
	return map[string]any{
		"activity_id":   activity,
		"activity_name": name,
		"category_uid":  1,
		"category_name": "System Activity",
		"class_uid":     classEventLogActivity,
		"class_name":    "Event Log Activity",
		"type_uid":      classEventLogActivity*100 + activity,
		"type_name":     "Event Log Activity: " + name,
		"time":          t,
		"severity_id":   severityInformational,
		"severity":      "Informational",
		"status":        "Success",
		"status_id":     1,
		"log_name":      "audit chain",
		"log_provider":  logProvider,
		"metadata":      md,
		"cloud":         cloudOf(region, account),
		"unmapped":      map[string]any{"chain": chain},
	}
}

package compliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/encrypt"
	"github.com/lambda-compliance/compliance/internal/kmsclient"
	"github.com/lambda-compliance/compliance/middleware"
	"github.com/lambda-compliance/compliance/redact"
)

// WithAuditSigningKey certifies the audit chain of every execution
// environment with the asymmetric ECC_NIST_P256 AWS KMS key keyARN: one KMS
// Sign call, at the first invocation, through the AWS SDK's standard
// configuration (AWS_REGION, AWS_ENDPOINT_URL_KMS, the execution role),
// bounded by a timeout. Without it the chain is self-signed, which
// verification reports as uncertified. The environment variable
// COMPLIANCE_AUDIT_KMS_KEY_ID, when set, takes precedence. If KMS cannot
// sign, the invocation fails with an [*AuditError] (unless
// [WithAuditFailOpen]) and the next one tries again.
func WithAuditSigningKey(keyARN string) Option {
	return optionFunc(func(c *config) { c.auditKeyID = keyARN })
}

// WithAuditFailOpen lets an invocation whose audit record cannot be written
// or signed return its response anyway; the failure is logged. By default
// such an invocation fails with an [*AuditError] (fail closed). The choice
// is recorded in the chain's genesis record. COMPLIANCE_AUDIT_FAIL_OPEN
// ("true" or "false"), when set, takes precedence.
func WithAuditFailOpen() Option {
	return optionFunc(func(c *config) { c.auditFailOpen = true })
}

// WithAuditHMACKeyFromKMS authenticates audit records with HMAC-SHA256 under
// forward-evolving keys instead of signatures (see package audit), the first
// key being the data key whose KMS CiphertextBlob is ciphertext, decrypted by
// KMS at the first invocation. The blob is written in the genesis record, so
// that whoever may decrypt it can verify the chain. The environment variable
// COMPLIANCE_AUDIT_HMAC_KEY_KMS (the blob in standard base64) takes
// precedence.
func WithAuditHMACKeyFromKMS(ciphertext []byte) Option {
	return optionFunc(func(c *config) { c.auditHMACKMS = ciphertext })
}

// WithoutAudit turns the audit trail off: invocations leave no audit record.
// It is meant for tests and benchmarks, must be asked for explicitly, and the
// function says so in a WARN line at cold start.
func WithoutAudit() Option {
	return optionFunc(func(c *config) { c.noAudit = true })
}

// AuditError reports an audit record, or the audit chain, that could not be
// written or signed. The invocation fails with it instead of returning its
// response, unless [WithAuditFailOpen] is set. It carries no payload or key.
type AuditError struct {
	Reason string // what failed
	Err    error  // the underlying error: the writer's, KMS's, audit's
}

// Error returns "compliance: audit: " and the reason.
func (e *AuditError) Error() string {
	msg := "compliance: audit: " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *AuditError) Unwrap() error { return e.Err }

// auditTimeout bounds the KMS calls that start a chain.
const auditTimeout = 5 * time.Second

// auditConfig applies the COMPLIANCE_AUDIT_* variables to c.
func auditConfig(c *config) error {
	if v := strings.TrimSpace(os.Getenv("COMPLIANCE_AUDIT_KMS_KEY_ID")); v != "" {
		if !kmsKeyIDPattern.MatchString(v) {
			return &ConfigError{Var: "COMPLIANCE_AUDIT_KMS_KEY_ID", Err: fmt.Errorf("want a KMS key ARN, got %q", v)}
		}
		c.auditKeyID = v
	} else if c.auditKeyID != "" && !kmsKeyIDPattern.MatchString(c.auditKeyID) {
		return &ConfigError{Var: "WithAuditSigningKey", Err: fmt.Errorf("want a KMS key ARN, got %q", c.auditKeyID)}
	}
	if v := strings.TrimSpace(os.Getenv("COMPLIANCE_AUDIT_FAIL_OPEN")); v != "" {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			c.auditFailOpen = true
		case "false", "0", "no":
			c.auditFailOpen = false
		default:
			return &ConfigError{Var: "COMPLIANCE_AUDIT_FAIL_OPEN", Err: fmt.Errorf("want true or false, got %q", v)}
		}
	}
	if blob, err := envKMSBlob("COMPLIANCE_AUDIT_HMAC_KEY_KMS"); err != nil {
		return err
	} else if blob != nil {
		c.auditHMACKMS = blob
	}
	return nil
}

// auditor owns the audit chain of a Wrap: it starts it at the first
// invocation and writes a record per invocation.
type auditor struct {
	w        io.Writer
	logger   *zap.Logger
	r        *redact.Redactor
	keyID    string // signing key
	hmacBlob []byte // HMAC mode
	digest   []byte
	failOpen bool
	margin   time.Duration
	aws      *awsConfigSource

	chain atomic.Pointer[audit.Chain] // set once, under mu; read without it

	mu     sync.Mutex // serialises starting the chain and closing
	closed bool       // under mu
}

func newAuditor(c *config, w io.Writer, logger *zap.Logger) *auditor {
	if c.noAudit {
		return nil
	}
	a := &auditor{w: w, logger: logger, r: c.redactor, keyID: c.auditKeyID, hmacBlob: c.auditHMACKMS,
		failOpen: c.auditFailOpen, margin: c.margin, aws: c.aws}
	if len(c.redactKeyKMS) > 0 && c.redactor != nil {
		// The redaction key KMS decrypted (redactionKeyConfig): ours to clear.
		a.digest = c.redaction.HMACKey
	}
	return a
}

// getChain returns the chain, starting it if need be. Once the chain is
// started, it takes no lock.
func (a *auditor) getChain(ctx context.Context, inv *middleware.Invocation) (*audit.Chain, error) {
	if ch := a.chain.Load(); ch != nil {
		return ch, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ch := a.chain.Load(); ch != nil {
		return ch, nil
	}
	if a.closed {
		return nil, audit.ErrClosed
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	cfg := audit.Config{
		FunctionARN: functionARN(inv.InvokedFunctionARN),
		LogStream:   os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME"),
		DigestKey:   a.digest,
		FailOpen:    a.failOpen,
	}
	if cfg.FunctionARN == "" {
		cfg.FunctionARN = inv.FunctionName
	}
	if a.keyID != "" || len(a.hmacBlob) > 0 {
		awsCfg, err := a.aws.load(ctx)
		if err != nil {
			return nil, &AuditError{Reason: "loading the AWS configuration failed", Err: err}
		}
		if awsCfg.Region == "" {
			awsCfg.Region = encrypt.KeyRegion(a.keyID)
		}
		if a.keyID != "" {
			client, err := kmsclient.NewClients(awsCfg).ForKey(a.keyID)
			if err != nil {
				return nil, &AuditError{Reason: "building the KMS client failed", Err: err}
			}
			cfg.Certifier = audit.KMSCertifier(client, a.keyID)
		}
		if len(a.hmacBlob) > 0 {
			key, err := kmsclient.DecryptDataKey(ctx, awsCfg, a.hmacBlob)
			if err != nil {
				return nil, &AuditError{Reason: "decrypting the HMAC key failed", Err: err}
			}
			cfg.HMACKey, cfg.HMACKeyCiphertext = key, a.hmacBlob
		}
	}
	ch, err := audit.NewChain(ctx, a.w, cfg)
	clear(cfg.HMACKey)
	if err != nil {
		return nil, &AuditError{Reason: "starting the audit chain failed", Err: err}
	}
	// The chain keeps a copy of the digest key (the redaction key KMS
	// decrypted): ours is not needed again.
	clear(a.digest)
	a.digest = nil
	a.chain.Store(ch)
	return ch, nil
}

// functionARN returns the unqualified function ARN of an invoked ARN (without
// a version or alias).
func functionARN(invoked string) string {
	parts := strings.SplitN(invoked, ":", 8)
	if len(parts) == 8 {
		return strings.Join(parts[:7], ":")
	}
	return invoked
}

// close writes the chain's close record; without a chain, it only stops
// new ones from starting.
func (a *auditor) close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	ch := a.chain.Load()
	a.closed = true
	a.mu.Unlock()
	if ch == nil {
		return nil
	}
	if err := ch.Close(ctx); err != nil {
		return &AuditError{Reason: "writing the close record failed", Err: err}
	}
	return nil
}

// record writes the record of one invocation from a recover-protected path.
func (a *auditor) record(ctx context.Context, ev *audit.Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &AuditError{Reason: "writing the record panicked"}
		}
	}()
	ch, err := a.getChain(ctx, ev.Invocation)
	if err != nil {
		return err
	}
	if err := ch.Record(ctx, ev); err != nil {
		return &AuditError{Reason: "writing the record failed", Err: err}
	}
	return nil
}

// findingsKey is the context key of the invocation's *findingsCounter.
type findingsKey struct{}

// findingsCounter counts the redaction findings of one invocation by type.
type findingsCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (f *findingsCounter) add(fs redact.Findings) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = make(map[string]int, len(fs))
	}
	for _, x := range fs {
		f.counts[x.Type]++
	}
}

func (f *findingsCounter) snapshot() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.counts) == 0 {
		return nil
	}
	m := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		m[k] = v
	}
	return m
}

// auditing is the middleware that writes one audit record per invocation.
// It runs inside Metadata and outside DeadlineGuard: when the handler
// overruns the guard's deadline, the record (outcome "timeout") is written
// at that deadline, within the margin, and the invocation ends with a
// *middleware.TimeoutError whenever the handler returns.
func auditing(a *auditor) middleware.Middleware {
	if a == nil {
		return nil
	}
	return func(next middleware.Handler) middleware.Handler {
		return middleware.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			inv, _ := middleware.FromContext(ctx) // Metadata, just outside, always sets it
			fc := &findingsCounter{}
			ctx = context.WithValue(ctx, findingsKey{}, fc)

			var (
				done     atomic.Bool // the record is (being) written
				timedOut chan struct{}
				tErr     error
				tMargin  time.Duration
			)
			if deadline, ok := ctx.Deadline(); ok && a.margin > 0 {
				// The guard's deadline, as DeadlineGuard computes it.
				tMargin = min(a.margin, time.Until(deadline)/2)
				tctx, cancel := context.WithDeadline(ctx, deadline.Add(-tMargin))
				defer cancel()
				timedOut = make(chan struct{})
				stop := context.AfterFunc(tctx, func() {
					defer close(timedOut)
					if tctx.Err() != context.DeadlineExceeded || !done.CompareAndSwap(false, true) {
						return
					}
					tErr = a.record(ctx, &audit.Event{Invocation: inv, End: time.Now(), Outcome: audit.OutcomeTimeout,
						ErrorType: "TimeoutError", Request: payload, Findings: fc.snapshot()})
				})
				defer stop()
			}

			resp, err := next.Invoke(ctx, payload)

			if !done.CompareAndSwap(false, true) {
				// The deadline came first: its record stands.
				<-timedOut
				var te *middleware.TimeoutError
				if !errors.As(err, &te) {
					resp, err = nil, &middleware.TimeoutError{Margin: tMargin.Round(time.Millisecond)}
				}
				return a.outcome(ctx, resp, err, tErr)
			}
			inv.ResponseSize = len(resp)
			ev := &audit.Event{Invocation: inv, End: time.Now(), Request: payload, Findings: fc.snapshot()}
			var pe *middleware.PanicError
			var te *middleware.TimeoutError
			switch {
			case err == nil:
				ev.Outcome, ev.Response = audit.OutcomeSuccess, resp
				if resp == nil {
					ev.Response = []byte{}
				}
			case errors.As(err, &pe):
				// Lambda reports the panic as such even when a middleware
				// wrapped it (redactPanics unwraps it).
				ev.Outcome, ev.ErrorType = audit.OutcomePanic, errorType(pe)
			case errors.As(err, &te):
				ev.Outcome, ev.ErrorType = audit.OutcomeTimeout, errorType(err)
			default:
				ev.Outcome, ev.ErrorType = audit.OutcomeFailure, errorType(err)
			}
			return a.outcome(ctx, resp, err, a.record(ctx, ev))
		})
	}
}

// outcome decides what the invocation returns when writing its record
// failed with auditErr: fail closed replaces a response by the error,
// never the handler's own error; fail open logs it.
func (a *auditor) outcome(ctx context.Context, resp []byte, err, auditErr error) ([]byte, error) {
	if auditErr == nil {
		return resp, err
	}
	l := a.logger
	if il, ok := ctx.Value(loggerKey{}).(*invocationLogger); ok {
		l = il.get()
	} else if inv, ok := middleware.FromContext(ctx); ok {
		l = l.With(invocationFields(inv)...)
	}
	if a.failOpen {
		l.Error("audit record not written (fail-open)", zap.String("errorType", errorType(auditErr)), zap.String("errorMessage", auditErr.Error()))
		return resp, err
	}
	l.Error("audit record not written: the invocation fails", zap.String("errorType", errorType(auditErr)), zap.String("errorMessage", auditErr.Error()))
	if err != nil {
		return resp, err
	}
	return nil, auditErr
}

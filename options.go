package compliance

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.uber.org/zap/zapcore"

	"github.com/lambda-compliance/compliance/encrypt"
	"github.com/lambda-compliance/compliance/middleware"
	"github.com/lambda-compliance/compliance/redact"
)

// Option configures [Wrap] and [Start]. Options are built with the WithX
// functions of this package.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DefaultDeadlineMargin is how much of every invocation's deadline is kept
// for the controls when neither [WithDeadlineMargin] nor
// COMPLIANCE_DEADLINE_MARGIN says otherwise.
const DefaultDeadlineMargin = 500 * time.Millisecond

type config struct {
	out          io.Writer
	level        zapcore.Level
	levelSet     bool
	margin       time.Duration
	wrapCore     []func(zapcore.Core) zapcore.Core
	middlewares  []middleware.Middleware
	lambdaOpts   []lambda.Option
	env          middleware.Environment
	redaction    redact.Config
	noRedaction  bool
	redactor     *redact.Redactor   // built from redaction by newConfig
	kmsKeyIDs    []string           // WithKMSKey or COMPLIANCE_KMS_KEY_ID
	kmsKeySet    bool               // WithKMSKey was given, with key IDs or not
	redactKeyKMS []byte             // WithRedactionKeyFromKMS: the encrypted hmac key
	encryptor    *encrypt.Encryptor // WithEncryptor

	auditKeyID    string // WithAuditSigningKey or COMPLIANCE_AUDIT_KMS_KEY_ID
	auditFailOpen bool   // WithAuditFailOpen or COMPLIANCE_AUDIT_FAIL_OPEN
	auditHMACKMS  []byte // WithAuditHMACKeyFromKMS or COMPLIANCE_AUDIT_HMAC_KEY_KMS
	noAudit       bool   // WithoutAudit

	sink  zapcore.WriteSyncer // out, locked: shared by the logs and the audit records
	aws   *awsConfigSource    // the AWS SDK's configuration, loaded once for every KMS client
	noKMS bool                // the fallback logger's: the redaction key is checked, not decrypted
}

// WithOutput sets where log lines and audit records go (default os.Stdout).
// Every line is one complete JSON object written with a single Write call,
// serialised across concurrent invocations.
func WithOutput(w io.Writer) Option {
	return optionFunc(func(c *config) { c.out = w })
}

// WithLogLevel sets the level of [Logger]. It takes precedence over
// AWS_LAMBDA_LOG_LEVEL and LOG_LEVEL.
func WithLogLevel(l zapcore.Level) Option {
	return optionFunc(func(c *config) { c.level, c.levelSet = l, true })
}

// WithDeadlineMargin sets how much of every invocation's deadline is kept for
// the controls to finish (audit record, span flush) when the handler
// overruns: the handler's deadline comes d before Lambda's; see
// [middleware.DeadlineGuard]. Zero turns the guard off. The
// environment variable COMPLIANCE_DEADLINE_MARGIN, when set, takes precedence.
func WithDeadlineMargin(d time.Duration) Option {
	return optionFunc(func(c *config) { c.margin = d })
}

// WithLogCore wraps the zapcore.Core behind [Logger]: wrap receives the core
// that encodes JSON to the output and returns the core the logger writes to
// (to add a sink, a sampler or a redacting core). Several WithLogCore
// options apply in order, each wrapping the result of the one before.
func WithLogCore(wrap func(zapcore.Core) zapcore.Core) Option {
	return optionFunc(func(c *config) { c.wrapCore = append(c.wrapCore, wrap) })
}

// WithMiddleware adds middlewares of the caller's own between the controls
// and the handler; the first is the outermost. They see the invocation
// metadata ([middleware.FromContext]) and the logger ([Logger]).
func WithMiddleware(mws ...middleware.Middleware) Option {
	return optionFunc(func(c *config) { c.middlewares = append(c.middlewares, mws...) })
}

// WithRedaction sets what redaction looks for and what it does with what it
// finds, in everything the function logs through [Logger] and the standard
// log package, and in the panics it reports. Without it, every default
// detector is on and values are masked. COMPLIANCE_REDACT_SENSITIVE_KEYS (a
// comma-separated list) adds sensitive keys to whatever is set here.
func WithRedaction(c redact.Config) Option {
	return optionFunc(func(cfg *config) { cfg.redaction, cfg.noRedaction = c, false })
}

// WithoutRedaction turns redaction off: log lines are written as the handler
// wrote them, personal data and secrets included. It must be asked for
// explicitly, and the function says so in a WARN line at cold start.
func WithoutRedaction() Option {
	return optionFunc(func(cfg *config) { cfg.noRedaction = true })
}

// WithLambdaOptions passes options to lambda.NewHandlerWithOptions when
// [Wrap] builds the handler (JSON decoding and encoding options such as
// lambda.WithUseNumber). They have no effect when the handler given to Wrap
// is already a lambda.Handler.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return optionFunc(func(c *config) { c.lambdaOpts = append(c.lambdaOpts, opts...) })
}

// newConfig applies the defaults, then opts, then the environment, which
// has the last word so that operators can tighten a deployed function
// without a rebuild.
func newConfig(opts []Option) (*config, error) {
	c := &config{
		out:    os.Stdout,
		level:  zapcore.InfoLevel,
		margin: DefaultDeadlineMargin,
		env:    middleware.EnvironmentFromOS(),
		aws:    &awsConfigSource{},
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if !c.levelSet {
		for _, name := range []string{"AWS_LAMBDA_LOG_LEVEL", "LOG_LEVEL"} {
			if v := os.Getenv(name); v != "" {
				l, err := parseLevel(v)
				if err != nil {
					return nil, &ConfigError{Var: name, Err: err}
				}
				c.level = l
				break
			}
		}
	}
	if v := os.Getenv("COMPLIANCE_REDACT_SENSITIVE_KEYS"); v != "" {
		c.redaction.SensitiveKeys = slices.Clone(c.redaction.SensitiveKeys)
		for k := range strings.SplitSeq(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.redaction.SensitiveKeys = append(c.redaction.SensitiveKeys, k)
			}
		}
	}
	if err := redactionKeyConfig(c); err != nil {
		return nil, err
	}
	if !c.noRedaction {
		r, err := redact.New(c.redaction)
		if err != nil {
			return nil, err
		}
		c.redactor = r
	}
	if v := os.Getenv("COMPLIANCE_DEADLINE_MARGIN"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, &ConfigError{Var: "COMPLIANCE_DEADLINE_MARGIN", Err: fmt.Errorf("want a non-negative duration such as 500ms, got %q", v)}
		}
		c.margin = d
	}
	if err := encryptionConfig(c); err != nil {
		return nil, err
	}
	if err := auditConfig(c); err != nil {
		return nil, err
	}
	return c, nil
}

// parseLevel accepts Lambda's log levels (TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL) and zap's, in any case.
func parseLevel(s string) (zapcore.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE", "DEBUG":
		return zapcore.DebugLevel, nil
	case "INFO":
		return zapcore.InfoLevel, nil
	case "WARN", "WARNING":
		return zapcore.WarnLevel, nil
	case "ERROR":
		return zapcore.ErrorLevel, nil
	case "FATAL":
		return zapcore.FatalLevel, nil
	}
	return 0, fmt.Errorf("unknown log level %q (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)", s)
}

// ConfigError reports an environment variable, or an option, whose value
// cannot be used.
// [Wrap] returns a handler that fails every invocation with it, so that a
// misconfigured function fails loudly instead of running with weaker controls.
type ConfigError struct {
	Var string // the environment variable (or the option) at fault
	Err error  // what is wrong with it
}

// Error names the variable and the problem.
func (e *ConfigError) Error() string { return "compliance: " + e.Var + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

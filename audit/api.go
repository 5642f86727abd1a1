package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/lambda-compliance/compliance/middleware"
)

// Outcome is how an invocation ended.
type Outcome string

// The outcomes of an invocation.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure" // the handler returned an error
	OutcomePanic   Outcome = "panic"
	OutcomeTimeout Outcome = "timeout"
)

// Event is what the wrapper knows of one finished invocation: the chain turns
// it into an API Activity record.
type Event struct {
	Invocation *middleware.Invocation
	End        time.Time
	Outcome    Outcome
	ErrorType  string // the Go type name of the error Lambda reports, "" on success
	// Request and Response are the payloads, only to compute keyed digests
	// (HMAC-SHA256 under Config.DigestKey); they are never written.
	Request, Response []byte
	// Findings counts the redactions made during the invocation, by type.
	Findings map[string]int
}

// Certifier certifies the public key of a chain's genesis record: AWS KMS
// signs its digest with an asymmetric ECC_NIST_P256 key ([KMSCertifier]).
type Certifier interface {
	// Certify signs the SHA-256 digest and returns the DER signature and
	// the ARN of the key that made it.
	Certify(ctx context.Context, digest []byte) (signature []byte, keyARN string, err error)
}

// Config configures a Chain.
type Config struct {
	FunctionARN string // the function the records describe
	LogStream   string // AWS_LAMBDA_LOG_STREAM_NAME
	// Certifier certifies the genesis record; nil makes a self-signed,
	// uncertified chain.
	Certifier Certifier
	// HMACKey, when set, replaces signatures by HMAC-SHA256 under keys that
	// evolve forward one step per record (key i+1 = HMAC(key i, "next")):
	// verifiable only by whoever holds the first key. HMACKeyCiphertext is
	// that key encrypted by KMS, stored in the genesis record for them.
	HMACKey           []byte
	HMACKeyCiphertext []byte
	// DigestKey keys the digests of request and response payloads.
	DigestKey []byte
	// FailOpen records in the genesis that a record that cannot be written
	// does not fail the invocation.
	FailOpen bool
	// Product and Version name the writer in each record's metadata.
	Product, Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Status is what verification concludes about one chain.
type Status string

// The statuses of a chain, from best to worst.
const (
	StatusValid        Status = "valid"        // complete, signed, certified, terminated
	StatusUncertified  Status = "uncertified"  // valid, but the genesis key is self-signed
	StatusUnterminated Status = "unterminated" // valid so far, with no close record (a crash, a timeout, or a truncated tail)
	StatusModified     Status = "modified"     // a record's content does not match its fingerprint
	StatusForged       Status = "forged"       // a record's signature does not verify under the chain's key
	StatusDeleted      Status = "deleted"      // sequence numbers are missing
	StatusReordered    Status = "reordered"    // records out of sequence order
	StatusFork         Status = "fork"         // two different records with one sequence number
	StatusMissing      Status = "missing"      // request ids with no record (with a list of ids)
)

// VerifyError reports input the verifier cannot read at all (not a chain's
// problem, which a Report describes).
type VerifyError struct {
	Line   int
	Reason string
	Err    error // the reader's error, if any
}

// Error describes the failure; it carries no data.
func (e *VerifyError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("audit: line %d: %s: %v", e.Line, e.Reason, e.Err)
	}
	return fmt.Sprintf("audit: line %d: %s", e.Line, e.Reason)
}

// Unwrap returns the reader's error.
func (e *VerifyError) Unwrap() error { return e.Err }

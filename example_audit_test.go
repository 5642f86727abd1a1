package compliance_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambda-compliance/compliance"
	"github.com/lambda-compliance/compliance/audit"
)

// Every invocation writes one audit record to the output, in a hash chain
// that audit.Verify (or `compliance audit verify`) checks. Without a KMS
// signing key the chain is self-signed: intact, but uncertified.
func ExampleWithAuditSigningKey() {
	var out bytes.Buffer
	h := compliance.Wrap(func() (string, error) { return "ok", nil }, compliance.WithOutput(&out))
	for _, id := range []string{"r1", "r2", "r3"} {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
		h.Invoke(ctx, []byte(`{}`))
	}
	h.(*compliance.Handler).Close(context.Background()) // Start does this on SIGTERM

	rep, err := audit.Verify(context.Background(), &out, audit.VerifyOptions{RequestIDs: []string{"r1", "r2", "r3"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := rep.Chains[0]
	fmt.Println(c.Status, c.Records, c.Terminated, rep.Intact())
	// Output:
	// uncertified 5 true true
}

// Command echo is the function the tests of package lambdatest run: it
// writes one line to standard output and one to standard error, then returns
// its payload.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		fmt.Println(`{"stream":"stdout"}`)
		fmt.Fprintln(os.Stderr, "plain line on stderr")
		return in, nil
	})
}

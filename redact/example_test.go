package redact_test

import (
	"fmt"

	"github.com/lambda-compliance/compliance/redact"
)

func Example() {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic(err)
	}
	out, findings := r.String(`{"user":"jane.doe@example.com","password":1234,"orderId":"4111111111111112"}`)
	fmt.Println(out)
	fmt.Println(findings.Counts())
	// Output:
	// {"user":"[REDACTED:email]","password":"[REDACTED:secret]","orderId":"4111111111111112"}
	// map[email:1 secret:1]
}

func ExampleOperator() {
	r, _ := redact.New(redact.Config{Operators: map[string]redact.Operator{
		"credit_card": redact.Partial,
		"email":       redact.Remove,
	}})
	out, _ := r.String("card 4111 1111 1111 1111 for jane.doe@example.com")
	fmt.Println(out)
	// Output: card **** **** **** 1111 for
}

func ExampleFindings() {
	r, _ := redact.New(redact.Config{})
	_, findings := r.String("from 203.0.113.7 as jane.doe@example.com")
	for _, f := range findings {
		fmt.Println(f.Type, f.Start, f.End) // never the value
	}
	// Output:
	// ip_address 5 16
	// email 20 40
}

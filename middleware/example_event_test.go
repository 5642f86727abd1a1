package middleware_test

import (
	"errors"
	"fmt"

	"github.com/lambda-compliance/compliance/middleware"
)

func ExampleDetectEvent() {
	payload := []byte(`{
		"resource": "/orders/{id}", "path": "/orders/42", "httpMethod": "GET",
		"requestContext": {
			"accountId": "123456789012", "apiId": "a1b2c3", "stage": "prod",
			"resourcePath": "/orders/{id}", "httpMethod": "GET",
			"domainName": "a1b2c3.execute-api.eu-west-1.amazonaws.com",
			"identity": {
				"userArn": "arn:aws:iam::123456789012:user/alice", "accountId": "123456789012",
				"accessKey": "AKIAEXAMPLE", "caller": "AIDAEXAMPLE",
				"sourceIp": "203.0.113.7", "userAgent": "aws-sdk-go-v2"
			}
		},
		"body": null
	}`)
	ev, err := middleware.DetectEvent(payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Source)
	fmt.Println(ev.Operation)
	fmt.Println(ev.Resources)
	fmt.Println(ev.Actor.UserARN, ev.Actor.SourceIP, ev.Actor.Assurance)

	_, err = middleware.DetectEvent([]byte(`{"password":"hunter2"`))
	var ee *middleware.EventError
	fmt.Println(errors.As(err, &ee), err)
	// Output:
	// apigateway-rest
	// GET /orders/{id}
	// [arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod/GET/orders/{id}]
	// arn:aws:iam::123456789012:user/alice 203.0.113.7 aws_sigv4
	// true middleware: payload is not valid JSON: unexpected end of input at offset 21
}

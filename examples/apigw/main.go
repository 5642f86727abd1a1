// Command apigw is a Lambda function behind an API Gateway REST API (proxy
// integration), started with compliance.Start. It serves two routes:
//
//	POST /customers        create a customer from {"name", "email", "phone", "cardNumber"}
//	GET  /customers/{id}   read a customer
//
// and, for the demo, GET /panic, which panics.
//
// The handler logs what the caller sent, personal data included, through
// compliance.Logger: that is the kind of logging the compliance logger is
// there to make safe. A panic becomes an error with errorType "PanicError"
// and leaves the process running; a request that fails validation ends with a
// [*ValidationError], which Lambda reports with errorType "ValidationError".
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"go.uber.org/zap"

	"github.com/lambda-compliance/compliance"
)

func main() { compliance.Start(handle) }

// Customer is the resource the API serves.
type Customer struct {
	ID         string `json:"id,omitempty"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Phone      string `json:"phone,omitempty"`
	CardNumber string `json:"cardNumber,omitempty"`
}

// ValidationError reports a request body that is not a valid customer. Lambda
// reports it with errorType "ValidationError". It names the field, never its
// value.
type ValidationError struct {
	Field  string // the JSON field at fault
	Reason string // what is wrong with it
}

// Error returns "apigw: invalid FIELD: REASON".
func (e *ValidationError) Error() string { return "apigw: invalid " + e.Field + ": " + e.Reason }

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := compliance.Logger(ctx)
	log.Info("request received",
		zap.String("method", req.HTTPMethod),
		zap.String("path", req.Path),
		zap.Any("query", req.QueryStringParameters),
		zap.String("sourceIp", req.RequestContext.Identity.SourceIP))

	switch req.HTTPMethod + " " + req.Resource {
	case "POST /customers":
		var c Customer
		if err := json.Unmarshal([]byte(req.Body), &c); err != nil {
			return events.APIGatewayProxyResponse{}, &ValidationError{Field: "body", Reason: "not a JSON object"}
		}
		// Personal data in a log line: the compliance logger's business.
		log.Info("creating customer", zap.String("name", c.Name), zap.String("email", c.Email),
			zap.String("phone", c.Phone), zap.String("cardNumber", c.CardNumber))
		if err := validate(c); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		sum := sha256.Sum256([]byte(strings.ToLower(c.Email)))
		c.ID = "cus_" + hex.EncodeToString(sum[:6])
		c.CardNumber = mask(c.CardNumber)
		return respond(http.StatusCreated, c)
	case "GET /customers/{id}":
		id := req.PathParameters["id"]
		log.Info("reading customer", zap.String("customerId", id))
		return respond(http.StatusOK, Customer{ID: id, Name: "Jane Doe", Email: "jane.doe@example.com"})
	case "GET /panic":
		panic("apigw: /panic called: this is what a bug looks like")
	}
	return respond(http.StatusNotFound, map[string]string{"message": "no route for " + req.HTTPMethod + " " + req.Path})
}

func validate(c Customer) error {
	switch {
	case strings.TrimSpace(c.Name) == "":
		return &ValidationError{Field: "name", Reason: "required"}
	case !strings.Contains(c.Email, "@"):
		return &ValidationError{Field: "email", Reason: "not an e-mail address"}
	}
	return nil
}

// mask keeps the last four digits of a card number.
func mask(card string) string {
	digits := strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, card)
	if len(digits) < 4 {
		return ""
	}
	return "**** " + digits[len(digits)-4:]
}

func respond(status int, v any) (events.APIGatewayProxyResponse, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

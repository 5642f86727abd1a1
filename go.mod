module github.com/lambda-compliance/compliance

go 1.26

require (
	github.com/aws/aws-lambda-go v1.55.1
	go.uber.org/zap v1.28.0
)

require go.uber.org/multierr v1.10.0 // indirect

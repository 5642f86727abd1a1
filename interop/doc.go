// Package interop checks that package encrypt writes and reads the AWS
// Encryption SDK message format as the official implementations do: the
// AWS Encryption SDK for Go (in process) and the AWS Encryption SDK for
// JavaScript, @aws-crypto/client-node, the one Powertools for AWS Lambda
// (TypeScript) uses (through node, oracle.js). It is a module of its own so
// that the official SDKs never enter the library's go.mod.
//
// Everything is in the tests: run `npm ci` in this folder, then
// `go test ./...`.
package interop

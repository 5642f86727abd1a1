package middleware

import (
	"bytes"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// This file recognises the sources that deliver a batch of Records: SQS,
// SNS, S3 notifications, DynamoDB Streams, Kinesis Data Streams and SES.

// recordSource returns the Source of a record's eventSource, "" if it is
// none of the Records-based sources.
func recordSource(v []byte) Source {
	switch {
	case equal(v, "aws:sqs"):
		return SourceSQS
	case equal(v, "aws:sns"):
		return SourceSNS
	case equal(v, "aws:s3"):
		return SourceS3
	case equal(v, "aws:dynamodb"):
		return SourceDynamoDB
	case equal(v, "aws:kinesis"):
		return SourceKinesis
	case equal(v, "aws:ses"):
		return SourceSES
	}
	return ""
}

// record holds the raw members of one record that the sources use.
type record struct {
	eventSource, eventSourceARN, eventName, sns, s3, attributes, userIdentity, requestParameters []byte
}

func (r *record) scan(obj []byte) {
	it := jsonscan.NewObjectIter(obj)
	for it.Next() {
		v := it.Value()
		switch string(it.Key()) {
		case "eventSource", "EventSource":
			r.eventSource = v
		case "eventSourceARN":
			r.eventSourceARN = v
		case "eventName":
			r.eventName = v
		case "Sns":
			r.sns = v
		case "s3":
			r.s3 = v
		case "attributes":
			r.attributes = v
		case "userIdentity":
			r.userIdentity = v
		case "requestParameters":
			r.requestParameters = v
		}
	}
}

// recordsEvent recognises a batch of Records by the eventSource of its first
// record. Every record of that source adds its resource (queue, topic,
// bucket, table stream, stream ARN) and its eventName. Records of another
// source in the same batch, which Lambda never sends, are ignored.
//
// The actor is what the service asserts of the sender (SQS SenderId; S3
// principalId and source IP; the DynamoDB userIdentity of TTL deletions):
// service_asserted, and only when every record of the batch says the same.
// SNS, Kinesis and SES records name no caller (a Kinesis record's
// invokeIdentityArn is the function's own role, not the caller).
func (b *builder) recordsEvent(records []byte) bool {
	var names spanSet
	var who actorVote
	it := jsonscan.NewArrayIter(records)
	for it.Next() {
		var r record
		r.scan(it.Value())
		src := recordSource(r.eventSource)
		if b.source == "" {
			if src == "" {
				return false
			}
			b.source = src
		} else if src != b.source {
			continue
		}
		switch src {
		case SourceSQS:
			b.resourceValue(r.eventSourceARN)
			who.vote(b, b.str(lookup(r.attributes, "SenderId")), span{})
		case SourceSNS:
			b.resourceValue(lookup(r.sns, "TopicArn"))
		case SourceS3:
			bucket := b.str(lookup(r.s3, "bucket", "arn"))
			if bucket.empty() {
				bucket = b.str(lookup(r.s3, "bucket", "name"))
			}
			b.resource(bucket)
			names.add(b, b.str(r.eventName))
			who.vote(b, b.str(lookup(r.userIdentity, "principalId")), b.str(lookup(r.requestParameters, "sourceIPAddress")))
		case SourceDynamoDB:
			b.resourceValue(r.eventSourceARN)
			names.add(b, b.str(r.eventName))
			who.vote(b, b.str(lookup(r.userIdentity, "principalId")), span{})
		case SourceKinesis:
			b.resourceValue(r.eventSourceARN)
			names.add(b, b.str(r.eventName))
		}
	}
	if b.source == "" {
		return false
	}
	b.op = names.joined(b)
	if who.agreed() {
		b.actor.principalID = who.principal
		b.actor.sourceIP = who.ip
		b.assurance = AssuranceServiceAsserted
	}
	return true
}

// actorVote collects the sender each record of a batch names.
type actorVote struct {
	principal, ip span
	votes         int
	conflict      bool
}

// vote records one record's sender.
func (v *actorVote) vote(b *builder, principal, ip span) {
	if v.votes == 0 {
		v.principal, v.ip = principal, ip
	} else if !bytes.Equal(b.bytes(v.principal), b.bytes(principal)) || !bytes.Equal(b.bytes(v.ip), b.bytes(ip)) {
		v.conflict = true
	}
	v.votes++
}

// agreed reports whether every record named the same, non-empty sender.
func (v *actorVote) agreed() bool {
	return v.votes > 0 && !v.conflict && (!v.principal.empty() || !v.ip.empty())
}

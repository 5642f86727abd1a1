package middleware

import (
	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// This file recognises the sources with a shape of their own: Firehose,
// Cognito, AppSync resolvers, Connect, Kafka, EventBridge, S3 Batch
// Operations and S3 Object Lambda. CloudWatch Logs needs no function: its
// log group is inside the base64 gzip data, which is not opened here.

// firehose: a Kinesis Data Firehose transformation. Its resources are the
// delivery stream and, when Firehose reads from one, the Kinesis stream.
func (b *builder) firehose(t *topLevel) {
	b.source = SourceFirehose
	b.resourceValue(t.deliveryStreamArn)
	b.resourceValue(t.sourceKinesisStreamArn)
}

// cognitoUserPool: a Cognito user-pool trigger. The user pool states who
// the user is: service_asserted.
func (b *builder) cognitoUserPool(t *topLevel) {
	b.source = SourceCognito
	b.resourceValue(t.userPoolID)
	b.op = b.str(t.triggerSource)
	b.actor.username = b.str(t.userName)
	b.actor.subject = b.str(lookup(t.request, "userAttributes", "sub"))
	b.assurance = AssuranceServiceAsserted
}

// cognitoSync: a Cognito Sync trigger; its identityId is the subject of the
// identity pool's tokens.
func (b *builder) cognitoSync(t *topLevel) {
	b.source = SourceCognito
	b.resourceValue(t.identityPoolID)
	b.op = b.str(t.eventType)
	b.actor.subject = b.str(t.identityID)
	if !b.actor.subject.empty() {
		b.assurance = AssuranceServiceAsserted
	}
}

// appSync: an AppSync resolver invocation. Both the operation and the
// resource are "parentTypeName.fieldName". The caller comes from identity:
// IAM (userArn, accountId): aws_sigv4; Cognito user pools or OIDC (sub,
// issuer, username): authorizer_verified; a Lambda authorizer
// (resolverContext): authorizer_verified; API key or none: none.
func (b *builder) appSync(t *topLevel) {
	b.source = SourceAppSync
	field := b.join(b.str(lookup(t.info, "parentTypeName")), ".", b.str(lookup(t.info, "fieldName")))
	b.op = field
	b.resource(field)

	var f [8][]byte
	jsonscan.Pick(t.identity, []string{"userArn", "accountId", "sub", "issuer", "username", "claims", "resolverContext", "sourceIp"}, f[:])
	userArn, accountID, sub, issuer, username, claims, resolverContext, sourceIP := f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
	a := &b.actor
	a.sourceIP = b.str(firstElement(sourceIP))
	for it := jsonscan.NewObjectIter(lookup(t.request, "headers")); it.Next(); {
		if equalFold(it.Key(), "user-agent") {
			a.userAgent = b.str(it.Value())
		}
	}
	switch {
	case isString(userArn) || isString(accountID):
		a.userARN = b.str(userArn)
		a.accountID = b.str(accountID)
		a.username = b.str(username)
		b.assurance = AssuranceSigV4
	case isString(sub) || isString(issuer) || isObject(claims):
		a.subject = b.first(sub, lookup(claims, "sub"))
		a.issuer = b.first(issuer, lookup(claims, "iss"))
		a.username = b.first(username, lookup(claims, "cognito:username"))
		b.assurance = AssuranceAuthorizerVerified
	case isObject(resolverContext):
		b.assurance = AssuranceAuthorizerVerified
	}
}

// connect: an Amazon Connect contact flow. Its resource is the Connect
// instance; the customer's phone number is not recorded as a caller.
func (b *builder) connect(t *topLevel) {
	b.source = SourceConnect
	b.resourceValue(lookup(t.details, "ContactData", "InstanceARN"))
}

// kafka: Amazon MSK (eventSourceArn is the cluster) or a self-managed
// Kafka cluster (named by its bootstrap servers).
func (b *builder) kafka(t *topLevel) {
	b.source = SourceMSK
	cluster := b.str(t.eventSourceArn)
	if cluster.empty() {
		cluster = b.str(t.bootstrapServers)
	}
	b.resource(cluster)
}

// eventBridge: an EventBridge (CloudWatch Events) event; "Scheduled Event"
// from aws.events is a scheduled rule. Its resources are its resources
// array, its operation its detail-type. For the events AWS services send
// from CloudTrail ("AWS API Call via CloudTrail" and the like), the caller
// is detail.userIdentity: service_asserted. Only sources beginning "aws."
// are believed: EventBridge keeps those for AWS, while anyone allowed to
// PutEvents can write any detail under another source.
func (b *builder) eventBridge(t *topLevel) {
	b.source = SourceEventBridge
	if equal(t.source, "aws.events") && equal(t.detailType, "Scheduled Event") {
		b.source = SourceScheduled
	}
	b.op = b.str(t.detailType)
	for it := jsonscan.NewArrayIter(t.resources); it.Next(); {
		b.resourceValue(it.Value())
	}

	src, ok := jsonscan.Unquote(t.source)
	if !ok || !hasPrefix(src, "aws.") {
		return
	}
	var f [3][]byte
	jsonscan.Pick(t.detail, []string{"userIdentity", "sourceIPAddress", "userAgent"}, f[:])
	uid, sourceIP, userAgent := f[0], f[1], f[2]
	if !isObject(uid) {
		return
	}
	b.userIdentity(uid)
	b.actor.sourceIP = b.str(sourceIP)
	b.actor.userAgent = b.str(userAgent)
	b.assurance = AssuranceServiceAsserted
}

// userIdentity records a CloudTrail-style userIdentity object (arn,
// accountId, accessKeyId, principalId, userName).
func (b *builder) userIdentity(uid []byte) {
	var f [5][]byte
	jsonscan.Pick(uid, []string{"arn", "accountId", "accessKeyId", "principalId", "userName"}, f[:])
	arn, accountID, accessKeyID, principalID, userName := f[0], f[1], f[2], f[3], f[4]
	a := &b.actor
	a.userARN = b.str(arn)
	a.accountID = b.str(accountID)
	a.accessKeyID = b.str(accessKeyID)
	a.principalID = b.str(principalID)
	a.username = b.str(userName)
}

// s3Batch: an S3 Batch Operations job invoking the function on a task. Its
// resources are the tasks' buckets (s3BucketArn in schema 1.0, the bucket
// name in 2.0). The job's role is not in the event: no caller.
func (b *builder) s3Batch(t *topLevel) {
	b.source = SourceS3
	for it := jsonscan.NewArrayIter(t.tasks); it.Next(); {
		task := it.Value()
		bucket := b.str(lookup(task, "s3BucketArn"))
		if bucket.empty() {
			bucket = b.str(lookup(task, "s3Bucket"))
		}
		b.resource(bucket)
	}
}

// s3ObjectLambda: an S3 Object Lambda request (GetObject, HeadObject,
// ListObjects, ListObjectsV2). Its resources are the Object Lambda access
// point and its supporting access point. The caller is userIdentity, which
// S3 states: service_asserted.
func (b *builder) s3ObjectLambda(t *topLevel) {
	b.source = SourceS3
	off := b.start()
	b.add(t.objectContext)
	b.op = b.end(off)
	b.resourceValue(lookup(t.configuration, "accessPointArn"))
	b.resourceValue(lookup(t.configuration, "supportingAccessPointArn"))
	if isObject(t.userIdentity) {
		b.userIdentity(t.userIdentity)
		b.assurance = AssuranceServiceAsserted
	}
}

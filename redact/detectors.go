package redact

// builtinDetectors lists every built-in detector, in the order they run. A
// detector may add matches of several types (the key-value detector adds
// secrets, names, addresses and dates of birth); its typ is the one that
// turns it on and off. minLen and minDigits repeat the first test of each
// detector, so that the many short values of a document skip the call.
var builtinDetectors = []detector{
	{typ: TypeSecret, find: findKeyed, minLen: 3}, // values under sensitive keys in free text: password=..., "token": ...
	{typ: TypePrivateKey, find: findPrivateKeys, minLen: 30},
	{typ: TypeJWT, find: findJWTs, minLen: 20},
	{typ: TypeAuthorization, find: findAuthorization, minLen: 9},
	{typ: TypeAWSAccessKeyID, find: findAWSAccessKeyIDs, minLen: 20},
	{typ: TypeAWSSecretAccessKey, find: findAWSSecretKeys, minLen: 46},
	{typ: TypeVendorToken, find: findVendorTokens, minLen: 14},
	{typ: TypeEmail, find: findEmails, minLen: 6},
	{typ: TypeCreditCard, find: findCards, minLen: 13, minDigits: 13},
	{typ: TypeCardCVV, find: findCVVs, minLen: 3, minDigits: 3},
	{typ: TypeCardExpiry, find: findExpiries, minLen: 8, minDigits: 4},
	{typ: TypeIBAN, find: findIBANs, minLen: 15, minDigits: 2},
	{typ: TypeSSN, find: findSSNs, minLen: 9, minDigits: 9},
	{typ: TypePhone, find: findPhones, minLen: 8, minDigits: 1},
	{typ: TypeIPAddress, find: findIPs, minLen: 7},
	{typ: TypeUSITIN, find: findITINs, minLen: 9, minDigits: 9},
	{typ: TypeUSRouting, find: findRoutingNumbers, minLen: 9, minDigits: 9},
	{typ: TypeUKNINO, find: findNINOs, minLen: 9, minDigits: 6},
	{typ: TypeUKNHS, find: findNHSNumbers, minLen: 10, minDigits: 10},
	{typ: TypeCASIN, find: findSINs, minLen: 9, minDigits: 9},
}

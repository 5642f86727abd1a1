package redact

// builtinDetectors lists every built-in detector, in the order they run. A
// detector may add matches of several types (the key-value detector adds
// secrets, names, addresses and dates of birth); its typ is the one that
// turns it on and off. Each gate repeats the first tests of its detector
// (a byte it cannot do without, the rarest when it needs several), so that
// the many short values of a document skip most calls.
var builtinDetectors = []detector{
	// values under sensitive keys in free text: password=..., "token": ..., API key ...
	{typ: TypeSecret, find: findKeyed, gate: gate{minLen: 3, any: fEq | fColon | fPhrase}},
	{typ: TypePrivateKey, find: findPrivateKeys, gate: gate{minLen: 30, any: fBu}},
	{typ: TypeJWT, find: findJWTs, gate: gate{minLen: 20, any: fJ}},
	// Bearer/Basic, user:pass@host, X-Amz-Credential=
	{typ: TypeAuthorization, find: findAuthorization, gate: gate{minLen: 9, any: fBu | fBl | fAt | fEq | fPercent}},
	{typ: TypeAWSAccessKeyID, find: findAWSAccessKeyIDs, gate: gate{minLen: 20, minUpper: 4, any: fA}},
	{typ: TypeAWSSecretAccessKey, find: findAWSSecretKeys, gate: gate{minLen: 46, any: fK}},
	// ghp_, sk_live_, xox, AIza, ya29.
	{typ: TypeVendorToken, find: findVendorTokens, gate: gate{minLen: 14, any: fUnder | fX | fZ | fY}},
	{typ: TypeEmail, find: findEmails, gate: gate{minLen: 6, any: fAt | fPercent | fBslash}},
	{typ: TypeCreditCard, find: findCards, gate: gate{minLen: 13, minDigits: 13}},
	// the keywords (cvv, cvc, csc, security code) all have a c
	{typ: TypeCardCVV, find: findCVVs, gate: gate{minLen: 3, minDigits: 3, any: fC, key: keyCard}},
	{typ: TypeCardExpiry, find: findExpiries, gate: gate{minLen: 8, minDigits: 4, any: fX | fV}},
	{typ: TypeIBAN, find: findIBANs, gate: gate{minLen: 15, minDigits: 2, minUpper: 2}},
	{typ: TypeSSN, find: findSSNs, gate: gate{minLen: 9, minDigits: 9, any: fDash | fS, key: keySSN}},
	{typ: TypePhone, find: findPhones, gate: gate{minLen: 8, minDigits: 1, any: fPlus | fPercent | fDigits9}},
	{typ: TypeIPAddress, find: findIPs, gate: gate{minLen: 7, any: fDots3 | fColons2}},
	{typ: TypeUSITIN, find: findITINs, gate: gate{minLen: 9, minDigits: 9}},
	{typ: TypeUSRouting, find: findRoutingNumbers, gate: gate{minLen: 9, minDigits: 9}},
	{typ: TypeUKNINO, find: findNINOs, gate: gate{minLen: 9, minDigits: 6, minUpper: 3}},
	{typ: TypeUKNHS, find: findNHSNumbers, gate: gate{minLen: 10, minDigits: 10}},
	{typ: TypeCASIN, find: findSINs, gate: gate{minLen: 9, minDigits: 9}},
}

package redact

// builtinDetectors lists every built-in detector, in the order they run. A
// detector may add matches of several types (the key-value detector adds
// secrets, names, addresses and dates of birth); its typ is the one that
// turns it on and off.
var builtinDetectors = []detector{
	{TypeSecret, findKeyed}, // values under sensitive keys in free text: password=..., "token": ...
	{TypePrivateKey, findPrivateKeys},
	{TypeJWT, findJWTs},
	{TypeAuthorization, findAuthorization},
	{TypeAWSAccessKeyID, findAWSAccessKeyIDs},
	{TypeAWSSecretAccessKey, findAWSSecretKeys},
	{TypeVendorToken, findVendorTokens},
	{TypeEmail, findEmails},
	{TypeCreditCard, findCards},
	{TypeCardCVV, findCVVs},
	{TypeCardExpiry, findExpiries},
	{TypeIBAN, findIBANs},
	{TypeSSN, findSSNs},
	{TypePhone, findPhones},
	{TypeIPAddress, findIPs},
	{TypeUSITIN, findITINs},
	{TypeUSRouting, findRoutingNumbers},
	{TypeUKNINO, findNINOs},
	{TypeUKNHS, findNHSNumbers},
	{TypeCASIN, findSINs},
}

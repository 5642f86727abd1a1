package redact

// Type is the kind of a finding. Its String is the name used in markers,
// findings and configuration.
type Type uint8

// The built-in types. Those marked opt-in are found only when enabled by
// name or through their pack.
const (
	TypeEmail Type = iota + 1
	TypeCreditCard
	TypeCardCVV
	TypeCardExpiry
	TypeSSN
	TypePhone
	TypeIPAddress
	TypeIBAN
	TypeAWSAccessKeyID
	TypeAWSSecretAccessKey
	TypeJWT
	TypeAuthorization // Bearer/Basic credentials, URL userinfo, X-Amz-Signature and friends
	TypePrivateKey
	TypeVendorToken // GitHub, Slack, Stripe, Google API keys ...
	TypeSecret      // the value of a sensitive key
	TypeDateOfBirth // under date-of-birth keys
	TypePersonName  // under name keys
	TypeStreetAddress
	// Opt-in packs.
	TypeUSITIN // pack "us"
	TypeUSRouting
	TypeUKNINO // pack "uk"
	TypeUKNHS
	TypeCASIN // pack "ca"
	numBuiltinTypes
)

var typeNames = [...]string{
	TypeEmail:              "email",
	TypeCreditCard:         "credit_card",
	TypeCardCVV:            "card_cvv",
	TypeCardExpiry:         "card_expiry",
	TypeSSN:                "us_ssn",
	TypePhone:              "phone",
	TypeIPAddress:          "ip_address",
	TypeIBAN:               "iban",
	TypeAWSAccessKeyID:     "aws_access_key_id",
	TypeAWSSecretAccessKey: "aws_secret_access_key",
	TypeJWT:                "jwt",
	TypeAuthorization:      "authorization",
	TypePrivateKey:         "private_key",
	TypeVendorToken:        "vendor_token",
	TypeSecret:             "secret",
	TypeDateOfBirth:        "date_of_birth",
	TypePersonName:         "person_name",
	TypeStreetAddress:      "street_address",
	TypeUSITIN:             "us_itin",
	TypeUSRouting:          "us_aba_routing",
	TypeUKNINO:             "uk_nino",
	TypeUKNHS:              "uk_nhs",
	TypeCASIN:              "ca_sin",
}

// String returns the type's name, such as "credit_card".
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

var typeByName = func() map[string]Type {
	m := make(map[string]Type, len(typeNames))
	for t, n := range typeNames {
		if n != "" {
			m[n] = Type(t)
		}
	}
	return m
}()

// packs are the opt-in detector groups, by name.
var packs = map[string][]Type{
	"us": {TypeUSITIN, TypeUSRouting},
	"uk": {TypeUKNINO, TypeUKNHS},
	"ca": {TypeCASIN},
}

// optIn reports whether t is off unless enabled.
func optIn(t Type) bool { return t >= TypeUSITIN && t < numBuiltinTypes }

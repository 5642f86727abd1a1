package redact

// Placeholders for the value detectors not written yet. Delete each one as
// its real implementation lands in its family file.
var (
	findPrivateKeys     func(s []byte, m *matchSet)
	findJWTs            func(s []byte, m *matchSet)
	findAuthorization   func(s []byte, m *matchSet)
	findAWSAccessKeyIDs func(s []byte, m *matchSet)
	findAWSSecretKeys   func(s []byte, m *matchSet)
	findVendorTokens    func(s []byte, m *matchSet)
	findEmails          func(s []byte, m *matchSet)
	findCards           func(s []byte, m *matchSet)
	findCVVs            func(s []byte, m *matchSet)
	findExpiries        func(s []byte, m *matchSet)
	findIBANs           func(s []byte, m *matchSet)
	findSSNs            func(s []byte, m *matchSet)
	findPhones          func(s []byte, m *matchSet)
	findIPs             func(s []byte, m *matchSet)
	findITINs           func(s []byte, m *matchSet)
	findRoutingNumbers  func(s []byte, m *matchSet)
	findNINOs           func(s []byte, m *matchSet)
	findNHSNumbers      func(s []byte, m *matchSet)
	findSINs            func(s []byte, m *matchSet)
)

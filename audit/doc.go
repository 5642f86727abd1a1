// Package audit writes one OCSF audit record per invocation, in a hash chain
// that proves nobody edited, removed, reordered or inserted records after they
// were written, and verifies such chains offline.
//
// Each execution environment starts its own chain: a genesis record (OCSF
// Event Log Activity) carries the public half of an ephemeral ECDSA P-256 key,
// certified once by an AWS KMS signing key, or self-signed (and reported as
// uncertified) without one. Every record after it (OCSF API Activity) carries
// its sequence number, the fingerprint of the record before it, its own
// fingerprint (SHA-256 over its RFC 8785 canonical JSON) and a signature by the
// ephemeral key, so each record can be checked on its own. A close record ends
// the chain when Lambda shuts the environment down.
//
// # Records
//
// Records are single lines of RFC 8785 canonical JSON, OCSF schema
// [SchemaVersion]: API Activity (class_uid 6003) per invocation, Event Log
// Activity (class_uid 1008) "Start" (activity_id 6) for the genesis and
// "Stop" (activity_id 7) for the close record. Fields the schema has no place
// for are under "unmapped": the function, the actor's assurance level,
// payload sizes, keyed payload digests, redaction counts, and the chain's
// parameters in the genesis record ("unmapped.chain"). [Chain] documents the
// "attestation" object (the OCSF record_integrity profile) that links and
// signs each record; [NewChain] the genesis record and its certificate.
// Records carry identifiers (request id, principal, source IP, user agent),
// never payload content, error messages, query strings or secrets: payloads
// enter only HMAC-SHA256 digests under Config.DigestKey (or a random key per
// chain, then marked "reproducible": false).
//
// # Verification
//
// [Verify] reads records as written or as CloudWatch Logs exports them,
// groups them by chain and reports each chain's worst [Status]:
//
//   - valid: certified (KMS key checked), complete, terminated, untouched;
//   - uncertified: intact, but the key is self-signed, the certifying key was
//     not given, or an HMAC chain's key was not given;
//   - unterminated: intact so far, no close record (crash, timeout, or a cut
//     tail: give the platform's request ids to tell);
//   - modified: content that does not match its fingerprint;
//   - forged: a signature or certificate that does not verify;
//   - deleted: missing sequence numbers (listed), or no genesis record;
//   - reordered: a record after one with a higher sequence number;
//   - fork: two records signed for one sequence number, or a broken link
//     between signed records (someone holding the key rewrote one).
//
// [Report.OK] holds when every chain is valid (what the CLI exits 0 on);
// [Report.Intact] when none shows tampering or loss, certified or not.
//
// # HMAC mode
//
// With Config.HMACKey, records are authenticated with HMAC-SHA256 under keys
// that evolve one step per record, and the chain keeps only the current one:
// someone who steals it later cannot rewrite earlier records. Only holders
// of the first key can verify ([VerifyOptions].HMACKey).
package audit

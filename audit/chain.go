package audit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Signature algorithms of a chain, as written in attestation.signatures.
const (
	// AlgorithmES256 is ECDSA over P-256 with SHA-256, the signature in
	// ASN.1 DER: publicly verifiable with the genesis record's key.
	AlgorithmES256 = "ES256"
	// AlgorithmHS256 is HMAC-SHA256 under forward-evolving keys: verifiable
	// only with the chain's first key.
	AlgorithmHS256 = "HS256"
)

// hmacNext is the label that derives key i+1 from key i.
var hmacNext = []byte("next")

// ErrClosed is returned by [Chain.Record] after [Chain.Close].
var ErrClosed = errors.New("audit: chain closed")

// WriteError reports a record that could not be written. The chain does not
// consume the sequence number of a record it failed to write: the next
// record takes it, so a failed write leaves no gap. (If the writer in fact
// stored the record before failing, verification shows a fork at that
// sequence number.)
type WriteError struct {
	Sequence uint64 // the sequence number the record would have had
	Err      error
}

// Error describes the failure; it carries no data.
func (e *WriteError) Error() string {
	return fmt.Sprintf("audit: writing record %d: %v", e.Sequence, e.Err)
}

// Unwrap returns the writer's error.
func (e *WriteError) Unwrap() error { return e.Err }

// CertifyError reports that the Certifier could not certify a new chain.
type CertifyError struct {
	Err error
}

// Error describes the failure; it carries no data.
func (e *CertifyError) Error() string { return "audit: certifying the chain key: " + e.Err.Error() }

// Unwrap returns the Certifier's error.
func (e *CertifyError) Unwrap() error { return e.Err }

// Chain writes audit records to one writer as a hash chain: a genesis record
// (sequence 0), one record per [Chain.Record], and a close record. Each
// record is one line (canonical JSON and '\n') written with a single Write
// call, from a buffer the chain reuses (as [io.Writer] requires, the writer
// must not retain it). It is safe for concurrent use: records reach the
// writer in sequence order.
//
// Every record carries an OCSF record_integrity attestation:
//
//	"attestation": {
//	  "chain_uid": "<function ARN>/<log stream>/<32 hex>",
//	  "uid": "<sequence number, decimal>",
//	  "prev_event": {"uid": "<previous metadata.uid>", "type_uid": <its type_uid>,
//	                 "fingerprint": {"algorithm": "SHA-256", "algorithm_id": 3, "value": "<hex>"}},
//	  "fingerprint": {"algorithm": "SHA-256", "algorithm_id": 3, "value": "<hex>"},
//	  "signatures": [{"algorithm": "ES256" | "HS256", "algorithm_id": 3 | 99,
//	                  "serialization": "JCS", "serialization_id": 1, "value": "<base64>"}]
//	}
//
// The fingerprint is the SHA-256 of the RFC 8785 canonical JSON of the whole
// record without attestation.fingerprint and attestation.signatures;
// prev_event is absent from the genesis record. The signature is over the 32
// bytes of the fingerprint: ES256 (ASN.1 DER) with the chain's ephemeral
// key, or, in HMAC mode, HMAC-SHA256 under key k_seq, where k_0 is
// Config.HMACKey and k_{i+1} = HMAC-SHA256(k_i, "next"). (The schema's
// digital_signature has no attribute for the signature bytes yet: they are
// in "value".)
type Chain struct {
	cfg                Config
	uid                string
	product            map[string]any
	productJSON        []byte
	priv               *ecdsa.PrivateKey // nil in HMAC mode
	alg                string
	digestKey          []byte
	digestReproducible bool

	mu       sync.Mutex
	w        io.Writer
	seq      uint64 // sequence number of the next record
	prevFP   [sha256.Size]byte
	prevUID  string
	prevType int
	key      []byte // HMAC mode: k_seq
	records  uint64 // API Activity records written
	closed   bool
	att      []byte // seal's scratch: the attestation the fingerprint covers
	line     []byte // seal's scratch: the record line
}

func (c *Chain) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// NewChain starts a chain on w: it makes the ephemeral P-256 key (none in
// HMAC mode), the chain id "<FunctionARN>/<LogStream>/<32 random hex>", and
// writes the genesis record, an OCSF Event Log Activity "Start" (class 1008,
// activity 6) whose unmapped.chain object holds:
//
//	uid                  the chain id
//	function_arn, log_stream
//	algorithm            "ES256" or "HS256"
//	public_key           base64 DER SubjectPublicKeyInfo of the ephemeral key (ES256)
//	hmac                 true in HMAC mode
//	hmac_key_ciphertext  base64 of Config.HMACKeyCiphertext (HMAC mode, if set)
//	self_signed          true when no Certifier vouches for the chain
//	fail_open            Config.FailOpen
//	digests_reproducible false when payload digests use a random per-chain key
//	writer               {name, version}
//	certificate          {key_arn, algorithm "ECDSA_SHA_256", signature}: the
//	                     Certifier's DER signature over the SHA-256 of the
//	                     canonical genesis record without attestation.fingerprint,
//	                     attestation.signatures and unmapped.chain.certificate
//
// A Certifier error is returned as a [*CertifyError], a write error as a
// [*WriteError]; no chain is started then.
func NewChain(ctx context.Context, w io.Writer, cfg Config) (*Chain, error) {
	c := &Chain{cfg: cfg, w: w, alg: AlgorithmES256}
	c.product = productOf(&cfg)
	c.productJSON = appendValue(nil, c.product)
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	c.uid = str(cfg.FunctionARN) + "/" + str(cfg.LogStream) + "/" + hex.EncodeToString(rnd[:])
	if len(cfg.DigestKey) > 0 {
		c.digestKey, c.digestReproducible = append([]byte(nil), cfg.DigestKey...), true
	} else {
		c.digestKey = make([]byte, 32)
		if _, err := rand.Read(c.digestKey); err != nil {
			return nil, err
		}
	}

	chain := map[string]any{
		"uid":                  c.uid,
		"self_signed":          cfg.Certifier == nil,
		"fail_open":            cfg.FailOpen,
		"hmac":                 len(cfg.HMACKey) > 0,
		"digests_reproducible": c.digestReproducible,
		"writer":               c.product,
	}
	put(chain, "function_arn", cfg.FunctionARN)
	put(chain, "log_stream", cfg.LogStream)
	if len(cfg.HMACKey) > 0 {
		c.alg = AlgorithmHS256
		c.key = append([]byte(nil), cfg.HMACKey...)
		if len(cfg.HMACKeyCiphertext) > 0 {
			chain["hmac_key_ciphertext"] = base64.StdEncoding.EncodeToString(cfg.HMACKeyCiphertext)
		}
	} else {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			return nil, err
		}
		c.priv = priv
		chain["public_key"] = base64.StdEncoding.EncodeToString(der)
	}
	chain["algorithm"] = c.alg

	r := c.logRecord(activityLogStart, c.now().UnixMilli(), c.uid, chain)
	if cfg.Certifier != nil {
		r["attestation"] = map[string]any{"chain_uid": c.uid, "uid": "0"}
		sum := sha256.Sum256(appendValue(nil, r))
		delete(r, "attestation")
		sig, arn, err := cfg.Certifier.Certify(ctx, sum[:])
		if err != nil {
			return nil, &CertifyError{Err: err}
		}
		chain["certificate"] = map[string]any{
			"key_arn":   str(arn),
			"algorithm": "ECDSA_SHA_256",
			"signature": base64.StdEncoding.EncodeToString(sig),
		}
	}
	body, split := splitBody(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.seal(body, split, c.uid, classEventLogActivity*100+activityLogStart); err != nil {
		return nil, err
	}
	return c, nil
}

// ChainUID returns the chain id written in every record's attestation.
func (c *Chain) ChainUID() string { return c.uid }

// PublicKey returns the chain's ephemeral public key, nil in HMAC mode.
func (c *Chain) PublicKey() *ecdsa.PublicKey {
	if c.priv == nil {
		return nil
	}
	return &c.priv.PublicKey
}

// Record writes the API Activity record of ev as the chain's next record.
// The record is built and encoded before the chain's lock is taken; under
// it, only the attestation is added, hashed, signed and written. It returns
// [ErrClosed] after Close, a [*WriteError] when the writer fails.
func (c *Chain) Record(ctx context.Context, ev *Event) error {
	if ev == nil {
		return errors.New("audit: Record: nil Event")
	}
	e := encPool.Get().(*enc)
	defer encPool.Put(e)
	e.b, e.n = e.b[:0], e.n[:0]
	split := c.apiRecord(e, ev)
	uid := ""
	activity := activityOther
	if ev.Invocation != nil {
		uid = str(ev.Invocation.RequestID)
		activity, _, _ = activityOf(ev.Invocation.Operation)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if err := c.seal(e.b, split, uid, classAPIActivity*100+activity); err != nil {
		return err
	}
	c.records++
	return nil
}

var encPool = sync.Pool{New: func() any { return &enc{b: make([]byte, 0, 4096)} }}

// Close writes the close record, an Event Log Activity "Stop" (class 1008,
// activity 7) with unmapped.chain {uid, records: the number of API Activity
// records}. Close is idempotent; after a write error it may be retried.
func (c *Chain) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	chain := map[string]any{"uid": c.uid, "records": c.records}
	uid := c.uid + "/close"
	r := c.logRecord(activityLogStop, c.now().UnixMilli(), uid, chain)
	body, split := splitBody(r)
	if err := c.seal(body, split, uid, classEventLogActivity*100+activityLogStop); err != nil {
		return err
	}
	c.closed = true
	clear(c.key)
	return nil
}

// appendFingerprint appends the OCSF fingerprint object of fp.
func appendFingerprint(dst []byte, fp *[sha256.Size]byte) []byte {
	dst = append(dst, `{"algorithm":"SHA-256","algorithm_id":3,"value":"`...)
	dst = hex.AppendEncode(dst, fp[:])
	return append(dst, `"}`...)
}

// appendAttestation appends the canonical attestation object; fp and sig
// are nil for the text the fingerprint covers.
func (c *Chain) appendAttestation(dst []byte, fp *[sha256.Size]byte, sig []byte) []byte {
	dst = append(dst, `"attestation":{"chain_uid":`...)
	dst = appendString(dst, c.uid)
	if fp != nil {
		dst = append(dst, `,"fingerprint":`...)
		dst = appendFingerprint(dst, fp)
	}
	if c.seq > 0 {
		dst = append(dst, `,"prev_event":{"fingerprint":`...)
		dst = appendFingerprint(dst, &c.prevFP)
		dst = append(dst, `,"type_uid":`...)
		dst = strconv.AppendInt(dst, int64(c.prevType), 10)
		dst = append(dst, `,"uid":`...)
		dst = appendString(dst, c.prevUID)
		dst = append(dst, '}')
	}
	if sig != nil {
		dst = append(dst, `,"signatures":[{"algorithm":"`...)
		dst = append(dst, c.alg...)
		if c.alg == AlgorithmES256 {
			dst = append(dst, `","algorithm_id":3`...)
		} else {
			dst = append(dst, `","algorithm_id":99`...)
		}
		dst = append(dst, `,"serialization":"JCS","serialization_id":1,"value":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, sig)
		dst = append(dst, `"}]`...)
	}
	dst = append(dst, `,"uid":"`...)
	dst = strconv.AppendUint(dst, c.seq, 10)
	return append(dst, `"}`...)
}

// splitBody encodes a record without its attestation and says where the
// attestation belongs (never first: "activity_id" sorts before it).
func splitBody(r map[string]any) (body []byte, split int) {
	before, after := splitObject(r, "attestation")
	split = len(before) - 1 // without the comma
	return append(before[:split], after...), split
}

// seal inserts the attestation into a record encoded without it (body,
// attestation at split), signs and writes it, and advances the chain. It
// runs under c.mu, and builds the line in c.line, which it keeps: once that
// has grown to the records' size, the lock is held across no allocation for
// it.
func (c *Chain) seal(body []byte, split int, uid string, typeUID int) error {
	h := sha256.New()
	h.Write(body[:split])
	c.att = append(c.att[:0], ',')
	c.att = c.appendAttestation(c.att, nil, nil)
	h.Write(c.att)
	h.Write(body[split:])
	var fp [sha256.Size]byte
	h.Sum(fp[:0])

	var sig []byte
	if c.priv != nil {
		var err error
		if sig, err = ecdsa.SignASN1(rand.Reader, c.priv, fp[:]); err != nil {
			return err
		}
	} else {
		sig = hmacSum(c.key, fp[:])
	}

	// The signed attestation is c.att, its fingerprint and its signature:
	// some 330 bytes more.
	line := slices.Grow(c.line[:0], len(body)+len(c.att)+512)
	line = append(line, body[:split]...)
	line = append(line, ',')
	line = c.appendAttestation(line, &fp, sig)
	line = append(line, body[split:]...)
	line = append(line, '\n')
	c.line = line
	n, err := c.w.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 && n < len(line) {
			// End the partial line so that it does not swallow the next one.
			_, _ = c.w.Write([]byte{'\n'})
		}
		return &WriteError{Sequence: c.seq, Err: err}
	}
	c.seq++
	c.prevFP, c.prevUID, c.prevType = fp, uid, typeUID
	if c.priv == nil {
		next := hmacSum(c.key, hmacNext)
		clear(c.key)
		c.key = next
	}
	return nil
}

// hmacSum returns HMAC-SHA256(key, msg).
func hmacSum(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
